"""The reminder sent-log: every scheduled post is claimed here before it is sent.

A row's key names the reminder *and* its recipient, so a claim is at-most-once per recipient.
Statuses: claimed (about to send) → sent | failed; skipped (fell due while the bot was down and
was not worth sending); uncertain (found claimed but unconfirmed at start-up: the process died
between claiming and confirming, so it may or may not have gone out; never resent).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage import notes
from storage.db import from_iso, query, to_iso


@dataclass(frozen=True)
class LogEntry:
    key: str
    kind: str
    session_id: int
    offset: str
    due_at: datetime
    target: str
    status: str
    late: bool
    detail: str | None


def _entry(row) -> LogEntry:
    owner = next((row[c] for c in ("session_id", "list_id", "note_id") if row[c] is not None), None)
    return LogEntry(key=row["key"], kind=row["kind"], session_id=owner, offset=row["offset"],
                    due_at=from_iso(row["due_at"]), target=row["target"], status=row["status"], late=bool(row["late"]),
                    detail=row["detail"])


LIST_KIND = "listdeadline"      # reminders before a question list's own deadline: the owner is a list
ACTION_KIND = "action"          # reminders before an action's date (a note of the session): the owner is the note


def _owner_column(kind: str) -> str:
    return {LIST_KIND: "list_id", ACTION_KIND: "note_id"}.get(kind, "session_id")


def claim(db, key: str, *, kind: str, session_id: int, offset: str, due_at: datetime, target: str, late: bool,
          now: datetime, status: str = "claimed", detail: str | None = None) -> bool:
    """Claim ``key``; False if it was claimed (or recorded) before. Committed before returning. ``session_id`` is the
    reminder's owner: a list's id for a list's deadline (kind ``listdeadline``)."""
    col = _owner_column(kind)
    try:
        db.execute(f'INSERT INTO reminder_log (key, kind, {col}, "offset", due_at, target, status, late, '
                   "claimed_at, done_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [key, kind, session_id, offset, to_iso(due_at), target, status, int(late), to_iso(now),
                    to_iso(now) if status != "claimed" else None, detail])
    except sqlite3.IntegrityError:
        return False
    return True


def finish(db, key: str, status: str, now: datetime, detail: str | None = None) -> None:
    db.execute("UPDATE reminder_log SET status = ?, done_at = ?, detail = ? WHERE key = ?",
               [status, to_iso(now), detail, key])


def mark_unconfirmed_uncertain(db, now: datetime) -> list[LogEntry]:
    rows = [_entry(r) for r in query(db, "SELECT * FROM reminder_log WHERE status = 'claimed'")]
    if rows:
        db.execute("UPDATE reminder_log SET status = 'uncertain', done_at = ?, "
                   "detail = 'claimed but not confirmed when the bot stopped; not resent' WHERE status = 'claimed'",
                   [to_iso(now)])
    return rows


def handled_reminders(db) -> dict[tuple[str, int, str], datetime]:
    """(kind, session, offset) → the latest due time recorded for it, in any status."""
    out: dict[tuple[str, int, str], datetime] = {}
    for r in query(db, 'SELECT kind, coalesce(session_id, list_id, note_id) AS owner, "offset", MAX(due_at) AS due '
                      'FROM reminder_log GROUP BY kind, session_id, list_id, note_id, "offset"'):
        out[(r["kind"], r["owner"], r["offset"])] = from_iso(r["due"])
    return out


def sent_dues(db, kind: str, session_id: int) -> list[datetime]:
    return [from_iso(r["due_at"]) for r in query(db, 
        f"SELECT DISTINCT due_at FROM reminder_log WHERE kind = ? AND {_owner_column(kind)} = ? AND status IN "
        "('sent', 'claimed', 'uncertain')", [kind, session_id])]


def log_of_session(db, session_id: int) -> list[LogEntry]:
    return [_entry(r) for r in query(db, "SELECT * FROM reminder_log WHERE session_id = ? ORDER BY claimed_at, key",
                                        [session_id])]


def all_entries(db) -> list[LogEntry]:
    return [_entry(r) for r in query(db, "SELECT * FROM reminder_log ORDER BY claimed_at, key")]


def reminder_candidates(db, since: datetime, group_id: int | None = None) -> list[dict]:
    """Sessions whose start or deadline is after ``since``, with their group's offsets and zone."""
    if group_id is not None:
        return list(query(db, 
            'SELECT s.id AS session_id, s.group_id, s.start, s.deadline, s.timezone, s.title, s.updated_at, '
            "g.session_offsets, g.deadline_offsets FROM sessions s JOIN groups g ON g.id = s.group_id "
            "WHERE s.group_id = ? AND (s.start > ? OR (s.deadline IS NOT NULL AND s.deadline > ?)) ORDER BY s.start",
            [group_id, to_iso(since), to_iso(since)]))
    return list(query(db, 
        'SELECT s.id AS session_id, s.group_id, s.start, s.deadline, s.timezone, s.title, s.updated_at, '
        "g.session_offsets, g.deadline_offsets FROM sessions s JOIN groups g ON g.id = s.group_id "
        "WHERE s.start > ? OR (s.deadline IS NOT NULL AND s.deadline > ?) ORDER BY s.start",
        [to_iso(since), to_iso(since)]))


def reported_problems(db) -> dict[int, str]:
    """Groups whose reminders could not be planned and whose coordinators were told: group id → reason."""
    out = {}
    for r in query(db, "SELECT key, value FROM kv WHERE key LIKE 'scheduler:problem:%'"):
        out[int(r["key"].rsplit(":", 1)[1])] = r["value"]
    return out


def set_reported_problem(db, group_id: int, reason: str | None) -> None:
    from storage import kv
    if reason is None:
        kv.delete(db, f"scheduler:problem:{group_id}")
    else:
        kv.put(db, f"scheduler:problem:{group_id}", reason)


def list_deadline_candidates(db, since: datetime, group_id: int | None = None) -> list[dict]:
    """Question lists with their own deadline after ``since`` (not a session's), with their group's offsets and
    zone, shaped like ``reminder_candidates`` rows (``session_id`` is the list's id; ``start`` none)."""
    where = "l.session_id IS NULL AND l.deadline IS NOT NULL AND l.deadline > ? AND l.is_open = 1"
    params: list = [to_iso(since)]
    if group_id is not None:
        where += " AND l.group_id = ?"
        params.append(group_id)
    return list(query(db, "SELECT l.id AS session_id, l.group_id, NULL AS start, l.deadline, g.timezone, "
                          "l.short AS title, l.updated_at, '' AS session_offsets, g.deadline_offsets "
                          f"FROM question_lists l JOIN groups g ON g.id = l.group_id WHERE {where} ORDER BY l.deadline",
                      params))


def schedule_fingerprint(db) -> str:
    """Changes whenever anything that moves a reminder changes: a session added, moved, given a deadline or removed
    (count, latest update, revisions), a group's offsets, or a dated action recorded or removed.
    Cheap enough to compare every second."""
    row = db.execute("""SELECT (SELECT count(*) || ':' || coalesce(max(updated_at), '') || ':' || total(revision)
                                       || ':' || coalesce(max(id), 0) FROM sessions),
                               (SELECT group_concat(id || '=' || session_offsets || '/' || deadline_offsets, ',')
                                  FROM groups),
                               (SELECT group_concat(id || '=' || coalesce(deadline, '') || '/' || coalesce(session_id, '')
                                                    || '/' || is_open, ',') FROM question_lists)""").fetchone()
    return f"{row[0]}|{row[1]}|{row[2]}|{notes.fingerprint(db)}"
