"""Notes during the session (what was agreed, actions, points noted) and the group's rapporteurs. All their SQL.

A note is numbered within its group (``number``: what ``note edit N`` and ``note remove N`` name), and keeps the
agenda item it was recorded on by number and title as well as by id, so that a re-imported agenda never orphans it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import from_iso, query, to_iso

KINDS = ("agreed", "action", "info")


@dataclass(frozen=True)
class Note:
    id: int
    group_id: int
    number: int
    session_id: int | None
    item_id: int | None
    item_number: str | None
    item_title: str
    kind: str                   # agreed | action | info
    text: str
    holder: str | None          # an action's: a delegation's name or a person's address
    holder_kind: str | None     # delegation | person
    due_at: datetime | None     # an action's date (UTC)
    by_user: str
    created_at: datetime
    updated_at: datetime

    @property
    def item_label(self) -> str:
        return f"{self.item_number}. {self.item_title}" if self.item_number else self.item_title


def _note(r) -> Note:
    return Note(r["id"], r["group_id"], r["number"], r["session_id"], r["item_id"], r["item_number"], r["item_title"],
                r["kind"], r["text"], r["holder"], r["holder_kind"], from_iso(r["due_at"]), r["by_user"],
                from_iso(r["created_at"]), from_iso(r["updated_at"]))


def add(db, group_id: int, *, session_id: int | None, item_id: int | None, item_number: str | None, item_title: str,
        kind: str, text: str, holder: str | None = None, holder_kind: str | None = None,
        due_at: datetime | None = None, by: str, now: datetime, number: int | None = None) -> Note:
    if number is None:
        number = db.execute("SELECT coalesce(max(number), 0) + 1 FROM notes WHERE group_id = ?",
                            [group_id]).fetchone()[0]
    cur = db.execute(
        "INSERT INTO notes (group_id, number, session_id, item_id, item_number, item_title, kind, text, holder, "
        "holder_kind, due_at, by_user, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [group_id, number, session_id, item_id, item_number, item_title, kind, text, holder, holder_kind,
         to_iso(due_at), by, to_iso(now), to_iso(now)])
    return by_id(db, cur.lastrowid)


def by_id(db, note_id: int) -> Note | None:
    rows = list(query(db, "SELECT * FROM notes WHERE id = ?", [note_id]))
    return _note(rows[0]) if rows else None


def by_number(db, group_id: int, number: int) -> Note | None:
    rows = list(query(db, "SELECT * FROM notes WHERE group_id = ? AND number = ?", [group_id, number]))
    return _note(rows[0]) if rows else None


def of_group(db, group_id: int) -> list[Note]:
    return [_note(r) for r in query(db, "SELECT * FROM notes WHERE group_id = ? ORDER BY number", [group_id])]


def of_item(db, group_id: int, item_id: int) -> list[Note]:
    return [_note(r) for r in query(db, "SELECT * FROM notes WHERE group_id = ? AND item_id = ? ORDER BY number",
                                    [group_id, item_id])]


def set_text(db, note_id: int, text: str, now: datetime) -> None:
    db.execute("UPDATE notes SET text = ?, updated_at = ? WHERE id = ?", [text, to_iso(now), note_id])


def remove(db, note_id: int) -> None:
    db.execute("DELETE FROM notes WHERE id = ?", [note_id])


def dated_actions(db, since: datetime, until: datetime | None = None, group_id: int | None = None) -> list[Note]:
    """Actions with a date after ``since`` (and by ``until``): what the reminders and ``upcoming`` plan from."""
    sql = "SELECT * FROM notes WHERE kind = 'action' AND due_at IS NOT NULL AND due_at > ?"
    params: list = [to_iso(since)]
    if until is not None:
        sql += " AND due_at <= ?"
        params.append(to_iso(until))
    if group_id is not None:
        sql += " AND group_id = ?"
        params.append(group_id)
    return [_note(r) for r in query(db, sql + " ORDER BY due_at, id", params)]


def fingerprint(db) -> str:
    """Changes whenever a dated action is added, changed or removed (the scheduler watches it)."""
    row = db.execute("SELECT count(*) || ':' || coalesce(max(updated_at), '') || ':' || coalesce(max(id), 0) "
                     "FROM notes WHERE due_at IS NOT NULL").fetchone()
    return row[0]


# --- rapporteurs ---------------------------------------------------------------------------------

def add_rapporteur(db, group_id: int, user: str, by: str, now: datetime) -> bool:
    """False when the person is a rapporteur already."""
    cur = db.execute("INSERT OR IGNORE INTO rapporteurs (group_id, user, added_by, added_at) VALUES (?, ?, ?, ?)",
                     [group_id, user, by, to_iso(now)])
    return cur.rowcount > 0


def remove_rapporteur(db, group_id: int, user: str) -> bool:
    return db.execute("DELETE FROM rapporteurs WHERE group_id = ? AND user = ?", [group_id, user]).rowcount > 0


def is_rapporteur(db, group_id: int, user: str) -> bool:
    return db.execute("SELECT 1 FROM rapporteurs WHERE group_id = ? AND user = ?", [group_id, user]).fetchone() \
        is not None


def rapporteurs(db, group_id: int) -> list[str]:
    return [r["user"] for r in query(db, "SELECT user FROM rapporteurs WHERE group_id = ? ORDER BY added_at, user",
                                     [group_id])]


# --- export and restore ------------------------------------------------------------------------

def export(db, group_id: int) -> tuple[list[dict], list[dict]]:
    """(notes, rapporteurs) as rows, times as stored (UTC)."""
    notes = [dict(r) for r in query(db, "SELECT number, session_id, item_number, item_title, kind, text, holder, "
                                        "holder_kind, due_at, by_user, created_at, updated_at FROM notes "
                                        "WHERE group_id = ? ORDER BY number", [group_id])]
    raps = [dict(r) for r in query(db, "SELECT user, added_by, added_at FROM rapporteurs WHERE group_id = ? "
                                       "ORDER BY added_at, user", [group_id])]
    return notes, raps


def restore(db, group_id: int, notes: list[dict], rapporteurs: list[dict]) -> None:
    """Put back what ``export`` gave, each note's ``session_id`` and ``item_id`` those of the restored database."""
    for n in notes:
        db.execute(
            "INSERT INTO notes (group_id, number, session_id, item_id, item_number, item_title, kind, text, holder, "
            "holder_kind, due_at, by_user, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [group_id, n["number"], n.get("session_id"), n.get("item_id"), n.get("item_number"), n["item_title"],
             n["kind"], n["text"], n.get("holder"), n.get("holder_kind"), to_iso(n.get("due_at")), n["by_user"],
             to_iso(n["created_at"]), to_iso(n["updated_at"])])
    for r in rapporteurs:
        db.execute("INSERT OR IGNORE INTO rapporteurs (group_id, user, added_by, added_at) VALUES (?, ?, ?, ?)",
                   [group_id, r["user"], r["added_by"], to_iso(r["added_at"])])
