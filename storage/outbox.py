"""The outbox's rows: what the bot sends on its own, to whom, and what became of it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import from_iso, query, to_iso


@dataclass(frozen=True)
class Delivery:
    id: int
    target: str
    cause: str
    body: str
    status: str
    attempts: int
    error: str | None
    created_at: datetime


def _delivery(row) -> Delivery:
    return Delivery(id=row["id"], target=row["target"], cause=row["cause"], body=row["body"], status=row["status"],
                    attempts=row["attempts"], error=row["error"], created_at=from_iso(row["created_at"]))


def enqueue(db, target: str, body: str, cause: str, now: datetime, status: str = "queued") -> int:
    return db.execute("INSERT INTO outbox (target, cause, body, status, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)", [target, cause, body, status, to_iso(now), to_iso(now)]).lastrowid


def claim(db, delivery_id: int, now: datetime) -> bool:
    """queued → sending (one attempt more); False when someone else took it or it is settled."""
    return db.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? "
                      "WHERE id = ? AND status = 'queued'", [to_iso(now), delivery_id]).rowcount == 1


def finish(db, delivery_id: int, status: str, now: datetime, error: str | None = None) -> None:
    db.execute("UPDATE outbox SET status = ?, error = ?, updated_at = ? WHERE id = ?",
               [status, error, to_iso(now), delivery_id])


def get(db, delivery_id: int) -> Delivery | None:
    rows = list(query(db, "SELECT * FROM outbox WHERE id = ?", [delivery_id]))
    return _delivery(rows[0]) if rows else None


def queued(db, limit: int = 500) -> list[Delivery]:
    return [_delivery(r) for r in query(db, "SELECT * FROM outbox WHERE status = 'queued' ORDER BY id LIMIT ?",
                                           [limit])]


def recent(db, limit: int = 50) -> list[Delivery]:
    return [_delivery(r) for r in query(db, "SELECT * FROM outbox ORDER BY id DESC LIMIT ?", [limit])]


def mark_uncertain(db, now: datetime) -> int:
    """After a crash: deliveries that were being sent may or may not have arrived; they are not sent again."""
    return db.execute("UPDATE outbox SET status = 'uncertain', updated_at = ?, error = 'the bot stopped while "
                      "sending this' WHERE status = 'sending'", [to_iso(now)]).rowcount


def forget_before(db, moment: datetime) -> int:
    """Housekeeping: settled deliveries older than ``moment`` (queued ones are kept whatever their age)."""
    return db.execute("DELETE FROM outbox WHERE status != 'queued' AND updated_at < ?", [to_iso(moment)]).rowcount
