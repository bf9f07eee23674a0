"""Sessions, agenda items, question lists and questions."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from storage.db import from_iso, now_iso, query, to_iso, write_tx
from storage.models import ImportedItem, Item, Question, QuestionList, Session


def _session(row) -> Session:
    return Session(
        id=row["id"], group_id=row["group_id"], source_key=row["source_key"], title=row["title"],
        start=from_iso(row["start"]), end=from_iso(row["end"]), timezone=row["timezone"],
        venue=row["venue"], symbol=row["symbol"], background=row["background"],
        deadline=from_iso(row["deadline"]), created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]), revision=row["revision"],
    )


def _item(row) -> Item:
    return Item(
        id=row["id"], session_id=row["session_id"], position=row["position"], number=row["number"],
        title=row["title"], kind=row["kind"], start=from_iso(row["start"]), end=from_iso(row["end"]),
        presenters=tuple(json.loads(row["presenters"])), description=row["description"],
    )


def _question(row) -> Question:
    return Question(
        id=row["id"], session_id=row["session_id"], item_id=row["item_id"], list_id=row["list_id"],
        ref=row["ref"], position=row["position"], text=row["text"],
    )


def _list(row) -> QuestionList:
    return QuestionList(
        id=row["id"], group_id=row["group_id"], name=row["name"], symbol=row["symbol"],
        short=row["short"], description=row["description"], is_open=bool(row["is_open"]),
    )


# --- sessions ----------------------------------------------------------------

def save_session(db, group_id: int, *, source_key: str, title: str, start: datetime, end: datetime,
                 timezone: str, venue: str | None, symbol: str | None, background: str | None,
                 items: list[ImportedItem], deadline: datetime | None = None,
                 keep_deadline: bool = True) -> tuple[Session, bool, list[str]]:
    """Create the session, or update the one imported before from the same source.

    Questions keep their ids across re-imports (matched by ref), so inputs already
    submitted stay attached. A question that disappeared from the document is deleted
    unless inputs were submitted on it; then it is kept and a note says so.
    Returns (session, created, notes). Runs in one transaction.
    """
    notes: list[str] = []
    stamp = now_iso()
    with write_tx(db):
        existing = list(query(db, "SELECT * FROM sessions WHERE group_id = ? AND source_key = ?",
                                 [group_id, source_key]))
        values = [title, to_iso(start), to_iso(end), timezone, venue, symbol, background]
        if existing:
            sid = existing[0]["id"]
            created = False
            db.execute(
                'UPDATE sessions SET title = ?, start = ?, "end" = ?, timezone = ?, venue = ?, symbol = ?, '
                "background = ?, updated_at = ?, revision = revision + 1 WHERE id = ?", [*values, stamp, sid])
            if deadline is not None or not keep_deadline:
                db.execute("UPDATE sessions SET deadline = ? WHERE id = ?", [to_iso(deadline), sid])
        else:
            created = True
            sid = db.execute(
                'INSERT INTO sessions (group_id, source_key, title, start, "end", timezone, venue, symbol, '
                "background, deadline, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [group_id, source_key, *values, to_iso(deadline), stamp, stamp]).lastrowid
        db.execute("DELETE FROM items WHERE session_id = ?", [sid])
        wanted: set[str] = set()
        qpos = 0
        for position, item in enumerate(items, start=1):
            item_id = db.execute(
                'INSERT INTO items (session_id, position, number, title, kind, start, "end", presenters, '
                "description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sid, position, item.number, item.title, item.kind, to_iso(item.start), to_iso(item.end),
                 json.dumps(item.presenters, ensure_ascii=False), item.description]).lastrowid
            for n, text in enumerate(item.questions, start=1):
                ref = f"{item.number}.{n}"
                wanted.add(ref)
                qpos += 1
                db.execute(
                    "INSERT INTO questions (session_id, item_id, ref, position, text) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (session_id, ref) WHERE session_id IS NOT NULL DO UPDATE SET "
                    "item_id = excluded.item_id, position = excluded.position, text = excluded.text",
                    [sid, item_id, ref, qpos, text])
        for row in list(query(db, "SELECT id, ref FROM questions WHERE session_id = ?", [sid])):
            if row["ref"] in wanted:
                continue
            used = list(query(db, "SELECT count(*) AS n FROM submissions WHERE question_id = ?", [row["id"]]))[0]["n"]
            if used:
                notes.append(f"question {row['ref']} is no longer in the document but has {used} input(s); kept")
            else:
                db.execute("DELETE FROM questions WHERE id = ?", [row["id"]])
    return session_by_id(db, sid), created, notes


def session_by_id(db, session_id: int) -> Session | None:
    rows = list(query(db, "SELECT * FROM sessions WHERE id = ?", [session_id]))
    return _session(rows[0]) if rows else None


def sessions_of_group(db, group_id: int) -> list[Session]:
    return [_session(r) for r in query(db, 
        "SELECT * FROM sessions WHERE group_id = ? ORDER BY start, id", [group_id])]


def all_sessions(db) -> list[Session]:
    return [_session(r) for r in query(db, "SELECT * FROM sessions ORDER BY start, id")]


def set_deadline(db, session_id: int, deadline: datetime | None, *, at: datetime | None = None) -> None:
    db.execute("UPDATE sessions SET deadline = ?, updated_at = ?, revision = revision + 1 WHERE id = ?",
               [to_iso(deadline), to_iso(at) if at else now_iso(), session_id])


def shift_session(db, session_id: int, delta: timedelta, *, new_start: datetime, new_end: datetime,
                  item_times: list[tuple[int, datetime | None, datetime | None]], at: datetime | None = None) -> None:
    """Move a session and its items to new times (computed by the caller in wall-clock terms)."""
    with write_tx(db):
        db.execute('UPDATE sessions SET start = ?, "end" = ?, updated_at = ?, revision = revision + 1 WHERE id = ?',
                   [to_iso(new_start), to_iso(new_end), to_iso(at) if at else now_iso(), session_id])
        for item_id, start, end in item_times:
            db.execute('UPDATE items SET start = ?, "end" = ? WHERE id = ?', [to_iso(start), to_iso(end), item_id])


def _delete_inputs_of(db, col: str, owner_id: int) -> None:
    """The inputs (and their history) on the questions of a session (``col`` session_id) or a list (list_id)."""
    db.execute(f"DELETE FROM submission_history WHERE submission_id IN (SELECT s.id FROM submissions s "
               f"JOIN questions q ON q.id = s.question_id WHERE q.{col} = ?)", [owner_id])
    db.execute(f"DELETE FROM submissions WHERE question_id IN (SELECT id FROM questions WHERE {col} = ?)", [owner_id])


def delete_session(db, session_id: int) -> None:
    with write_tx(db):
        _delete_inputs_of(db, "session_id", session_id)
        db.execute("DELETE FROM sessions WHERE id = ?", [session_id])


def items_of_session(db, session_id: int) -> list[Item]:
    return [_item(r) for r in query(db, "SELECT * FROM items WHERE session_id = ? ORDER BY position", [session_id])]


def questions_of_session(db, session_id: int) -> list[Question]:
    return [_question(r) for r in query(db, 
        "SELECT * FROM questions WHERE session_id = ? ORDER BY position", [session_id])]


def question_by_id(db, question_id: int) -> Question | None:
    rows = list(query(db, "SELECT * FROM questions WHERE id = ?", [question_id]))
    return _question(rows[0]) if rows else None


def session_question(db, session_id: int, ref: str) -> Question | None:
    rows = list(query(db, "SELECT * FROM questions WHERE session_id = ? AND ref = ?", [session_id, ref]))
    return _question(rows[0]) if rows else None


# --- question lists -----------------------------------------------------------

def save_list(db, group_id: int, *, name: str, symbol: str, short: str, description: str | None,
              questions: list[tuple[str, str]]) -> tuple[QuestionList, bool, list[str]]:
    """Create or update (matched by symbol) a question list of the group, in one transaction."""
    notes: list[str] = []
    stamp = now_iso()
    with write_tx(db):
        existing = list(query(db, "SELECT id FROM question_lists WHERE group_id = ? AND symbol = ?",
                                 [group_id, symbol]))
        if existing:
            lid, created = existing[0]["id"], False
            db.execute("UPDATE question_lists SET name = ?, short = ?, description = ?, updated_at = ? "
                       "WHERE id = ?", [name, short, description, stamp, lid])
        else:
            created = True
            lid = db.execute(
                "INSERT INTO question_lists (group_id, name, symbol, short, description, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [group_id, name, symbol, short, description, stamp, stamp]).lastrowid
        wanted = set()
        for position, (ref, text) in enumerate(questions, start=1):
            wanted.add(ref)
            db.execute(
                "INSERT INTO questions (list_id, ref, position, text) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (list_id, ref) WHERE list_id IS NOT NULL DO UPDATE SET "
                "position = excluded.position, text = excluded.text", [lid, ref, position, text])
        for row in list(query(db, "SELECT id, ref FROM questions WHERE list_id = ?", [lid])):
            if row["ref"] in wanted:
                continue
            used = list(query(db, "SELECT count(*) AS n FROM submissions WHERE question_id = ?", [row["id"]]))[0]["n"]
            if used:
                notes.append(f"issue {row['ref']} is no longer in the document but has {used} input(s); kept")
            else:
                db.execute("DELETE FROM questions WHERE id = ?", [row["id"]])
    return list_by_id(db, lid), created, notes


def list_by_id(db, list_id: int) -> QuestionList | None:
    rows = list(query(db, "SELECT * FROM question_lists WHERE id = ?", [list_id]))
    return _list(rows[0]) if rows else None


def lists_of_group(db, group_id: int) -> list[QuestionList]:
    return [_list(r) for r in query(db, 
        "SELECT * FROM question_lists WHERE group_id = ? ORDER BY created_at, id", [group_id])]


def questions_of_list(db, list_id: int) -> list[Question]:
    return [_question(r) for r in query(db, 
        "SELECT * FROM questions WHERE list_id = ? ORDER BY position", [list_id])]


def list_question(db, list_id: int, ref: str) -> Question | None:
    rows = list(query(db, "SELECT * FROM questions WHERE list_id = ? AND ref = ?", [list_id, ref]))
    return _question(rows[0]) if rows else None


def add_retired_question(db, session_id: int, ref: str, text: str) -> None:
    """A question no longer on the agenda but kept for its inputs (restoring such an export)."""
    pos = list(query(db, "SELECT COALESCE(MAX(position), 0) + 1 AS p FROM questions WHERE session_id = ?",
                        [session_id]))[0]["p"]
    db.execute("INSERT INTO questions (session_id, item_id, ref, position, text) VALUES (?, NULL, ?, ?, ?) "
               "ON CONFLICT (session_id, ref) WHERE session_id IS NOT NULL DO NOTHING", [session_id, ref, pos, text])


def rename_session(db, session_id: int, title: str, *, at: datetime | None = None) -> None:
    db.execute("UPDATE sessions SET title = ?, updated_at = ?, revision = revision + 1 WHERE id = ?",
               [title, to_iso(at) if at else now_iso(), session_id])


def set_list_open(db, list_id: int, is_open: bool, *, at: datetime | None = None) -> None:
    db.execute("UPDATE question_lists SET is_open = ?, updated_at = ? WHERE id = ?",
               [int(is_open), to_iso(at) if at else now_iso(), list_id])


def list_named(db, group_id: int, name: str) -> QuestionList | None:
    """A group's question list by its short name or its document symbol, any case."""
    key = name.strip().casefold()
    return next((lst for lst in lists_of_group(db, group_id) if key in (lst.short.casefold(), lst.symbol.casefold())),
                None)


def inputs_count(db, *, session_id: int | None = None, list_id: int | None = None) -> tuple[int, int]:
    """(inputs, delegations) on a session's or a list's questions, withdrawn ones included."""
    col = "session_id" if session_id is not None else "list_id"
    row = db.execute(f"SELECT count(*), count(DISTINCT s.delegation_key) FROM submissions s JOIN questions q "
                     f"ON q.id = s.question_id WHERE q.{col} = ?", [session_id if session_id is not None
                                                                     else list_id]).fetchone()
    return row[0], row[1]


def delete_list(db, list_id: int) -> None:
    with write_tx(db):
        _delete_inputs_of(db, "list_id", list_id)
        db.execute("DELETE FROM question_lists WHERE id = ?", [list_id])
