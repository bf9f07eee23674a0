"""The audit log: who changed a group's set-up, what, and when."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import from_iso, query, to_iso


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    detail: str
    at: datetime


def record(db, group_id: int, actor: str, action: str, detail: str, at: datetime) -> None:
    db.execute("INSERT INTO audit_log (group_id, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)",
               [group_id, actor, action, detail, to_iso(at)])


def of_group(db, group_id: int, limit: int = 50) -> list[AuditEntry]:
    return [AuditEntry(r["actor"], r["action"], r["detail"], from_iso(r["at"])) for r in query(
        db, "SELECT actor, action, detail, at FROM audit_log WHERE group_id = ? ORDER BY id DESC LIMIT ?",
        [group_id, limit])]
