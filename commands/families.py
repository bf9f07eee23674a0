"""The command families of the core, registered explicitly (no import side effects)."""
from __future__ import annotations

from functools import lru_cache

from commands import admin, agenda, desk, feed, home, import_desk, reminders, roster, submissions
from commands.registry import Registry

FAMILIES = (agenda, submissions, desk, admin, import_desk, roster, reminders, feed, home)


def build_registry() -> Registry:
    registry = Registry()
    for family in FAMILIES:
        family.register(registry)
    return registry


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry every front end uses unless it is given another (tests build their own)."""
    return build_registry()
