"""Which session a command means when none is named: one resolver, one rule per purpose.

Every front end, the CLI, the Home tab, the exports and the scheduler ask here; nothing else decides.

=========  ========================================================================  =========================
purpose    the session meant                                                        used by
=========  ========================================================================  =========================
READ       the earliest session not over yet (end ahead); if all are over, the       agenda, questions, ics,
           latest (shown as past)                                                    Home "next sessions"
INPUT      the session open for input: the earliest whose deadline (or, without      submit, inputs edit/append
           one, its end) is ahead — except that after a deadline, while the group    /withdraw, deadline, Home
           accepts late input and that session has not ended, input still goes to    "open questions"
           it (a late input is never moved to the next session); if none, the latest
COMPILE    the session whose deadline passed most recently, while its compilation    inputs status, inputs
           window is open (until the next session's deadline); else the next one     export, convene export
           still taking input; when every window has closed, the latest
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

from commands.rules.lateness import is_late
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


def _open(s: Session, now: datetime) -> bool:
    """Still taking input on time: up to and including its deadline (as submit counts lateness), or, without a
    deadline, until the session ends."""
    return not is_late(now, s.deadline) if s.deadline is not None else now < s.end


def _one(candidates: list[Session], key) -> Session:
    first = candidates[0]
    tied = [s for s in candidates if key(s) == key(first)]
    if len(tied) > 1:
        raise Ambiguous(tied)
    return first


def choose(sessions: list[Session], now: datetime, purpose: Purpose, *, late_accepted: bool = True
           ) -> Resolved | None:
    """The rule itself, on a group's sessions (ordered by start). None when there are no sessions.
    ``late_accepted``: the group accepts input after a deadline (its late policy)."""
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
    order = (lambda s: (_input_closes(s), s.start))
    open_s = sorted((s for s in sessions if _open(s, now)), key=order)
    closed = sorted((s for s in sessions if not _open(s, now)), key=order)
    if purpose is Purpose.INPUT:
        if late_accepted:
            late = [s for s in reversed(closed) if s.deadline is not None and s.end > now]
            if late:
                chosen = _one(late, order)
                return Resolved(chosen, False)
        if open_s:
            chosen = _one(open_s, order)
            return Resolved(chosen, chosen.end <= now)
        return Resolved(sessions[-1], sessions[-1].end <= now)
    if purpose is Purpose.COMPILE:
        # The most recently closed session, for as long as its window is open: until the next deadline passes,
        # which makes that session the most recently closed one. Before any deadline has passed: the next one.
        chosen = _one(list(reversed(closed)), order) if closed else _one(open_s, order)
        return Resolved(chosen, chosen.end <= now)
    raise ValueError(f"{purpose} names no single session: use to_remind()")


def resolve(db, group, now: datetime, purpose: Purpose) -> Resolved | None:
    return choose(agenda_store.sessions_of_group(db, group.id), now, purpose,
                  late_accepted=group.late_policy == "accept")


def session_for(db, group, now: datetime, purpose: Purpose) -> Session | None:
    """The session meant, or None; when two fit equally, the earlier by id (for places that cannot ask, such as
    the Home tab: it names the ``#ID`` it shows)."""
    try:
        r = resolve(db, group, now, purpose)
    except Ambiguous as e:
        return min(e.sessions, key=lambda s: s.id)
    return r.session if r else None


def meant(db, group, now: datetime, purpose: Purpose, sessions: list[Session] | None = None) -> Session | None:
    """The session a bare ref or item means for ``purpose`` now, or None — none yet, or two fit equally (a hint
    then names the session with its ``#ID``). ``sessions``: the group's, when the caller has read them already."""
    if sessions is None:
        sessions = agenda_store.sessions_of_group(db, group.id)
    try:
        r = choose(sessions, now, purpose, late_accepted=group.late_policy == "accept")
    except Ambiguous:
        return None
    return r.session if r else None


def coming(db, group_id: int, now: datetime, limit: int | None = None) -> list[Session]:
    """READ, as a list: the sessions not over yet, in order (the Home tab's "next sessions")."""
    ahead = [s for s in agenda_store.sessions_of_group(db, group_id) if s.end > now]
    return ahead[:limit] if limit is not None else ahead


def to_remind(sessions: list[Session], now: datetime) -> list[Session]:
    """REMIND: the sessions with a start or a deadline still ahead."""
    return [s for s in sessions if s.start > now or (s.deadline is not None and not is_late(now, s.deadline))]
