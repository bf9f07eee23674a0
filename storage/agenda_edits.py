"""Corrections by hand to a stored agenda: one item or question at a time, in place (no re-import).

The caller (``commands.editing``) decides what changes and runs these inside one ``write_tx``; here is only the
SQL. Questions keep their row (their identity, and so their inputs) through every edit; their labels (refs) are
recomputed from the items' order and numbers by ``relabel_questions``.
"""
from __future__ import annotations

import json
from datetime import datetime

from storage.db import query, to_iso


def update_item(db, item_id: int, *, manual: dict, **fields) -> None:
    """Set some of title, kind, number, start, end, presenters (a list) on an item, and its ``manual`` markers."""
    sets, values = [], []
    for name, value in fields.items():
        if name not in ("title", "kind", "number", "start", "end", "presenters"):
            raise ValueError(f"items have no field {name}")
        if name in ("start", "end"):
            value = to_iso(value)
        elif name == "presenters":
            value = json.dumps(list(value), ensure_ascii=False)
        sets.append(f'"{name}" = ?')
        values.append(value)
    sets.append("manual = ?")
    values.append(json.dumps(manual, ensure_ascii=False))
    db.execute(f"UPDATE items SET {', '.join(sets)} WHERE id = ?", [*values, item_id])


def insert_item(db, session_id: int, *, number: str | None, title: str, kind: str, start: datetime | None,
                end: datetime | None, manual: dict) -> int:
    """A new item at the end of the session (``reorder`` then puts it in its place)."""
    position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM items WHERE session_id = ?",
                          [session_id]).fetchone()[0]
    return db.execute('INSERT INTO items (session_id, position, number, title, kind, start, "end", presenters, '
                      "description, manual) VALUES (?, ?, ?, ?, ?, ?, ?, '[]', NULL, ?)",
                      [session_id, position, number, title, kind, to_iso(start), to_iso(end),
                       json.dumps(manual, ensure_ascii=False)]).lastrowid


def delete_item(db, item_id: int) -> None:
    db.execute("DELETE FROM items WHERE id = ?", [item_id])


def reorder(db, session_id: int, order: list[tuple[int, str | None]]) -> None:
    """Give the session's items the positions of ``order`` (item id, number), in two steps so that the unique
    (session, position) never collides."""
    db.execute("UPDATE items SET position = -position WHERE session_id = ?", [session_id])
    for position, (item_id, number) in enumerate(order, start=1):
        db.execute("UPDATE items SET position = ?, number = ? WHERE id = ? AND session_id = ?",
                   [position, number, item_id, session_id])


def relabel_questions(db, session_id: int) -> None:
    """The current questions' labels and positions from their items' order and numbers: ``NUMBER.N``, N counted in
    the order they had under their item. Questions are parked first so no two current ones share a label."""
    rows = list(query(db, "SELECT q.id FROM questions q JOIN items i ON i.id = q.item_id WHERE q.session_id = ? "
                          "AND q.retired_at IS NULL ORDER BY i.position, q.position, q.id", [session_id]))
    numbers = {r["id"]: r["number"] for r in query(
        db, "SELECT q.id, i.number FROM questions q JOIN items i ON i.id = q.item_id WHERE q.session_id = ? "
            "AND q.retired_at IS NULL", [session_id])}
    items = {r["id"]: r["item_id"] for r in query(
        db, "SELECT id, item_id FROM questions WHERE session_id = ? AND retired_at IS NULL", [session_id])}
    db.execute("UPDATE questions SET ref = '~' || id WHERE session_id = ? AND retired_at IS NULL", [session_id])
    counters: dict[int, int] = {}
    for position, r in enumerate(rows, start=1):
        qid = r["id"]
        counters[items[qid]] = counters.get(items[qid], 0) + 1
        db.execute("UPDATE questions SET ref = ?, position = ? WHERE id = ?",
                   [f"{numbers[qid]}.{counters[items[qid]]}", position, qid])


def add_question(db, session_id: int, item_id: int, text: str) -> int:
    """A question added by hand, last under its item (``relabel_questions`` gives it its label)."""
    position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM questions WHERE session_id = ?",
                          [session_id]).fetchone()[0]
    return db.execute("INSERT INTO questions (session_id, item_id, ref, position, text, manual) "
                      "VALUES (?, ?, ?, ?, ?, '')", [session_id, item_id, f"~new{position}", position, text]).lastrowid


def reword_question(db, question_id: int, text: str, *, manual: str | None, at: datetime) -> None:
    """A new wording for the same question (its inputs stay); the old one goes to its history."""
    row = db.execute("SELECT ref, text FROM questions WHERE id = ?", [question_id]).fetchone()
    db.execute("INSERT INTO question_revisions (question_id, ref, text, replaced_at) VALUES (?, ?, ?, ?)",
               [question_id, row[0], row[1], to_iso(at)])
    db.execute("UPDATE questions SET text = ?, manual = ? WHERE id = ?", [text, manual, question_id])


def retire_question(db, question_id: int, at: datetime) -> None:
    """Off the agenda, kept with its inputs (listed under "Questions withdrawn" in the compilation), as a re-import
    that drops an answered question does."""
    db.execute("UPDATE questions SET retired_at = ?, item_id = NULL WHERE id = ?", [to_iso(at), question_id])


def delete_question(db, question_id: int) -> None:
    """Only for a question nobody answered."""
    if db.execute("SELECT count(*) FROM submissions WHERE question_id = ?", [question_id]).fetchone()[0]:
        raise ValueError("a question with inputs is retired, never deleted")
    db.execute("DELETE FROM question_revisions WHERE question_id = ?", [question_id])
    db.execute("DELETE FROM questions WHERE id = ?", [question_id])


def set_session_bounds(db, session_id: int, *, start: datetime, end: datetime, import_start: datetime | None,
                       at: datetime) -> None:
    db.execute('UPDATE sessions SET start = ?, "end" = ?, import_start = ?, updated_at = ?, '
               "revision = revision + 1 WHERE id = ?",
               [to_iso(start), to_iso(end), to_iso(import_start), to_iso(at), session_id])


def touch_session(db, session_id: int, at: datetime) -> None:
    """The agenda changed: the calendar's SEQUENCE rises, feeds and caches see it."""
    db.execute("UPDATE sessions SET updated_at = ?, revision = revision + 1 WHERE id = ?", [to_iso(at), session_id])
