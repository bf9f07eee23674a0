"""On time or late — one rule, for receipts, the status, nudges, the resolver and every export.

An input is **on time** when it was sent at or before the deadline in force, and **late** from one microsecond after.
"Sent" is when its current text was last written (submitted, replaced, edited or appended to); changing who may read
it or withdrawing it does not move it. The deadline *in force* is the one the input is due by now
(``commands.rules.submitted.due_for``: its session's, the session's a list belongs to, or the list's own) — so the
mark is derived when it is read and never goes stale: extending a deadline clears the marks it no longer justifies,
shortening one adds them. A receipt keeps what it said when it was sent (``Submission.late_when_sent``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commands.rules.submitted import due_for
from commands.text.words import count
from storage import agenda as agenda_store
from storage.models import Submission


def is_late(moment: datetime, deadline: datetime | None) -> bool:
    """The one comparison: at the deadline instant is on time; after it, late. No deadline, never late."""
    return deadline is not None and moment > deadline


class Deadlines:
    """The deadline in force for inputs, looked up once per session or list while marking many inputs."""

    def __init__(self, db):
        self.db = db
        self._cache: dict[tuple[str, int], datetime | None] = {}

    def of(self, sub: Submission) -> datetime | None:
        key = ("list", sub.list_id) if sub.list_id is not None else ("session", sub.session_id)
        if key not in self._cache:
            if key[0] == "list":
                due = due_for(self.db, qlist=agenda_store.list_by_id(self.db, key[1]))
            else:
                session = agenda_store.session_by_id(self.db, key[1]) if key[1] is not None else None
                due = due_for(self.db, session=session) if session is not None else None
            self._cache[key] = due.deadline if due else None
        return self._cache[key]


def late_ids(db, subs: list[Submission]) -> set[int]:
    """The ids of the inputs among ``subs`` that are late under the deadlines in force now."""
    deadlines = Deadlines(db)
    return {s.id for s in subs if is_late(s.sent_at, deadlines.of(s))}


@dataclass(frozen=True)
class MarkChange:
    """What a deadline change did to the marks of the inputs it governs."""
    no_longer_late: int = 0
    now_late: int = 0

    def __bool__(self) -> bool:
        return bool(self.no_longer_late or self.now_late)

    def sentence(self) -> str | None:
        """For the coordinator who changed the deadline (None: no mark changed)."""
        parts = []
        if self.no_longer_late:
            n = self.no_longer_late
            parts.append(f"{count(n, 'input')} sent after the old deadline {'is' if n == 1 else 'are'} no longer "
                         "marked late")
        if self.now_late:
            n = self.now_late
            parts.append(f"{count(n, 'input')} sent after the new deadline {'is' if n == 1 else 'are'} now marked late")
        return ("; ".join(parts) + ".").capitalize() if parts else None


def marks_changed(db, governed, change) -> MarkChange:
    """Apply ``change`` (a callable that sets a deadline) and say how the late marks of the inputs it governs moved:
    ``governed()`` lists them (called before and after)."""
    before = late_ids(db, governed())
    change()
    after = late_ids(db, governed())
    return MarkChange(no_longer_late=len(before - after), now_late=len(after - before))
