"""Which session a command means when none is named: one resolver, one rule per purpose.

Every front end, the CLI, the Home tab, the exports and the scheduler ask here; nothing else decides.

=========  ========================================================================  =========================
purpose    the session meant                                                        used by
=========  ========================================================================  =========================
READ       the earliest session not over yet (end ahead); if all are over, the       agenda, questions, ics,
           latest (shown as past)                                                    Home "next sessions"
INPUT      the earliest session still open for input: its deadline (or, without      submit, inputs edit/append
           one, its end) ahead; if none is open, the latest                          /withdraw, deadline, Home
                                                                                     "open questions"
COMPILE    as INPUT: the compilation being assembled is the one still taking input;  inputs status, inputs
           once every deadline has passed, the latest                                export, convene export
REMIND     every session with something still to remind of (its start or its        the scheduler
           deadline ahead), in order
=========  ========================================================================  =========================

When two sessions are equally plausible (the same deadline, or the same start for READ), the resolver does not
guess: it raises ``Ambiguous`` with both, and commands ask the user to name one with its ``#ID``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from storage import agenda as agenda_store
from storage.models import Session


class Purpose(Enum):
    READ = "read"
    INPUT = "input"
    COMPILE = "compile"
    REMIND = "remind"


class Ambiguous(Exception):
    """Two or more sessions fit the rule equally well; the caller asks which (by ``#ID``)."""

    def __init__(self, sessions: list[Session]):
        super().__init__(", ".join(f"#{s.id}" for s in sessions))
        self.sessions = sessions


@dataclass(frozen=True)
class Resolved:
    session: Session
    past: bool            # the session is over (shown as a past session)


def _input_closes(s: Session) -> datetime:
    return s.deadline or s.end


def choose(sessions: list[Session], now: datetime, purpose: Purpose) -> Resolved | None:
    """The rule itself, on a group's sessions (ordered by start). None when there are no sessions."""
    if not sessions:
        return None
    if purpose is Purpose.READ:
        ahead = [s for s in sessions if s.end > now]
        if not ahead:
            return Resolved(sessions[-1], True)
        tied = [s for s in ahead if s.start == ahead[0].start]
        if len(tied) > 1:
            raise Ambiguous(tied)
        return Resolved(ahead[0], False)
    if purpose in (Purpose.INPUT, Purpose.COMPILE):
        open_s = sorted((s for s in sessions if _input_closes(s) > now), key=lambda s: (_input_closes(s), s.start))
        if not open_s:
            return Resolved(sessions[-1], sessions[-1].end <= now)
        first = open_s[0]
        tied = [s for s in open_s if (_input_closes(s), s.start) == (_input_closes(first), first.start)]
        if len(tied) > 1:
            raise Ambiguous(tied)
        return Resolved(first, first.end <= now)
    raise ValueError(f"{purpose} names no single session: use to_remind()")


def resolve(db, group_id: int, now: datetime, purpose: Purpose) -> Resolved | None:
    return choose(agenda_store.sessions_of_group(db, group_id), now, purpose)


def session_for(db, group_id: int, now: datetime, purpose: Purpose) -> Session | None:
    """The session meant, or None; when two fit equally, the earlier by id (for places that cannot ask, such as
    the Home tab: it names the ``#ID`` it shows)."""
    try:
        r = resolve(db, group_id, now, purpose)
    except Ambiguous as e:
        return min(e.sessions, key=lambda s: s.id)
    return r.session if r else None


def coming(db, group_id: int, now: datetime, limit: int | None = None) -> list[Session]:
    """READ, as a list: the sessions not over yet, in order (the Home tab's "next sessions")."""
    ahead = [s for s in agenda_store.sessions_of_group(db, group_id) if s.end > now]
    return ahead[:limit] if limit is not None else ahead


def to_remind(sessions: list[Session], now: datetime) -> list[Session]:
    """REMIND: the sessions with a start or a deadline still ahead."""
    return [s for s in sessions if s.start > now or (s.deadline is not None and s.deadline > now)]
