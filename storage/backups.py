"""Backups that happen: online copies (SQLite's backup API) into a folder, verified, rotated; and restoring a
copy into the database file of a stopped bot."""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from storage.db import StorageError, backup

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


def restore_into(db, source: str | os.PathLike) -> int:
    """Replace the whole content of ``db`` with the database file ``source`` (verified first), through SQLite's
    backup API so that the write-ahead log stays consistent. The caller makes sure no bot runs on ``db``."""
    check = integrity(source)
    if check != "ok":
        raise StorageError(f"{source} is not a sound database ({check}); nothing was changed")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        src.backup(db.conn)
    finally:
        src.close()
    return db.execute("PRAGMA page_count").fetchone()[0]
