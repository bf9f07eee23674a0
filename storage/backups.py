"""Backups that happen: online copies (SQLite's backup API) into a folder, verified, rotated; and restoring a
copy into the database file of a stopped bot."""
from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from storage.db import StorageError, backup, connect, open_db
from storage.schema import migrations

PREFIX = "convene-"
SUFFIX = ".db"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    pages: int
    removed: list[Path]


def integrity(path: str | os.PathLike) -> str:
    """``PRAGMA integrity_check`` of a database file: "ok" or the first problems SQLite reports."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as e:
        return f"not a database: {e}"
    finally:
        con.close()
    return "ok" if rows == ["ok"] else "; ".join(rows[:3])


def backup_into(db, folder: str | os.PathLike, keep: int, now: datetime | None = None) -> BackupResult:
    """A verified copy in ``folder`` named by its UTC time, then only the ``keep`` newest are kept. A copy that fails
    its integrity check is removed and the error raised (the older copies stay)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"{PREFIX}{stamp}{SUFFIX}"
    pages = backup(db, target)
    check = integrity(target)
    if check != "ok":
        target.unlink(missing_ok=True)
        raise StorageError(f"the backup failed its integrity check ({check}); it was removed")
    copies = sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    removed = copies[:-keep] if keep > 0 else []
    for old in removed:
        old.unlink(missing_ok=True)
    return BackupResult(target, pages, removed)


SQLITE_HEADER = b"SQLite format 3\x00"


def _refusal(source: Path) -> str | None:
    """Why ``source`` cannot be a Convene backup, read without changing it (None: it may be one)."""
    try:
        size = source.stat().st_size
        with open(source, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as e:
        return f"it cannot be read ({e.strerror or e})"
    if size == 0:
        return "it is empty"
    if head != SQLITE_HEADER:
        return "it is not an SQLite database"
    check = integrity(source)
    if check != "ok":
        return f"it is damaged ({check})"
    con = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        con.execute("PRAGMA trusted_schema = OFF")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "_sqlite_migrations" not in tables:
            return "it is not a Convene database (no Convene migrations in it)"
        applied = [r[0] for r in con.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", [migrations.name])]
    except sqlite3.DatabaseError as e:
        return f"it cannot be read ({e})"
    finally:
        con.close()
    if not applied:
        return "it is not a Convene database (no Convene migrations in it)"
    known = [m.name for m in migrations._migrations]
    unknown = [name for name in applied if name not in known]
    if unknown:
        return (f"it was made by a newer version of Convene (migration {unknown[0]} is unknown to this one): "
                "upgrade Convene first")
    return None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stage_restore(source: str | os.PathLike, folder: str | os.PathLike, extra_schema=None):
    """A new database in ``folder`` holding only the data of the backup ``source``: the file is checked (not empty,
    SQLite, sound, a Convene database of this version or an older one), a copy of it is brought up to date with the
    migrations (its triggers and views dropped first), and its rows are copied table by table, column by column, into
    a freshly migrated database, so that nothing but data comes across: no trigger, view, index or table the
    backup brought survives, and every row meets this version's constraints (NOT NULL, CHECK, foreign keys).
    ``extra_schema(path)`` creates the tables front ends keep in the database with their own libraries (Slack's
    installation store), so that their rows come across too. Raises StorageError with the reason; returns the
    staged database (the caller validates it further, then ``replace_with`` it)."""
    source = Path(source)
    reason = _refusal(source)
    if reason:
        raise StorageError(f"{source} is not a Convene backup: {reason}. Nothing was changed.")
    folder = Path(folder)
    copy, fresh_path = folder / "backup-copy.db", folder / "restored.db"
    shutil.copyfile(source, copy)
    con = sqlite3.connect(copy, isolation_level=None)
    try:
        con.execute("PRAGMA trusted_schema = OFF")
        con.execute("PRAGMA journal_mode = DELETE")
        found = con.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')").fetchall()
        for kind, name in found:
            con.execute(f"DROP {kind.upper()} IF EXISTS {_quoted(name)}")
    except sqlite3.DatabaseError as e:
        raise StorageError(f"{source} could not be read ({e}). Nothing was changed.")
    finally:
        con.close()
    try:
        older = connect(copy)
        try:
            older.execute("PRAGMA trusted_schema = OFF")
            migrations.apply(older)
        finally:
            older.close()
    except Exception as e:
        raise StorageError(f"{source} could not be brought up to this version of Convene ({type(e).__name__}: "
                           f"{e}). Nothing was changed.")
    fresh = open_db(fresh_path)
    if extra_schema is not None:
        extra_schema(str(fresh_path))
    conn = fresh.conn
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("ATTACH DATABASE ? AS backup", [str(copy)])
        ours = [r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT "
                                           "LIKE 'sqlite_%' AND name != '_sqlite_migrations' ORDER BY name")]
        theirs = {r[0] for r in conn.execute("SELECT name FROM backup.sqlite_master WHERE type = 'table'")}
        conn.execute("BEGIN IMMEDIATE")
        for table in ours:
            conn.execute(f'DELETE FROM main."{table}"')      # rows a migration or a store made on its own
            if table not in theirs:
                continue
            have = {r[1] for r in conn.execute(f'PRAGMA backup.table_info("{table}")')}
            cols = ", ".join(f'"{r[1]}"' for r in conn.execute(f'PRAGMA main.table_info("{table}")')
                             if r[1] in have)
            if cols:
                conn.execute(f'INSERT INTO main."{table}" ({cols}) SELECT {cols} FROM backup."{table}"')
        broken = conn.execute("PRAGMA main.foreign_key_check").fetchone()
        if broken:
            raise StorageError(f"{source} is not a sound Convene backup: a row of {broken[0]} refers to a missing "
                               f"row of {broken[2]}. Nothing was changed.")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE backup")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as e:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        fresh.close()
        raise StorageError(f"{source} is not a sound Convene backup: its data does not fit this version's tables "
                           f"({e}). Nothing was changed.")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        fresh.close()
        raise
    return fresh


def replace_with(db, staged) -> int:
    """Replace the whole content of ``db`` with the database ``staged`` (``stage_restore``), through SQLite's backup
    API so that the write-ahead log stays consistent. The caller makes sure no bot runs on ``db``."""
    staged.conn.backup(db.conn)
    return db.execute("PRAGMA page_count").fetchone()[0]
