"""Documents sent in chat, waiting between their preview and the coordinator's Import or Cancel."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import from_iso, to_iso

KEEP = timedelta(days=1)


@dataclass(frozen=True)
class PendingImport:
    id: int
    group_id: int
    user: str
    filename: str
    data: bytes
    options: dict
    created_at: datetime


def add(db, group_id: int, user: str, filename: str, data: bytes, options: dict, at: datetime) -> int:
    db.execute("DELETE FROM pending_imports WHERE created_at < ?", [to_iso(at - KEEP)])
    return db.execute("INSERT INTO pending_imports (group_id, user, filename, data, options, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      [group_id, user, filename, data, json.dumps(options), to_iso(at)]).lastrowid


def get(db, pending_id: int) -> PendingImport | None:
    row = db.execute("SELECT id, group_id, user, filename, data, options, created_at FROM pending_imports "
                     "WHERE id = ?", [pending_id]).fetchone()
    if row is None:
        return None
    return PendingImport(row[0], row[1], row[2], row[3], bytes(row[4]), json.loads(row[5]), from_iso(row[6]))


def remove(db, pending_id: int) -> bool:
    return db.execute("DELETE FROM pending_imports WHERE id = ?", [pending_id]).rowcount == 1
