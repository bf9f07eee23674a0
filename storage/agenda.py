"""Sessions, agenda items, question lists and questions."""
from __future__ import annotations

import json
from dataclasses import dataclass
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
        import_start=from_iso(row["import_start"]),
    )


def _item(row) -> Item:
    return Item(
        id=row["id"], session_id=row["session_id"], position=row["position"], number=row["number"],
        title=row["title"], kind=row["kind"], start=from_iso(row["start"]), end=from_iso(row["end"]),
        presenters=tuple(json.loads(row["presenters"])), description=row["description"],
        manual=json.loads(row["manual"]) if "manual" in row.keys() and row["manual"] else {},
    )


def _question(row) -> Question:
    return Question(
        id=row["id"], session_id=row["session_id"], item_id=row["item_id"], list_id=row["list_id"],
        ref=row["ref"], position=row["position"], text=row["text"], retired_at=from_iso(row["retired_at"]),
        manual=row["manual"] if "manual" in row.keys() else None,
    )


def _list(row) -> QuestionList:
    return QuestionList(
        id=row["id"], group_id=row["group_id"], name=row["name"], symbol=row["symbol"],
        short=row["short"], description=row["description"], is_open=bool(row["is_open"]),
        session_id=row["session_id"], deadline=from_iso(row["deadline"]),
    )


# --- sessions ----------------------------------------------------------------

@dataclass(frozen=True)
class QuestionFate:
    """What an import does to the stored questions: ``reuse`` gives, for each question of the document in
    order, the stored question it continues (its id) or None for a new one; stored questions not continued
    are ``retire``d (kept with their inputs, off the agenda) or, when nobody answered them, deleted.
    Decided by ``commands.rules.questions``; storage only carries it out."""
    reuse: list[int | None]
    retire: list[int]


def _answered(db, question_id: int) -> int:
    return db.execute("SELECT count(*) FROM submissions WHERE question_id = ?", [question_id]).fetchone()[0]


def _by_ref(db, col: str, owner_id: int, refs: list[str]) -> QuestionFate:
    """The fate when nobody planned: same label, same question (a restore into a fresh session, benchmarks)."""
    current = {r["ref"]: r["id"] for r in query(
        db, f"SELECT id, ref FROM questions WHERE {col} = ? AND retired_at IS NULL", [owner_id])}
    reuse = [current.get(ref) for ref in refs]
    kept = set(reuse)
    return QuestionFate(reuse, [qid for qid in current.values() if qid not in kept and _answered(db, qid)])


def _place_questions(db, col: str, owner_id: int, placed: list[tuple[str, str, int | None]],
                     fate: QuestionFate | None, stamp: str) -> None:
    """Store the document's questions (ref, text, item id) under their owner (``col`` = its id), following
    ``fate``. A continued question whose text changed keeps its earlier wording in ``question_revisions``."""
    if fate is None:
        fate = _by_ref(db, col, owner_id, [ref for ref, _, _ in placed])
    if len(fate.reuse) != len(placed):
        raise ValueError("a fate for every question of the document")
    labels = {r["id"]: (r["ref"], r["text"]) for r in query(
        db, f"SELECT id, ref, text FROM questions WHERE {col} = ? AND retired_at IS NULL", [owner_id])}
    # A withdrawn question the document puts back (the same text again) is reinstated with its inputs.
    withdrawn = {r["id"]: (r["ref"], r["text"]) for r in query(
        db, f"SELECT id, ref, text FROM questions WHERE {col} = ? AND retired_at IS NOT NULL", [owner_id])}
    continued = [qid for qid in fate.reuse if qid is not None]
    if set(continued) & set(fate.retire) or len(set(continued)) != len(continued) \
            or not set(fate.retire) <= set(labels) or not set(continued) <= set(labels) | set(withdrawn):
        raise ValueError("each current question is continued once, or retired, or dropped")
    # Labels move between questions: park the current ones so no two current questions share a label.
    db.execute(f"UPDATE questions SET ref = '~' || id WHERE {col} = ? AND retired_at IS NULL", [owner_id])
    for qid in fate.retire:
        db.execute("UPDATE questions SET retired_at = ?, item_id = NULL, ref = ? WHERE id = ?",
                   [stamp, labels[qid][0], qid])
    for position, ((ref, text, item_id), qid) in enumerate(zip(placed, fate.reuse), start=1):
        if qid is None:
            db.execute(f"INSERT INTO questions ({col}, item_id, ref, position, text) VALUES (?, ?, ?, ?, ?)",
                       [owner_id, item_id, ref, position, text])
            continue
        old_ref, old_text = labels.get(qid) or withdrawn[qid]
        if old_text != text:
            db.execute("INSERT INTO question_revisions (question_id, ref, text, replaced_at) VALUES (?, ?, ?, ?)",
                       [qid, old_ref, old_text, stamp])
        db.execute("UPDATE questions SET item_id = ?, ref = ?, position = ?, text = ?, retired_at = NULL WHERE id = ?",
                   [item_id, ref, position, text, qid])
    for qid in set(labels) - set(continued) - set(fate.retire):
        if _answered(db, qid):
            raise ValueError(f"question {labels[qid][0]} has inputs: it is continued or retired, never deleted")
        db.execute("DELETE FROM questions WHERE id = ?", [qid])


