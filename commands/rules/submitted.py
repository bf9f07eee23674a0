"""What "has submitted" means — one definition for the status, the nudges, the status post and the compilation.

A delegation *has submitted* for a session when it has a current (not withdrawn) input, of any visibility, on

- a question of the session, on the agenda or withdrawn from it by a revision (its answer still counts), or
- a question of a question list that belongs to the session (``deadline LIST #ID``).

For a question list with its own deadline (or none), the same with the list's questions. Coordinators-only
inputs count: the delegation did answer, and nudging it would be wrong; the public compilation leaves the text
out but does not name the delegation as missing either.

And *when* an input is due: a session's question by the session's deadline; a list's question by the deadline
of the session the list belongs to, else by the list's own deadline, else never. The group's late policy
applies to all of them alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import agenda as agenda_store
from storage import submissions as sub_store
from storage.models import QuestionList, Session, Submission


@dataclass(frozen=True)
class Due:
    deadline: datetime
    timezone: str
    name: str          # what is due: "“Special Session” (#3)" or "the list WP.15"


def inputs_for(db, *, session: Session | None = None, qlist: QuestionList | None = None) -> list[Submission]:
    if session is not None:
        return sub_store.of_session(db, session.id)
    return sub_store.of_list(db, qlist.id)


def submitted(db, *, session: Session | None = None, qlist: QuestionList | None = None) -> set[str]:
    """Delegations (casefolded) that have submitted, as defined above."""
    return {s.delegation.casefold() for s in inputs_for(db, session=session, qlist=qlist)}


def not_submitted(registered: list[str], done: set[str]) -> list[str]:
    """The registered delegations (in their order) not among ``done`` (what ``submitted`` returns)."""
    return [d for d in registered if d.casefold() not in done]


def due_for(db, *, session: Session | None = None, qlist: QuestionList | None = None,
            group_timezone: str = "UTC") -> Due | None:
    """When input on a question of ``session`` or ``qlist`` is due (None: no deadline)."""
    if qlist is not None and qlist.session_id is not None:
        session = agenda_store.session_by_id(db, qlist.session_id)
    if session is not None:
        return Due(session.deadline, session.timezone, f"“{session.title}” (#{session.id})") \
            if session.deadline else None
    if qlist is not None and qlist.deadline is not None:
        return Due(qlist.deadline, group_timezone, f"the list {qlist.short}")
    return None


def lists_of_session(db, group_id: int, session_id: int) -> list[QuestionList]:
    return [lst for lst in agenda_store.lists_of_group(db, group_id) if lst.session_id == session_id]
