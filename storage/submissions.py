"""Written inputs: one current input per (question, delegation), with a full history."""
from __future__ import annotations

from datetime import datetime, timezone

from storage.db import StorageError, from_iso, now_iso, query, to_iso, to_iso_exact, write_tx
from storage.models import HistoryEntry, Submission

# History actions that write an input's text (the others change who may read it, or withdraw it).
CONTENT_ACTIONS = ("submit", "replace", "resubmit", "edit", "append")

_SELECT = (
    "SELECT s.*, q.ref AS ref, q.session_id AS session_id, q.list_id AS list_id, l.short AS list_short, "
    "q.retired_at IS NOT NULL AS question_retired "
    "FROM submissions s JOIN questions q ON q.id = s.question_id "
    "LEFT JOIN question_lists l ON l.id = q.list_id "
)


def _submission(row) -> Submission:
    return Submission(
        id=row["id"], group_id=row["group_id"], question_id=row["question_id"],
        delegation=row["delegation"], author=row["author"], text=row["text"], status=row["status"],
        disclosure=row["disclosure"], late_when_sent=bool(row["late"]),
        created_at=from_iso(row["created_at"]), updated_at=from_iso(row["updated_at"]), note=row["note"],
        sent_at=from_iso(row["sent_at"]), ref=row["ref"], session_id=row["session_id"], list_id=row["list_id"], list_short=row["list_short"],
        question_retired=bool(row["question_retired"]),
    )


def _history(row) -> HistoryEntry:
    return HistoryEntry(id=row["id"], submission_id=row["submission_id"], action=row["action"],
                        author=row["author"], text=row["text"], status=row["status"], at=from_iso(row["at"]))


def _record(db, submission_id: int, action: str, author: str, text: str, status: str, at: str) -> None:
    db.execute("INSERT INTO submission_history (submission_id, action, author, text, status, at) "
               "VALUES (?, ?, ?, ?, ?, ?)", [submission_id, action, author, text, status, at])


def current_for(db, question_id: int, delegation: str) -> Submission | None:
    """The input of ``delegation`` (any case) on the question, withdrawn or not."""
    rows = list(query(db, _SELECT + "WHERE s.question_id = ? AND s.delegation_key = ?",
                         [question_id, delegation.casefold()]))
    return _submission(rows[0]) if rows else None


def submission_by_id(db, submission_id: int) -> Submission | None:
    rows = list(query(db, _SELECT + "WHERE s.id = ?", [submission_id]))
    return _submission(rows[0]) if rows else None


def submit(db, *, group_id: int, question_id: int, delegation: str, author: str, text: str,
           disclosure: str | None = "group", late: bool = False, at: datetime | None = None,
           note: str | None = None) -> tuple[Submission, str]:
    """Store the delegation's input on the question, replacing its current one.

    Returns (submission, action) where action is 'submit', 'replace' or 'resubmit'.
    Committed before it returns: a caller that then says "received" is telling the truth.
    """
    stamp = to_iso(at) if at else now_iso()
    sent = to_iso_exact(at or datetime.now(timezone.utc))
    key = delegation.casefold()
    conn = db.conn       # the hottest write of all (a deadline's burst): straight to the connection, no re-read
    with write_tx(db):
        row = conn.execute("SELECT s.id, s.status, s.created_at, s.delegation, q.ref, q.session_id, q.list_id, l.short "
                           "FROM questions q LEFT JOIN submissions s ON s.question_id = q.id AND s.delegation_key = ? "
                           "LEFT JOIN question_lists l ON l.id = q.list_id WHERE q.id = ?", [key, question_id]).fetchone()
        if row is None:
            raise StorageError(f"there is no question {question_id}")
        sid, status, created, stored_delegation, ref, session_id, list_id, list_short = row
        if sid is not None:
            action = "replace" if status == "current" else "resubmit"
            conn.execute("UPDATE submissions SET text = ?, author = ?, status = 'current', "
                         "disclosure = coalesce(?, disclosure), late = ?, note = ?, updated_at = ?, sent_at = ? WHERE id = ?",
                         [text, author, disclosure, int(late), note, stamp, sent, sid])
            if disclosure is None:
                disclosure = conn.execute("SELECT disclosure FROM submissions WHERE id = ?", [sid]).fetchone()[0]
        else:
            action, created = "submit", stamp
            disclosure = disclosure or "group"
            sid = conn.execute(
                "INSERT INTO submissions (group_id, question_id, delegation, delegation_key, author, text, status, "
                "disclosure, late, note, created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, 'current', ?, ?, ?, ?, ?, ?)",
                [group_id, question_id, delegation, key, author, text, disclosure, int(late), note, stamp,
                 stamp, sent]).lastrowid
        conn.execute("INSERT INTO submission_history (submission_id, action, author, text, status, at) "
                     "VALUES (?, ?, ?, ?, 'current', ?)", [sid, action, author, text, stamp])
    return Submission(id=sid, group_id=group_id, question_id=question_id, delegation=stored_delegation or delegation,
                      author=author,
                      text=text, status="current", disclosure=disclosure, late_when_sent=bool(late),
                      created_at=from_iso(created), updated_at=from_iso(stamp), note=note, ref=ref,
                      sent_at=from_iso(sent),
                      session_id=session_id, list_id=list_id, list_short=list_short), action


def submit_many(db, rows: list[dict]) -> int:
    """Bulk submit (used by restore and benchmarks): each row as for ``submit``; one transaction."""
    with write_tx(db):
        for row in rows:
            submit(db, **row)
    return len(rows)


