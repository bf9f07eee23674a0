"""Moving sessions and setting deadlines: shared by chat commands and the CLI."""
from __future__ import annotations

from datetime import datetime

from commands import timefmt
from storage import agenda as agenda_store
from storage.models import Session


def move_session(db, session: Session, new_start: datetime, now: datetime | None = None) -> Session:
    """Move ``session`` to start at ``new_start`` (UTC), shifting every item by the same wall-clock amount
    in the session's zone (as ``import --start`` does), so 10:00–13:00 stays a three-hour morning."""
    tz = session.timezone
    old_local = timefmt.to_local(session.start, tz).replace(tzinfo=None)
    new_local = timefmt.to_local(new_start, tz).replace(tzinfo=None)
    delta = new_local - old_local

    def shift(moment):
        return None if moment is None else timefmt.localize_lenient(
            timefmt.to_local(moment, tz).replace(tzinfo=None) + delta, tz)

    items = [(it.id, shift(it.start), shift(it.end)) for it in agenda_store.items_of_session(db, session.id)]
    agenda_store.shift_session(db, session.id, delta, new_start=new_start, new_end=shift(session.end),
                               item_times=items, at=now)
    return agenda_store.session_by_id(db, session.id)


def set_deadline(db, session: Session, deadline: datetime | None, now: datetime | None = None) -> Session:
    agenda_store.set_deadline(db, session.id, deadline, at=now)
    return agenda_store.session_by_id(db, session.id)
