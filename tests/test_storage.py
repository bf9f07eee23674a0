"""Storage on real SQLite files: pragmas, migrations, integrity, concurrent writers."""
import sqlite3
import threading
from datetime import datetime, timezone

import pytest

from storage import agenda as agenda_store
from storage import groups as group_store
from storage import StorageError, open_db
from storage import submissions as sub_store


def test_wal_foreign_keys_busy_timeout(db, db_path):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_recorded_and_idempotent(db_path):
    first = open_db(db_path)
    applied = [r["name"] for r in first.query("SELECT name FROM _sqlite_migrations ORDER BY id")] \
        if first["_sqlite_migrations"].exists() else None
    first.close()
    second = open_db(db_path)
    tables = set(second.table_names())
    assert {"groups", "rooms", "members", "sessions", "items", "question_lists", "questions", "submissions",
            "submission_history"} <= tables
    if applied is not None:
        assert [r["name"] for r in second.query("SELECT name FROM _sqlite_migrations ORDER BY id")] == applied
    second.close()


def test_foreign_keys_enforced(db, db_path):
    """A row naming a group that does not exist is refused for that reason (a complete row: only the foreign key can
    refuse it), on every connection open_db makes — also on a database already migrated, where no migration runs
    (one of them switches foreign keys back on as it ends, which would hide a connection without them)."""
    again = open_db(db_path)
    try:
        for conn in (db, again):
            assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
            with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
                conn.execute("INSERT INTO rooms (room, group_id, created_at) "
                             "VALUES ('console:x', 999, '2026-01-01T00:00:00Z')")
    finally:
        again.close()


def test_room_belongs_to_one_group(db):
    a = group_store.create_group(db, "a", "A", registration="open")
    b = group_store.create_group(db, "b", "B", registration="open")
    group_store.bind_room(db, a.id, "console:r")
    with pytest.raises(StorageError, match="room console:r already belongs to the group 'a'"):
        group_store.bind_room(db, b.id, "console:r")
    assert group_store.group_for_room(db, "console:r").id == a.id


def test_submission_survives_reopen(seeded, db, db_path):
    q = agenda_store.session_question(db, agenda_store.sessions_of_group(db, seeded.id)[0].id, "2.6")
    sub_store.submit(db, group_id=seeded.id, question_id=q.id, delegation="Chile", author="console:ana",
                     text="Kept on disk", at=datetime(2010, 6, 21, tzinfo=timezone.utc))
    other = open_db(db_path)   # a second connection sees it: it was committed before "received"
    [s] = sub_store.of_group(other, seeded.id)
    assert s.text == "Kept on disk" and s.delegation == "Chile"
    other.close()


def test_concurrent_writers_lose_nothing(seeded, db, db_path):
    session = agenda_store.sessions_of_group(db, seeded.id)[0]
    questions = agenda_store.questions_of_session(db, session.id)
    errors = []

    def writer(n):
        conn = open_db(db_path)
        try:
            for i in range(50):
                q = questions[i % len(questions)]
                sub_store.submit(conn, group_id=seeded.id, question_id=q.id, delegation=f"D{n}-{i}",
                                 author=f"console:w{n}", text=f"text {n} {i}")
        except Exception as e:  # pragma: no cover - the assertion below reports it
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sub_store.count(db, seeded.id) == 300
    texts = {s.text for s in sub_store.of_group(db, seeded.id)}
    assert texts == {f"text {n} {i}" for n in range(6) for i in range(50)}


def test_the_registration_rebuild_keeps_every_group_and_what_hangs_on_it(tmp_path):
    """m015 rebuilds the groups table (SQLite cannot change a CHECK): with foreign keys off, so nothing cascades."""
    import sqlite_utils
    from storage.db import connect, open_db
    from storage.schema import migrations
    path = tmp_path / "old.db"
    old = connect(path)
    migrations.apply(old, stop_before="m015_registration_modes")
    old.execute("INSERT INTO groups (slug, name, registration, created_at) VALUES ('cg', 'CG', 'locked', 'x')")
    old.execute("INSERT INTO members (group_id, user, delegation, created_at, updated_at) "
                "VALUES (1, 'console:a', 'Chile', 'x', 'x')")
    old.conn.commit()
    old.close()
    db = open_db(path)
    assert db.execute("SELECT slug, registration FROM groups").fetchall() == [("cg", "locked")]
    assert db.execute("SELECT user, delegation FROM members").fetchall() == [("console:a", "Chile")]
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    db.execute("UPDATE groups SET registration = 'approval'")
    db.execute("DELETE FROM groups")                       # the cascade still works after the rebuild
    assert db.execute("SELECT count(*) FROM members").fetchone() == (0,)
    assert isinstance(db, sqlite_utils.Database)
