"""Deduplication of platform events (Slack Events API retries, Matrix event ids)."""
from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import now_iso, query, to_iso


def first_sighting(db, key: str, at: datetime | None = None) -> bool:
    """Record ``key``; True the first time it is seen, False for every repeat (across restarts)."""
    cur = db.execute("INSERT OR IGNORE INTO seen_events (key, at) VALUES (?, ?)", [key, to_iso(at) if at else now_iso()])
    return cur.rowcount == 1


def record_many(db, keys: list[str], at: datetime | None = None) -> None:
    """Record several keys in one transaction (batched by the caller: one lock per batch, not per key)."""
    from storage.db import write_tx
    stamp = to_iso(at) if at else now_iso()
    with write_tx(db):
        for key in keys:
            db.execute("INSERT OR IGNORE INTO seen_events (key, at) VALUES (?, ?)", [key, stamp])


def seen(db, key: str) -> bool:
    """Whether ``key`` was recorded (a read: it never waits for the write lock)."""
    return bool(list(query(db, "SELECT 1 FROM seen_events WHERE key = ?", [key])))


def seen_any(db, keys: list[str]) -> bool:
    """Whether any of ``keys`` was recorded (one read)."""
    marks = ", ".join("?" for _ in keys)
    return bool(list(query(db, f"SELECT 1 FROM seen_events WHERE key IN ({marks}) LIMIT 1", list(keys))))


def forget_before(db, moment: datetime) -> int:
    """Drop keys older than ``moment`` (retries come within minutes; keep a day to be safe)."""
    return db.execute("DELETE FROM seen_events WHERE at < ?", [to_iso(moment)]).rowcount


__all__ = ["first_sighting", "forget_before", "timedelta"]