def save_session(db, group_id: int, *, source_key: str, title: str, start: datetime, end: datetime,
                 timezone: str, venue: str | None, symbol: str | None, background: str | None,
                 items: list[ImportedItem], deadline: datetime | None = None, keep_deadline: bool = True,
                 session_id: int | None = None, fate: QuestionFate | None = None,
                 import_start: datetime | None = None) -> tuple[Session, bool]:
    """Create the session, or update ``session_id`` (else the one imported before from the same source).

    Items are replaced; questions follow ``fate`` (see ``QuestionFate``; without one, matched by label).
    ``import_start``: where the document placed the session (``start`` differs when a reschedule is kept).
    Returns (session, created). Runs in one transaction.
    """
    stamp = now_iso()
    with write_tx(db):
        if session_id is None:
            row = db.execute("SELECT id FROM sessions WHERE group_id = ? AND source_key = ?",
                             [group_id, source_key]).fetchone()
            session_id = row[0] if row else None
        values = [title, to_iso(start), to_iso(end), timezone, venue, symbol, background,
                  to_iso(import_start or start)]
        if session_id is not None:
            sid, created = session_id, False
            db.execute(
                'UPDATE sessions SET source_key = ?, title = ?, start = ?, "end" = ?, timezone = ?, venue = ?, '
                "symbol = ?, background = ?, import_start = ?, updated_at = ?, revision = revision + 1 "
                "WHERE id = ?", [source_key, *values, stamp, sid])
            if deadline is not None or not keep_deadline:
                db.execute("UPDATE sessions SET deadline = ? WHERE id = ?", [to_iso(deadline), sid])
        else:
            created = True
            sid = db.execute(
                'INSERT INTO sessions (group_id, source_key, title, start, "end", timezone, venue, symbol, '
                "background, import_start, deadline, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [group_id, source_key, *values, to_iso(deadline), stamp, stamp]).lastrowid
        db.execute("DELETE FROM items WHERE session_id = ?", [sid])
        placed: list[tuple[str, str, int | None]] = []
        for position, item in enumerate(items, start=1):
            item_id = db.execute(
                'INSERT INTO items (session_id, position, number, title, kind, start, "end", presenters, '
                "description, manual) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sid, position, item.number, item.title, item.kind, to_iso(item.start), to_iso(item.end),
                 json.dumps(item.presenters, ensure_ascii=False), item.description,
                 json.dumps(item.manual or {}, ensure_ascii=False)]).lastrowid
            placed.extend((f"{item.number}.{n}", text, item_id) for n, text in enumerate(item.questions, start=1))
        _place_questions(db, "session_id", sid, placed, fate, stamp)
    return session_by_id(db, sid), created


def session_by_key(db, group_id: int, source_key: str) -> Session | None:
    rows = list(query(db, "SELECT * FROM sessions WHERE group_id = ? AND source_key = ?", [group_id, source_key]))
    return _session(rows[0]) if rows else None


