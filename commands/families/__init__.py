"""The command families: one module each, what is typed and what is answered. A family reads the request, asks
``commands.rules`` for the decisions, calls storage, and returns a Reply; it decides nothing itself.

They are registered explicitly (no import side effects), as bolt apps register their listeners.
"""
from __future__ import annotations

from functools import lru_cache

from commands.families import (agenda, desk, feed, floor, home, imports, inputs, items, notes, reminders, roster,
                               setup)
from commands.registry import Registry

FAMILIES = (agenda, inputs, desk, setup, imports, items, roster, reminders, feed, home, floor, notes)


def build_registry() -> Registry:
    registry = Registry()
    for family in FAMILIES:
        family.register(registry)
    return registry


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry every front end uses unless it is given another (tests build their own)."""
    return build_registry()
