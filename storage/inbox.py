"""A front end's durable inbox (events received from a chat server) and its record of which message carried
which input. The Matrix front end uses it; nothing here knows a platform.

Exactly once (see schema m006, tables renamed in m010): ``enqueue`` runs before the sync token may move past an event;
``decide`` stores what to send together with the effects of handling (the caller's transaction);
``finish`` marks it sent. A restart resumes ``new`` events (handle) and ``decided`` ones (send again,
which the homeserver deduplicates by transaction id).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.db import now_iso, query, to_iso


@dataclass(frozen=True)
class InboxEntry:
    seq: int
    event_id: str
    room: str
    event: dict
    status: str
    actions: list | None


@dataclass(frozen=True)
class InputMessage:
    event_id: str
    room: str
    sender: str
    question: str
    delegation: str
    receipt_event_id: str | None
    superseded: bool


def _entry(row) -> InboxEntry:
    return InboxEntry(row["seq"], row["event_id"], row["room"], json.loads(row["event"]), row["status"],
                      json.loads(row["actions"]) if row["actions"] else None)


def enqueue(db, event_id: str, room: str, event: dict) -> bool:
    """Record a received event (once: a replayed sync batch adds nothing). Committed on return."""
    cur = db.execute("INSERT OR IGNORE INTO inbox (event_id, room, event, received_at) VALUES (?, ?, ?, ?)",
                     [event_id, room, json.dumps(event, ensure_ascii=False), now_iso()])
    return cur.rowcount == 1


def pending(db, limit: int = 100) -> list[InboxEntry]:
    return [_entry(r) for r in query(db, 
        "SELECT * FROM inbox WHERE status != 'done' ORDER BY seq LIMIT ?", [limit])]


def decide(db, seq: int, actions: list) -> None:
    db.execute("UPDATE inbox SET status = 'decided', actions = ? WHERE seq = ?",
               [json.dumps(actions, ensure_ascii=False), seq])


def finish(db, seq: int) -> None:
    db.execute("UPDATE inbox SET status = 'done', done_at = ? WHERE seq = ?", [now_iso(), seq])


def event_of(db, event_id: str) -> dict | None:
    rows = list(query(db, "SELECT event FROM inbox WHERE event_id = ?", [event_id]))
    return json.loads(rows[0]["event"]) if rows else None


def prune(db, before: datetime) -> int:
    """Handled events older than ``before`` (edits and redactions of older messages still find the input
    they carried in input_messages, which is kept)."""
    return db.execute("DELETE FROM inbox WHERE status = 'done' AND done_at < ?", [to_iso(before)]).rowcount


def counts(db) -> dict:
    return {r["status"]: r["n"] for r in query(db, "SELECT status, count(*) AS n FROM inbox GROUP BY status")}


# --- input messages ---------------------------------------------------------------------

def _input(row) -> InputMessage:
    return InputMessage(row["event_id"], row["room"], row["sender"], row["question"], row["delegation"],
                        row["receipt_event_id"], bool(row["superseded"]))


def record_input(db, event_id: str, room: str, sender: str, question: str, delegation: str) -> None:
    """``event_id`` now carries the input of ``delegation`` on ``question``: earlier messages no longer do."""
    db.execute("UPDATE input_messages SET superseded = 1 WHERE question = ? AND delegation = ? AND event_id != ?",
               [question, delegation.casefold(), event_id])
    db.execute("INSERT INTO input_messages (event_id, room, sender, question, delegation, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET superseded = 0",
               [event_id, room, sender, question, delegation.casefold(), now_iso()])


def set_receipt(db, event_id: str, receipt_event_id: str) -> None:
    db.execute("UPDATE input_messages SET receipt_event_id = ? WHERE event_id = ?", [receipt_event_id, event_id])


def input_message(db, event_id: str) -> InputMessage | None:
    rows = list(query(db, "SELECT * FROM input_messages WHERE event_id = ?", [event_id]))
    return _input(rows[0]) if rows else None


def supersede(db, event_id: str) -> None:
    db.execute("UPDATE input_messages SET superseded = 1 WHERE event_id = ?", [event_id])
