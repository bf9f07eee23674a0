"""The registry: every command and subcommand with its usage and help, in one place.

The decorators below only describe a handler (they attach a ``Command`` to it); nothing is registered by importing
a module. Each command family registers its handlers explicitly in its ``register(registry)``, and
``commands.families.build_registry`` calls them, as bolt apps register their listeners. Help texts, the Slack
manifest's slash commands, the README's command table and the platform parsers are derived from, or tested
against, the registry that results.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable


# The core's command words, in the order help lists them (the registry built from the families has exactly these:
# tests compare). Posts written outside a request (reminders, the agenda page) type commands with them.
HEADS = ("agenda", "questions", "submit", "inputs", "convene", "floor", "note")


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
    kind: str = "subcommand"  # head | subcommand (under convene) | input (under inputs) | action (under another head)
    pure: bool = False        # reads only: the same request on the same data in the same minute, the same reply
    default: str = ""         # a head's subcommand when nothing follows it ("inputs" alone is "inputs mine")
    role: str = ""            # only those who hold this role may use it (commands.rules.roles decides who does)


def head(name: str, usage: str, summary: str, *, needs_group: bool = True, details: str = "", pure: bool = False,
         default: str = ""):
    """Describe a command word (``agenda``, ``submit`` …). ``pure``: it only reads, so its replies may be cached
    (commands.dispatch.ReplyCache). ``default``: the subcommand it means alone."""
    def wrap(fn):
        fn.command = Command(name, usage, summary, fn, needs_group=needs_group, head=name, details=details,
                             kind="head", pure=pure, default=default)
        return fn
    return wrap


def subcommand(name: str, usage: str, summary: str, *, coordinator: bool = False, needs_group: bool = True,
               details: str = "", under: str = "convene", role: str = ""):
    """Describe a subcommand of ``convene`` (or, with ``under="inputs"``, an action of ``inputs``; with another
    head, such as ``floor``, one of its actions). ``coordinator``: only the group's coordinators may use it, which
    ``commands.dispatch`` enforces for every head before the handler runs. ``role``: only those who hold it (for
    example ``rapporteur``: coordinators and rapporteurs; ``commands.rules.roles`` decides), enforced there too."""
    def wrap(fn):
        kind = {"convene": "subcommand", "inputs": "input"}.get(under, "action")
        fn.command = Command(name, usage, summary, fn, coordinator=coordinator, needs_group=needs_group,
                             head=under, details=details, kind=kind, role=role)
        return fn
    return wrap


def find_subcommand(words: list[str], table: dict[str, Command]) -> tuple[Command | None, list[str]]:
    """Longest match first: 'session list' before 'session'."""
    lowered = [w.lower() for w in words]
    for n in (3, 2, 1):
        if len(lowered) >= n and " ".join(lowered[:n]) in table:
            return table[" ".join(lowered[:n])], words[n:]
    return None, words


class Registry:
    """The commands of one running core. ``add`` refuses a handler without a description or a name taken twice."""

    def __init__(self) -> None:
        self.heads: dict[str, Command] = {}
        self.subcommands: dict[str, Command] = {}      # under `convene`; keys may be two words ("session list")
        self.input_actions: dict[str, Command] = {}    # under `inputs`
        # Every head's subcommands by head: `convene` and `inputs` share the tables above; other heads (`floor`)
        # get theirs when their first action is added.
        self.under: dict[str, dict[str, Command]] = {"convene": self.subcommands, "inputs": self.input_actions}

    def add(self, *handlers: Callable) -> None:
        for fn in handlers:
            cmd = getattr(fn, "command", None)
            if not isinstance(cmd, Command):
                raise TypeError(f"{getattr(fn, '__name__', fn)!r} is not a described command (use @head/@subcommand)")
            table = self.heads if cmd.kind == "head" else self.under.setdefault(cmd.head, {})
            if cmd.name in table:
                raise ValueError(f"the command {' '.join(dict.fromkeys([cmd.head, cmd.name]))} is registered twice")
            table[cmd.name] = cmd

    def all(self) -> list[Command]:
        actions = [c for h, table in self.under.items() if h not in ("convene", "inputs") for c in table.values()]
        return (list(self.heads.values()) + list(self.input_actions.values()) + actions
                + list(self.subcommands.values()))

    def head_names(self) -> tuple[str, ...]:
        return tuple(self.heads)

    def find(self, words: list[str], kind: str = "subcommand") -> tuple[Command | None, list[str]]:
        return find_subcommand(words, self.subcommands if kind == "subcommand" else self.input_actions)

    def table_of(self, head_name: str) -> dict[str, Command]:
        """The subcommands that live under a command word (none for most)."""
        return self.under.get(head_name, {})

    def resolve(self, head_name: str, text: str) -> tuple[Command, str]:
        """The command a request means — a head's subcommand when its first words name one (or the head's default
        when nothing follows it), else the head itself — and the text left for its handler. Dispatch checks what
        the command declares (needs a group, coordinators only) before it runs, whichever it is."""
        cmd = self.heads[head_name]
        table = self.table_of(head_name)
        words = text.split() or ([cmd.default] if cmd.default else [])
        found, _ = find_subcommand(words, table) if table else (None, words)
        if found is None:
            return cmd, text
        rest = text
        for _ in found.name.split():           # drop the subcommand's words; the rest keeps its own lines
            parts = rest.lstrip().split(None, 1)
            rest = parts[1] if len(parts) > 1 else ""
        return found, rest

    def nearest(self, words: list[str], *, under_convene: bool = False) -> list[str]:
        """The registered command names nearest to what was typed (``sumbit`` → ``submit``, ``sesion list`` →
        ``session list``), best first, for "Did you mean …?"; empty when nothing is close. ``under_convene``: only
        subcommands of convene; else the command words, ``help`` and the subcommands typed bare."""
        lowered = [w.lower() for w in words if w]
        if not lowered:
            return []
        names = list(self.subcommands) if under_convene else \
            list(self.heads) + ["help"] + list(self.subcommands)
        scored = []
        for name in dict.fromkeys(names):
            n = len(name.split())
            typed = " ".join(lowered[:n])
            if len(lowered) < n:       # fewer words typed than the name has: compare its first words
                name_part = " ".join(name.split()[:len(lowered)])
            else:
                name_part = name
            score = difflib.SequenceMatcher(None, typed, name_part).ratio()
            if score >= SUGGEST_CUTOFF:
                scored.append((-score, -n, name))
        scored.sort()
        best = scored[0][0] if scored else None
        return [name for score, _n, name in scored if score == best][:3]


SUGGEST_CUTOFF = 0.75     # how alike a typed word and a command's must be to suggest it
