"""What importers produce: documents parsed into wall-clock (naive) times, not yet stored.

Times here are naive ``datetime`` objects meaning wall-clock time in the session's zone;
``commands.importers.apply`` turns them into UTC (refusing times that do not exist or exist twice).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class DocumentError(Exception):
    """A document could not be read. Names the line and what was expected."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        self.line = line
        self.path = path
        self.reason = message
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{message}")


@dataclass
class ParsedItem:
    number: str | None
    title: str
    kind: str = "item"            # "item" | "break"
    start: datetime | None = None
    end: datetime | None = None
    presenters: list[str] = field(default_factory=list)
    description: str | None = None
    questions: list[str] = field(default_factory=list)
    line: int | None = None


@dataclass
class ParsedSession:
    title: str
    start: datetime
    end: datetime
    items: list[ParsedItem]
    key: str                      # stable across re-imports of the same document
    venue: str | None = None
    symbol: str | None = None
    background: str | None = None
    timezone: str | None = None
    deadline: datetime | None = None
    untimed: bool = False          # a provisional agenda without times: placed by --start (or left open all day)


@dataclass
class ParsedList:
    name: str
    symbol: str
    short: str
    questions: list[tuple[str, str]]  # (ref, text)
    description: str | None = None


@dataclass
class Choice:
    """Where the reader was unsure and decided by the whole document: what it decided (``what``), the reading it
    took (``chosen``) and the others it weighed (``alternatives``, each a whole reading, numbered from 2 in the
    document's ``choices``: ``import apply ID reading 2`` takes the first alternative of the first choice)."""
    what: str                       # "the meeting's date", "the lettered lines under items", "the kind of document"
    chosen: str
    alternatives: list[str] = field(default_factory=list)
    line: int | None = None


@dataclass
class ParsedDocument:
    sessions: list[ParsedSession] = field(default_factory=list)
    lists: list[ParsedList] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unused_lines: list[int] = field(default_factory=list)   # lines the reader did not understand (1-based)
    choices: list[Choice] = field(default_factory=list)      # where it decided between readings (see Choice)
    reading: int = 1                                         # which reading this is (1: the most plausible)

    def readings(self) -> list[tuple[int, Choice, str]]:
        """(reading number, choice, alternative) for every other reading the reader offers."""
        out, n = [], 1
        for c in self.choices:
            for alt in c.alternatives:
                n += 1
                out.append((n, c, alt))
        return out
