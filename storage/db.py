"""Opening the database: WAL, foreign keys, busy timeout, migrations."""
from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime, timezone

import sqlite_utils

from storage.schema import migrations

BUSY_TIMEOUT_MS = 10_000


class StorageError(Exception):
    """A storage rule was broken (e.g. a unique key); the message is for people."""


class Busy(StorageError):
    """Another connection holds the write lock, and this work was asked not to wait for it."""


CANNOT_SAVE = "Convene cannot save right now — nothing was changed. Please try again later; the operators are told."
_CANNOT_SAVE_CODES = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN")


def cannot_save(e: BaseException) -> str | None:
    """Why a write failed for reasons of the disk, not of the request — full, read-only, failing — or None."""
    name = getattr(e, "sqlite_errorname", "") or ""
    if isinstance(e, sqlite3.Error) and name.startswith(_CANNOT_SAVE_CODES):
        return str(e) or name
    if isinstance(e, OSError) and e.errno in (28, 30, 5):          # ENOSPC, EROFS, EIO
        return e.strerror or str(e)
    return None


class WriteHealth:
    """Whether this process could save the last time it tried: set failing when a write fails for reasons of the
    disk (``cannot_save``), cleared by the next write that succeeds (a request, or the probe /healthz makes while
    failing). ``failures`` counts them for /metrics."""

    def __init__(self):
        self.failing: str | None = None
        self.failures = 0

    def failed(self, reason: str) -> None:
        self.failing = reason
        self.failures += 1

    def succeeded(self) -> None:
        if self.failing is not None:
            self.failing = None

    def check(self, db) -> str:
        """"ok", or why the database cannot save; while failing, one small write tells whether it recovered."""
        if self.failing is None:
            return ping(db)
        try:
            with without_waiting(db):       # on the event loop: never wait for another process's lock
                stamp = now_iso()
                db.execute("INSERT OR REPLACE INTO kv (key, value, updated_at) VALUES ('health.write_probe', ?, ?)",
                           [stamp, stamp])
        except Busy:
            return f"error: cannot save ({self.failing})"
        except Exception as e:
            reason = cannot_save(e) or f"{type(e).__name__}"
            self.failing = reason
            return f"error: cannot save ({reason})"
        self.succeeded()
        return "ok"


write_health = WriteHealth()        # one per process


def is_busy(e: BaseException) -> bool:
    return isinstance(e, Busy) or (isinstance(e, sqlite3.OperationalError)
                                   and ("locked" in str(e) or "busy" in str(e)))


@contextlib.contextmanager
def without_waiting(db):
    """Run a unit of work as one transaction that never waits for the write lock: if it needs the lock while
    another connection holds it, everything it did is rolled back and ``Busy`` is raised (the caller runs it
    again where waiting is harmless). Reads never need the lock (WAL)."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN")
        try:
            yield db
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as e:
        if is_busy(e):
            raise Busy(str(e)) from e
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def connect(path: str | os.PathLike) -> sqlite_utils.Database:
    """A connection with the per-connection pragmas set, without running migrations."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def open_db(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open (creating if needed) the Convene database at ``path`` and bring its schema up to date."""
    path = str(path)
    if path != ":memory:":
        if os.path.exists(path) and os.path.isfile(path) and os.path.getsize(path) == 0 \
                and not os.path.exists(path + "-wal"):
            # A database file cut to nothing (a failed copy, a full disk) must not silently become a new, empty
            # database: every input would seem gone.
            raise StorageError(f"{path} exists but is empty: if you meant a new database, delete the empty file; "
                               "otherwise restore it from a backup")
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
    db = connect(path)
    if path != ":memory:":
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
    migrations.apply(db)
    return db


@contextlib.contextmanager
def write_tx(db: sqlite_utils.Database):
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    sqlite-utils' ``atomic()`` begins a deferred transaction: a writer that first reads and
    then writes cannot upgrade its lock when another connection committed in between, and
    SQLite answers "database is locked" at once, without waiting out the busy timeout.
    Taking the lock at BEGIN makes concurrent writers queue instead. Nested use is a savepoint.
    """
    conn = db.conn
    if conn.in_transaction:
        conn.execute("SAVEPOINT convene_nested")
        try:
            yield db
        except BaseException:
            conn.execute("ROLLBACK TO convene_nested")
            conn.execute("RELEASE convene_nested")
            raise
        conn.execute("RELEASE convene_nested")
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise


def query(db, sql: str, params=()):
    """Rows as dicts, straight from the connection. sqlite-utils' ``Database.query`` wraps every read in a
    SAVEPOINT and its RELEASE (two more statements per read), which the request paths cannot afford."""
    cur = db.conn.execute(sql, params)
    keys = [d[0] for d in cur.description]
    for row in cur:
        yield dict(zip(keys, row))


def ping(db) -> str:
    """"ok" when the database answers a query, else what went wrong (for /healthz)."""
    try:
        db.execute("SELECT 1").fetchone()
        return "ok"
    except Exception as e:
        return f"error: {type(e).__name__}"


def now_iso(moment: datetime | None = None) -> str:
    """UTC ISO 8601 for storage."""
    moment = moment or datetime.now(timezone.utc)
    return to_iso(moment)


def to_iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def to_iso_exact(moment: datetime | None) -> str | None:
    """``to_iso`` to the microsecond: for instants compared with a deadline (an input sent half a second after it
    is late, and must read back as late)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_iso(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(timezone.utc)


def backup(db: sqlite_utils.Database, target: str | os.PathLike) -> int:
    """Copy the live database to ``target`` with SQLite's online backup API (safe while the bot
    writes: the copy is a consistent snapshot). Returns the number of pages copied."""
    target = str(target)
    tmp = target + ".partial"
    if os.path.exists(tmp):
        os.remove(tmp)
    dest = sqlite3.connect(tmp)
    try:
        db.conn.backup(dest, pages=1024)
        pages = dest.execute("PRAGMA page_count").fetchone()[0]
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()
    os.replace(tmp, target)
    return pages
