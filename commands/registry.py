"""The registry: every command and subcommand with its usage and help, in one place."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Command:
    name: str                 # "agenda" or, for subcommands of convene, "setup", "session list" …
    usage: str                # how to type it, without prefix: "agenda [SESSION] [ITEM] [public]"
    summary: str              # one line
    handler: Callable
    coordinator: bool = False
    needs_group: bool = True
    head: str = "convene"     # which command word it lives under
    details: str = ""


HEADS: dict[str, Command] = {}
SUBCOMMANDS: dict[str, Command] = {}     # under `convene`; keys may be two words ("session list")
INPUT_ACTIONS: dict[str, Command] = {}   # under `inputs`


def head(name: str, usage: str, summary: str, *, needs_group: bool = True, details: str = ""):
    def wrap(fn):
        HEADS[name] = Command(name, usage, summary, fn, needs_group=needs_group, head=name, details=details)
        return fn
    return wrap


def subcommand(name: str, usage: str, summary: str, *, coordinator: bool = False, needs_group: bool = True,
               details: str = "", under: str = "convene"):
    def wrap(fn):
        table = SUBCOMMANDS if under == "convene" else INPUT_ACTIONS
        table[name] = Command(name, usage, summary, fn, coordinator=coordinator, needs_group=needs_group,
                              head=under, details=details)
        return fn
    return wrap


def find_subcommand(words: list[str], table: dict[str, Command]) -> tuple[Command | None, list[str]]:
    """Longest match first: 'session list' before 'session'."""
    lowered = [w.lower() for w in words]
    for n in (3, 2, 1):
        if len(lowered) >= n and " ".join(lowered[:n]) in table:
            return table[" ".join(lowered[:n])], words[n:]
    return None, words


def all_commands() -> list[Command]:
    return list(HEADS.values()) + list(INPUT_ACTIONS.values()) + list(SUBCOMMANDS.values())