def answered_counts(db, question_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(current inputs, withdrawn inputs) per question (withdrawn ones are history: they stay with their question)."""
    if not question_ids:
        return {}
    marks = ",".join("?" * len(question_ids))
    counts = {qid: (cur, gone) for qid, cur, gone in db.execute(
        f"SELECT question_id, sum(status = 'current'), sum(status != 'current') FROM submissions "
        f"WHERE question_id IN ({marks}) GROUP BY question_id", question_ids).fetchall()}
    return {qid: counts.get(qid, (0, 0)) for qid in question_ids}


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


def item_by_id(db, item_id: int) -> Item | None:
    rows = list(query(db, "SELECT * FROM items WHERE id = ?", [item_id]))
    return _item(rows[0]) if rows else None


def questions_of_session(db, session_id: int) -> list[Question]:
    return [_question(r) for r in query(db, 
        "SELECT * FROM questions WHERE session_id = ? AND retired_at IS NULL ORDER BY position", [session_id])]


def retired_questions(db, *, session_id: int | None = None, list_id: int | None = None) -> list[Question]:
    """Questions withdrawn from the agenda (or the list) and kept for their inputs, oldest first."""
    col, owner = ("session_id", session_id) if session_id is not None else ("list_id", list_id)
    return [_question(r) for r in query(
        db, f"SELECT * FROM questions WHERE {col} = ? AND retired_at IS NOT NULL ORDER BY retired_at, position",
        [owner])]


def retired_question(db, *, label: str, session_id: int | None = None, list_id: int | None = None
                     ) -> Question | None:
    """The question last withdrawn with the label ``label`` (its ref on the agenda it left)."""
    col, owner = ("session_id", session_id) if session_id is not None else ("list_id", list_id)
    rows = list(query(db, f"SELECT * FROM questions WHERE {col} = ? AND ref = ? AND retired_at IS NOT NULL "
                          "ORDER BY retired_at DESC, id DESC LIMIT 1", [owner, label]))
    return _question(rows[0]) if rows else None


def question_revisions(db, question_id: int) -> list[tuple[str, str, datetime]]:
    """Earlier wordings of a question: (ref, text, replaced at), oldest first."""
    return [(r["ref"], r["text"], from_iso(r["replaced_at"])) for r in query(
        db, "SELECT * FROM question_revisions WHERE question_id = ? ORDER BY id", [question_id])]


def question_by_id(db, question_id: int) -> Question | None:
    rows = list(query(db, "SELECT * FROM questions WHERE id = ?", [question_id]))
    return _question(rows[0]) if rows else None


def session_question(db, session_id: int, ref: str) -> Question | None:
    rows = list(query(db, "SELECT * FROM questions WHERE session_id = ? AND ref = ? AND retired_at IS NULL",
                       [session_id, ref]))
    return _question(rows[0]) if rows else None


# --- question lists -----------------------------------------------------------

def save_list(db, group_id: int, *, name: str, symbol: str, short: str, description: str | None,
              questions: list[tuple[str, str]], fate: QuestionFate | None = None) -> tuple[QuestionList, bool]:
    """Create or update (matched by symbol) a question list of the group, in one transaction; questions
    follow ``fate`` as for a session."""
    stamp = now_iso()
    with write_tx(db):
        existing = db.execute("SELECT id FROM question_lists WHERE group_id = ? AND symbol = ?",
                              [group_id, symbol]).fetchone()
        if existing:
            lid, created = existing[0], False
            db.execute("UPDATE question_lists SET name = ?, short = ?, description = ?, updated_at = ? "
                       "WHERE id = ?", [name, short, description, stamp, lid])
        else:
            created = True
            lid = db.execute(
                "INSERT INTO question_lists (group_id, name, symbol, short, description, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [group_id, name, symbol, short, description, stamp, stamp]).lastrowid
        _place_questions(db, "list_id", lid, [(ref, text, None) for ref, text in questions], fate, stamp)
    return list_by_id(db, lid), created


def list_by_symbol(db, group_id: int, symbol: str) -> QuestionList | None:
    rows = list(query(db, "SELECT * FROM question_lists WHERE group_id = ? AND symbol = ?", [group_id, symbol]))
    return _list(rows[0]) if rows else None


def list_by_id(db, list_id: int) -> QuestionList | None:
    rows = list(query(db, "SELECT * FROM question_lists WHERE id = ?", [list_id]))
    return _list(rows[0]) if rows else None


def lists_of_group(db, group_id: int) -> list[QuestionList]:
    return [_list(r) for r in query(db, 
        "SELECT * FROM question_lists WHERE group_id = ? ORDER BY created_at, id", [group_id])]


def questions_of_list(db, list_id: int) -> list[Question]:
    return [_question(r) for r in query(db, 
        "SELECT * FROM questions WHERE list_id = ? AND retired_at IS NULL ORDER BY position", [list_id])]


def list_question(db, list_id: int, ref: str) -> Question | None:
    rows = list(query(db, "SELECT * FROM questions WHERE list_id = ? AND ref = ? AND retired_at IS NULL", [list_id, ref]))
    return _question(rows[0]) if rows else None


def add_retired_question(db, session_id: int, ref: str, text: str, retired_at: datetime | None = None) -> int:
    """A question no longer on the agenda but kept for its inputs (restoring such an export)."""
    pos = list(query(db, "SELECT COALESCE(MAX(position), 0) + 1 AS p FROM questions WHERE session_id = ?",
                        [session_id]))[0]["p"]
    return db.execute("INSERT INTO questions (session_id, item_id, ref, position, text, retired_at) "
                      "VALUES (?, NULL, ?, ?, ?, ?)",
                      [session_id, ref, pos, text, to_iso(retired_at) if retired_at else now_iso()]).lastrowid


def add_retired_list_question(db, list_id: int, ref: str, text: str, retired_at: datetime | None = None) -> int:
    pos = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM questions WHERE list_id = ?", [list_id]).fetchone()[0]
    return db.execute("INSERT INTO questions (list_id, ref, position, text, retired_at) VALUES (?, ?, ?, ?, ?)",
                      [list_id, ref, pos, text, to_iso(retired_at) if retired_at else now_iso()]).lastrowid


def set_list_deadline(db, list_id: int, *, session_id: int | None, deadline: datetime | None,
                      at: datetime | None = None) -> None:
    """A list belongs to a session (and shares its deadline), or carries its own deadline, or neither."""
    db.execute("UPDATE question_lists SET session_id = ?, deadline = ?, updated_at = ? WHERE id = ?",
               [session_id, to_iso(deadline), to_iso(at) if at else now_iso(), list_id])


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
