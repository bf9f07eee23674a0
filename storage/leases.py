"""Leases: one holder at a time for a named job (the reminder scheduler), with expiry and takeover."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import from_iso, query, to_iso, write_tx


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    expires_at: datetime
    acquired_at: datetime


def acquire(db, name: str, holder: str, now: datetime, ttl: timedelta) -> tuple[bool, bool]:
    """Take or renew the lease. (held, newly_taken): held when ``holder`` has it until ``now + ttl``; newly_taken
    when it was free or expired (another holder died or stopped renewing) rather than renewed."""
    with write_tx(db):
        rows = list(query(db, "SELECT holder, expires_at FROM leases WHERE name = ?", [name]))
        if rows and rows[0]["holder"] != holder and from_iso(rows[0]["expires_at"]) > now:
            return False, False
        fresh = not rows or rows[0]["holder"] != holder
        db.execute("INSERT INTO leases (name, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, "
                   "acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at "
                   "ELSE excluded.acquired_at END",
                   [name, holder, to_iso(now + ttl), to_iso(now)])
    return True, fresh


def release(db, name: str, holder: str) -> None:
    db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])


def current(db, name: str) -> Lease | None:
    rows = list(query(db, "SELECT * FROM leases WHERE name = ?", [name]))
    if not rows:
        return None
    r = rows[0]
    return Lease(r["name"], r["holder"], from_iso(r["expires_at"]), from_iso(r["acquired_at"]))
