"""Database work off the event loop.

SQLite lets one writer at a time hold the write lock; another process (the CLI importing a programme,
a backup) may hold it for seconds. A write made on the event loop would stop every other request while it
waits, reads included. So the front ends and the scheduler hand database work to a few threads, each
with its own connection: a write waits in its thread, the loop keeps answering (WAL lets reads through).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from storage.db import BUSY_TIMEOUT_MS, cannot_save, connect, write_health

MAX_WORKERS = 8


class DbWorkers:
    def __init__(self, path: str, max_workers: int = MAX_WORKERS):
        self.path = str(path)
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="convene-db")
        # Writes nobody waits for (dedupe keys) queue here, on one thread of their own: while another process
        # holds the lock they wait without taking a thread from the requests.
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="convene-db-writer")
        self._connections = []
        self._lock = threading.Lock()
        self.generation = 0      # rises after every call that changed the database (caches compare it)

    def _db(self):
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    def _call(self, fn, args, kwargs):
        db = self._db()
        before = db.conn.total_changes
        try:
            return fn(db, *args, **kwargs)
        finally:
            if db.conn.total_changes != before:
                with self._lock:
                    self.generation += 1

    async def run(self, fn, *args, **kwargs):
        """``fn(db, *args, **kwargs)`` in a worker thread, with that thread's connection."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(self._call, fn, args, kwargs))

    def background(self, fn, *args, **kwargs) -> None:
        """``fn(db, …)`` on the background writer; errors are logged, nobody awaits the result."""
        def call():
            try:
                self._call(fn, args, kwargs)
            except Exception as e:
                reason = cannot_save(e)
                if reason:              # the disk is full or read-only: /healthz says so; one line, no traceback
                    write_health.failed(reason)
                    logging.getLogger("convene.db").warning("background database write failed: cannot save (%s)",
                                                            reason)
                else:
                    logging.getLogger("convene.db").exception("background database write failed")
        self._writer.submit(call)

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()


class SharedCommit:
    """Requests handled on the event loop's connection that arrive together share one transaction: the first opens
    it (without waiting for the write lock) and schedules its commit for the loop's next turn; each runs inside a
    savepoint of its own; each is answered only once the shared commit is on disk ("received" still means
    saved), and when that commit fails, none of them is told anything was saved. Fifty delegations submitting at
    once cost one commit instead of fifty."""

    MAX = 8     # requests per shared commit: enough to spare most commits, few enough not to hold answers back

    def __init__(self, db):
        self.db = db
        self.done: asyncio.Future | None = None
        self.members = 0
        self._scheduled: asyncio.Handle | None = None

    @property
    def open(self) -> bool:
        return self.done is not None

    async def committed(self) -> bool:
        """Wait for the open shared transaction (if any) to end: True when it committed."""
        return await asyncio.shield(self.done) if self.done is not None else True

    async def run(self, fn, keep):
        """``fn()`` inside the shared transaction; ``keep(result)`` False undoes what it did at once (it could not
        run without waiting, or failed) and returns the result without waiting. Returns (result, saved), ``saved``
        False when the shared commit failed."""
        conn = self.db.conn
        if self.done is None:
            if conn.in_transaction:                 # someone else's transaction on this connection: stay out
                return fn(), True
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute("BEGIN")
            self.done = asyncio.get_running_loop().create_future()
            self.members = 0
            self._scheduled = asyncio.get_running_loop().call_soon(self._commit)
        conn.execute("SAVEPOINT convene_shared")
        try:
            result = fn()
        except BaseException:
            conn.execute("ROLLBACK TO convene_shared")
            conn.execute("RELEASE convene_shared")
            raise
        if not keep(result):
            conn.execute("ROLLBACK TO convene_shared")
            conn.execute("RELEASE convene_shared")
            return result, True
        conn.execute("RELEASE convene_shared")
        done = self.done
        self.members += 1
        if self.members >= self.MAX:
            self._scheduled.cancel()
            self._commit()
        return result, await asyncio.shield(done)

    def _commit(self) -> None:
        done, self.done, self._scheduled = self.done, None, None
        conn = self.db.conn
        try:
            conn.execute("COMMIT")
            ok = True
        except Exception as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            reason = cannot_save(e) or f"{type(e).__name__}: {e}"
            write_health.failed(reason)
            logging.getLogger("convene.db").warning("a shared commit failed (%s): the requests in it were told "
                                                    "nothing was saved", reason)
            ok = False
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        done.set_result(ok)


class InlineWorkers:
    """The same interface on the caller's own connection (tests that drive one piece directly, ``:memory:``)."""

    def __init__(self, db):
        self.db = db
        self.generation = 0      # the caller's own connection counts its changes itself

    async def run(self, fn, *args, **kwargs):
        return fn(self.db, *args, **kwargs)

    def background(self, fn, *args, **kwargs) -> None:
        try:
            fn(self.db, *args, **kwargs)
        except Exception:
            logging.getLogger("convene.db").exception("background database write failed")

    def close(self) -> None:
        pass


def workers_for(settings, db):
    path = getattr(settings, "db_path", None)
    return DbWorkers(path) if path and path != ":memory:" else InlineWorkers(db)
