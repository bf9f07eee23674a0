"""Plain records handed out by storage. Times are aware datetimes in UTC."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Group:
    id: int
    slug: str
    name: str
    timezone: str
    session_offsets: str
    deadline_offsets: str
    registration: str
    late_policy: str
    created_at: datetime
    status_posts: str = "coordinators"    # where the before-deadline status goes: coordinators | room | off


@dataclass(frozen=True)
class Member:
    id: int
    group_id: int
    user: str
    display_name: str | None
    delegation: str | None
    is_coordinator: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Session:
    id: int
    group_id: int
    source_key: str
    title: str
    start: datetime
    end: datetime
    timezone: str
    venue: str | None
    symbol: str | None
    background: str | None
    deadline: datetime | None
    created_at: datetime
    updated_at: datetime
    revision: int = 0            # rises with every change: the iCalendar SEQUENCE of the session's events
    import_start: datetime | None = None   # where the document last placed it (differs after a reschedule)


@dataclass(frozen=True)
class Item:
    id: int
    session_id: int
    position: int
    number: str | None
    title: str
    kind: str
    start: datetime | None
    end: datetime | None
    presenters: tuple[str, ...]
    description: str | None
    manual: dict = field(default_factory=dict, compare=False)   # corrected by hand (storage/schema.py m021)


@dataclass(frozen=True)
class QuestionList:
    id: int
    group_id: int
    name: str
    symbol: str
    short: str
    description: str | None
    is_open: bool
    session_id: int | None = None        # shares that session's deadline
    deadline: datetime | None = None     # its own deadline (when it belongs to no session)


@dataclass(frozen=True)
class Question:
    id: int
    session_id: int | None
    item_id: int | None
    list_id: int | None
    ref: str
    position: int
    text: str
    retired_at: datetime | None = None   # withdrawn from the agenda, kept for its inputs
    manual: str | None = None            # reworded by hand: the document's wording then ('' added by hand)


@dataclass(frozen=True)
class Submission:
    id: int
    group_id: int
    question_id: int
    delegation: str
    author: str
    text: str
    status: str
    disclosure: str
    late_when_sent: bool      # what the receipt said; the mark shown later is commands.rules.lateness's
    created_at: datetime
    updated_at: datetime
    note: str | None = None
    sent_at: datetime | None = None   # when its current text was last written (lateness is judged on this)
    # Where the question lives, filled by the queries that join it.
    ref: str = ""
    session_id: int | None = None
    list_id: int | None = None
    list_short: str | None = None
    question_retired: bool = False     # its question was withdrawn from the agenda (the input stays)


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    submission_id: int
    action: str
    author: str
    text: str
    status: str
    at: datetime


@dataclass
class ImportedItem:
    """What an importer hands to storage for one agenda item."""
    number: str | None
    title: str
    kind: str = "item"
    start: datetime | None = None
    end: datetime | None = None
    presenters: list[str] = field(default_factory=list)
    description: str | None = None
    questions: list[str] = field(default_factory=list)
    manual: dict = field(default_factory=dict)   # the corrections by hand it carries (storage/schema.py m021)
