"""The calendar feed and agenda page of a group: its secret token, where its links may be shown,
and a cheap fingerprint of everything the feed and page show (to answer from a cache)."""
from __future__ import annotations

import secrets

from storage.db import from_iso, now_iso, query, write_tx
from storage.groups import _group
from storage.models import Group

TOKEN_BYTES = 24      # 192 bits: unguessable, and short enough for a URL


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_of(db, group_id: int) -> str:
    """The group's feed token, created on first use."""
    rows = list(query(db, "SELECT token FROM feeds WHERE group_id = ?", [group_id]))
    if rows:
        return rows[0]["token"]
    with write_tx(db):
        db.execute("INSERT INTO feeds (group_id, token, created_at) VALUES (?, ?, ?) ON CONFLICT (group_id) DO NOTHING",
                   [group_id, _new_token(), now_iso()])
    return list(query(db, "SELECT token FROM feeds WHERE group_id = ?", [group_id]))[0]["token"]


def rotate(db, group_id: int) -> str:
    """A new token; the old one stops working at once (subscribers must subscribe again)."""
    token = _new_token()
    with write_tx(db):
        db.execute("INSERT INTO feeds (group_id, token, created_at, rotated_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (group_id) DO UPDATE SET token = excluded.token, rotated_at = excluded.rotated_at",
                   [group_id, token, now_iso(), now_iso()])
    return token


def group_by_token(db, token: str) -> Group | None:
    rows = list(query(db, "SELECT groups.* FROM feeds JOIN groups ON groups.id = feeds.group_id WHERE feeds.token = ?",
                         [token]))
    return _group(rows[0]) if rows else None


def set_room_shared(db, room: str, shared: bool) -> bool:
    """Whether the feed links may be shown in ``room``. False if the room is not bound to a group."""
    return db.execute("UPDATE rooms SET feed_shared = ? WHERE room = ?", [int(shared), room]).rowcount > 0


def room_shared(db, room: str) -> bool:
    rows = list(query(db, "SELECT feed_shared FROM rooms WHERE room = ?", [room]))
    return bool(rows and rows[0]["feed_shared"])


def shared_anywhere(db, group_id: int) -> bool:
    return bool(list(query(db, "SELECT 1 FROM rooms WHERE group_id = ? AND feed_shared = 1 LIMIT 1", [group_id])))


def fingerprint(db, group_id: int) -> tuple:
    """Changes whenever anything the feed or page shows changes: a session added, removed or changed
    (every change raises its revision), the group's name, zone or reminder offsets, a question list,
    the rooms (which platforms the answering hints name), or the token."""
    row = list(query(db, 
        "SELECT g.name, g.timezone, g.session_offsets, g.deadline_offsets, "
        "(SELECT COALESCE(SUM(revision), 0) || '/' || COUNT(*) || '/' || COALESCE(MAX(id), 0) || '/' || "
        " COALESCE(MAX(updated_at), '') FROM sessions WHERE group_id = g.id) AS sessions, "
        "(SELECT COALESCE(MAX(updated_at), '') || '/' || COUNT(*) || '/' || COALESCE(SUM(is_open), 0) "
        " FROM question_lists WHERE group_id = g.id) AS lists, "
        "(SELECT COUNT(*) || '/' || COALESCE(SUM(q.id), 0) || '/' || COALESCE(SUM(LENGTH(q.text)), 0) "
        " FROM questions q JOIN question_lists l ON l.id = q.list_id WHERE l.group_id = g.id) AS list_questions, "
        "(SELECT group_concat(room, ' ') FROM rooms WHERE group_id = g.id) AS rooms, "
        "(SELECT token FROM feeds WHERE group_id = g.id) AS token "
        "FROM groups g WHERE g.id = ?", [group_id]))
    return tuple(row[0].values()) if row else ()


def last_modified(db, group_id: int):
    rows = list(query(db, "SELECT MAX(updated_at) AS m FROM sessions WHERE group_id = ?", [group_id]))
    value = rows[0]["m"] if rows else None
    if value is None:
        rows = list(query(db, "SELECT created_at FROM groups WHERE id = ?", [group_id]))
        value = rows[0]["created_at"] if rows else None
    return from_iso(value)


def version_probe(db, max_age: float = 0.25, extra=None):
    """A callable returning ``data_version(db)`` for every page and feed request, cheaply: this
    connection's own commits show at once (``total_changes`` is an attribute, no query), while other
    processes' commits (the CLI) are looked for at most every ``max_age`` seconds, because a query per
    request costs more than the rest of the answer (a calendar client polls hourly; a quarter of a second
    is no delay to it)."""
    import time
    conn = db.conn
    cursor = conn.cursor()
    last = [float("-inf"), 0]

    def probe() -> tuple[int, int]:
        now = time.monotonic()
        if now - last[0] >= max_age:
            last[0], last[1] = now, cursor.execute("PRAGMA data_version").fetchone()[0]
        return last[1], conn.total_changes, extra() if extra else 0
    return probe


def data_version(db) -> tuple[int, int]:
    """(PRAGMA data_version, this connection's total changes, 0): equal twice means nothing was committed in
    between, by this connection or any other (the CLI in another process), so cached answers still hold."""
    conn = db.conn
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes, 0
