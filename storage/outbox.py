"""The outbox's rows: what the bot sends on its own, to whom, and what became of it.

A delivery with a ``slot`` (``floor:12``: the rolling list of an item) is a version of one message in its room: the
first is posted, the later ones update that message in place (``outbox_slots`` remembers which message it is), and a
version still queued when a newer one arrives is ``superseded`` (the newer one carries everything)."""
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
    slot: str | None = None


def _delivery(row) -> Delivery:
    return Delivery(id=row["id"], target=row["target"], cause=row["cause"], body=row["body"], status=row["status"],
                    attempts=row["attempts"], error=row["error"], created_at=from_iso(row["created_at"]),
                    slot=row["slot"])


def enqueue(db, target: str, body: str, cause: str, now: datetime, status: str = "queued",
            slot: str | None = None) -> int:
    return db.execute("INSERT INTO outbox (target, cause, body, status, created_at, updated_at, slot) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [target, cause, body, status, to_iso(now), to_iso(now), slot]).lastrowid


def supersede(db, delivery: Delivery, now: datetime) -> bool:
    """Before sending a version of a slot: False (and it is marked superseded) when a newer version is queued."""
    if delivery.slot is None:
        return False
    newer = db.execute("SELECT 1 FROM outbox WHERE status = 'queued' AND target = ? AND slot = ? AND id > ? LIMIT 1",
                       [delivery.target, delivery.slot, delivery.id]).fetchone()
    if newer is None:
        return False
    db.execute("UPDATE outbox SET status = 'superseded', updated_at = ?, error = 'a newer version went instead' "
               "WHERE id = ? AND status = 'queued'", [to_iso(now), delivery.id])
    return True


def slot_ref(db, target: str, slot: str) -> str | None:
    """The message a slot was posted as in ``target`` (a Slack ts, a Matrix event id), or None."""
    row = db.execute("SELECT ref FROM outbox_slots WHERE target = ? AND slot = ?", [target, slot]).fetchone()
    return row[0] if row else None


def set_slot_ref(db, target: str, slot: str, ref: str, now: datetime) -> None:
    db.execute("INSERT INTO outbox_slots (target, slot, ref, updated_at) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (target, slot) DO UPDATE SET ref = excluded.ref, updated_at = excluded.updated_at",
               [target, slot, ref, to_iso(now)])


def slot_history(db, target: str, slot: str) -> list[Delivery]:
    return [_delivery(r) for r in query(db, "SELECT * FROM outbox WHERE target = ? AND slot = ? ORDER BY id",
                                           [target, slot])]


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


def requeue_edits(db, now: datetime) -> int:
    """After a crash: versions of a message that were being sent as an edit of a message already posted are sent
    again (an edit to the same content is harmless); a first post stays uncertain like any other message."""
    return db.execute("UPDATE outbox SET status = 'queued', updated_at = ?, error = 'the bot stopped while sending "
                      "this edit: sent again' WHERE status = 'sending' AND slot IS NOT NULL AND EXISTS (SELECT 1 FROM "
                      "outbox_slots s WHERE s.target = outbox.target AND s.slot = outbox.slot)", [to_iso(now)]).rowcount


def mark_uncertain(db, now: datetime) -> int:
    """After a crash: deliveries that were being sent may or may not have arrived; they are not sent again."""
    return db.execute("UPDATE outbox SET status = 'uncertain', updated_at = ?, error = 'the bot stopped while "
                      "sending this' WHERE status = 'sending'", [to_iso(now)]).rowcount


def forget_before(db, moment: datetime) -> int:
    """Housekeeping: settled deliveries older than ``moment`` (queued ones are kept whatever their age)."""
    return db.execute("DELETE FROM outbox WHERE status != 'queued' AND updated_at < ?", [to_iso(moment)]).rowcount