def update_text(db, submission_id: int, *, author: str, text: str, action: str,
                at: datetime | None = None, late: bool | None = None) -> Submission:
    """Edit or append: ``text`` is the new whole text; ``action`` names what happened."""
    stamp = to_iso(at) if at else now_iso()
    sent = to_iso_exact(at or datetime.now(timezone.utc))
    with write_tx(db):
        db.execute("UPDATE submissions SET text = ?, author = ?, status = 'current', late = coalesce(?, late), "
                   "updated_at = ?, sent_at = ? WHERE id = ?",
                   [text, author, None if late is None else int(late), stamp, sent, submission_id])
        _record(db, submission_id, action, author, text, "current", stamp)
    return submission_by_id(db, submission_id)


def set_disclosure(db, submission_id: int, disclosure: str, *, author: str, at: datetime | None = None) -> None:
    """Change who may read an input (recorded in its history as a 'visibility' change)."""
    stamp = to_iso(at) if at else now_iso()
    with write_tx(db):
        db.execute("UPDATE submissions SET disclosure = ?, updated_at = ? WHERE id = ?", [disclosure, stamp,
                                                                                        submission_id])
        text = db.execute("SELECT text FROM submissions WHERE id = ?", [submission_id]).fetchone()[0]
        _record(db, submission_id, f"visibility:{disclosure}", author, text, "current", stamp)


def withdraw(db, submission_id: int, *, author: str, at: datetime | None = None) -> Submission:
    stamp = to_iso(at) if at else now_iso()
    with write_tx(db):
        db.execute("UPDATE submissions SET status = 'withdrawn', author = ?, updated_at = ? WHERE id = ?",
                   [author, stamp, submission_id])
        text = list(query(db, "SELECT text FROM submissions WHERE id = ?", [submission_id]))[0]["text"]
        _record(db, submission_id, "withdraw", author, text, "withdrawn", stamp)
    return submission_by_id(db, submission_id)


def of_delegation(db, group_id: int, delegation: str, *, include_withdrawn: bool = False) -> list[Submission]:
    where = "WHERE s.group_id = ? AND s.delegation_key = ?"
    if not include_withdrawn:
        where += " AND s.status = 'current'"
    return [_submission(r) for r in query(db, 
        _SELECT + where + " ORDER BY q.session_id IS NULL, q.session_id, q.list_id, q.position",
        [group_id, delegation.casefold()])]


def of_question(db, question_id: int, *, include_withdrawn: bool = False) -> list[Submission]:
    where = "WHERE s.question_id = ?" + ("" if include_withdrawn else " AND s.status = 'current'")
    return [_submission(r) for r in query(db, _SELECT + where + " ORDER BY s.delegation_key", [question_id])]


def of_group(db, group_id: int) -> list[Submission]:
    return [_submission(r) for r in query(db, 
        _SELECT + "WHERE s.group_id = ? ORDER BY q.session_id IS NULL, q.session_id, q.list_id, q.position, "
        "s.delegation_key", [group_id])]


def of_session(db, session_id: int, *, include_withdrawn: bool = False) -> list[Submission]:
    """The inputs that count for a session: on its questions (those on the agenda and those withdrawn from it)
    and on the questions of the lists that belong to it. ``commands.rules.submitted`` says why."""
    where = ("WHERE (q.session_id = ? OR q.list_id IN (SELECT id FROM question_lists WHERE session_id = ?))"
             + ("" if include_withdrawn else " AND s.status = 'current'"))
    return [_submission(r) for r in query(db, _SELECT + where + " ORDER BY q.list_id IS NOT NULL, q.list_id, "
                                             "q.position, s.delegation_key", [session_id, session_id])]


def of_list(db, list_id: int, *, include_withdrawn: bool = False) -> list[Submission]:
    where = "WHERE q.list_id = ?" + ("" if include_withdrawn else " AND s.status = 'current'")
    return [_submission(r) for r in query(db, _SELECT + where + " ORDER BY q.position, s.delegation_key", [list_id])]


def history(db, submission_id: int) -> list[HistoryEntry]:
    return [_history(r) for r in query(db, 
        "SELECT * FROM submission_history WHERE submission_id = ? ORDER BY id", [submission_id])]


def count(db, group_id: int | None = None) -> int:
    if group_id is None:
        return list(query(db, "SELECT count(*) AS n FROM submissions"))[0]["n"]
    return list(query(db, "SELECT count(*) AS n FROM submissions WHERE group_id = ?", [group_id]))[0]["n"]


def restore(db, *, group_id: int, question_id: int, delegation: str, author: str, text: str, status: str,
            disclosure: str, late: bool, note: str | None, created_at: datetime, updated_at: datetime,
            history: list[dict], sent_at: datetime | None = None) -> int:
    """Insert an input with its history exactly as exported (restore from JSON). Caller holds the transaction.
    ``sent_at`` missing (an older export): the latest time its text was written, by its history."""
    if sent_at is None:
        written = [h["at"] for h in history if h["action"] in CONTENT_ACTIONS]
        sent_at = max(written) if written else updated_at
    sid = db.execute(
        "INSERT INTO submissions (group_id, question_id, delegation, delegation_key, author, text, status, "
        "disclosure, late, note, created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [group_id, question_id, delegation, delegation.casefold(), author, text, status, disclosure, int(late), note,
         to_iso(created_at), to_iso(updated_at), to_iso_exact(sent_at)]).lastrowid
    for h in history:
        _record(db, sid, h["action"], h["author"], h["text"], h["status"], to_iso(h["at"]))
    return sid


def history_of_question(db, question_id: int) -> list[tuple[Submission, list[HistoryEntry]]]:
    """Every input (withdrawn too) on a question with its versions, by delegation."""
    subs = [_submission(r) for r in query(db, _SELECT + "WHERE s.question_id = ? ORDER BY s.delegation COLLATE NOCASE",
                                             [question_id])]
    return [(s, history(db, s.id)) for s in subs]
