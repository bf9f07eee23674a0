"""Small durable settings of the adapters (Matrix sync token, access token, direct rooms)."""
from __future__ import annotations

from storage.db import now_iso, query


def get(db, key: str) -> str | None:
    rows = list(query(db, "SELECT value FROM kv WHERE key = ?", [key]))
    return rows[0]["value"] if rows else None


def put(db, key: str, value: str) -> None:
    db.execute("INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
               "value = excluded.value, updated_at = excluded.updated_at", [key, value, now_iso()])


def delete(db, key: str) -> None:
    db.execute("DELETE FROM kv WHERE key = ?", [key])
