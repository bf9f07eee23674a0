"""Workspaces a front end is installed in (several organisations, each with its own installation), and which
workspace a shared room is reached through. Nothing here knows a platform: the front end names its own table of
installations, its address prefix and the shape of its bare user ids.

The installations themselves are kept by the front end's own library in the same SQLite file (bolt's
``SQLite3InstallationStore`` for Slack), so a backup or a restore carries them with the groups.
"""
from __future__ import annotations

import re

from storage.db import now_iso, query, write_tx

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def installed_teams(db, table: str) -> list[str]:
    """Team ids with an installation in ``table`` (empty when the table does not exist yet)."""
    if not _IDENT.match(table):
        raise ValueError(f"not a table name: {table!r}")
    if table not in db.table_names():
        return []
    return [r["team_id"] for r in query(db, 
        f"SELECT DISTINCT team_id FROM {table} WHERE team_id != '' ORDER BY team_id")]


def remember_room(db, room: str, team_id: str) -> None:
    db.execute("INSERT INTO room_workspaces (room, team_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (room) "
               "DO UPDATE SET team_id = excluded.team_id, updated_at = excluded.updated_at",
               [room, team_id, now_iso()])


def room_teams(db, platform: str) -> dict[str, str]:
    """Room id (without the platform) → the workspace it was last used through."""
    prefix = platform + ":"
    return {r["room"][len(prefix):]: r["team_id"] for r in query(db, 
        "SELECT room, team_id FROM room_workspaces WHERE substr(room, 1, ?) = ?", [len(prefix), prefix])}


# Columns holding people's addresses; rows written before addresses carried their workspace are qualified once.
_USER_COLUMNS = (("submissions", "author"), ("submission_history", "author"))


def _legacy(col: str) -> str:
    return f"GLOB ? AND {col} NOT GLOB ?"


def unqualified_users(db, platform: str, bare: str) -> int:
    """Member rows naming a person as ``platform:BARE`` (``bare``: a GLOB of a bare id) without a workspace."""
    return db.execute(f"SELECT count(*) FROM members WHERE user {_legacy('user')}",
                      [f"{platform}:{bare}", f"{platform}:*:*"]).fetchone()[0]


def qualify_users(db, platform: str, bare: str, team_id: str) -> int:
    """Give every ``platform:ID`` address its workspace (``platform:TEAM:ID``), in one transaction. A member row
    that already exists qualified (the same person seen since) absorbs the old one: coordinator if either was,
    the delegation of the newer if it has one. Returns how many member rows changed."""
    old, new = f"{platform}:", f"{platform}:{team_id}:"
    args = [f"{platform}:{bare}", f"{platform}:*:*"]
    with write_tx(db):
        db.execute("""
            UPDATE members AS q SET
                is_coordinator = max(q.is_coordinator, coalesce((SELECT o.is_coordinator FROM members o
                    WHERE o.group_id = q.group_id AND o.user = ? || substr(q.user, length(?) + 1)), 0)),
                delegation = coalesce(q.delegation, (SELECT o.delegation FROM members o
                    WHERE o.group_id = q.group_id AND o.user = ? || substr(q.user, length(?) + 1)))
            WHERE substr(q.user, 1, length(?)) = ?""", [old, new, old, new, new, new])
        db.execute(f"""DELETE FROM members WHERE user {_legacy('user')} AND EXISTS (SELECT 1 FROM members q
                       WHERE q.group_id = members.group_id AND q.user = ? || substr(members.user, length(?) + 1))""",
                   [*args, new, old])
        changed = db.execute(f"UPDATE members SET user = ? || substr(user, length(?) + 1) WHERE user {_legacy('user')}",
                             [new, old, *args]).rowcount
        for table, col in _USER_COLUMNS:
            db.execute(f"UPDATE {table} SET {col} = ? || substr({col}, length(?) + 1) WHERE {col} {_legacy(col)}",
                       [new, old, *args])
        # A delivery's key ends with its target ("…#platform:ID"): both change, so nothing is sent again.
        db.execute(f"""UPDATE reminder_log SET key = substr(key, 1, length(key) - length(target)) || ? ||
                       substr(target, length(?) + 1), target = ? || substr(target, length(?) + 1)
                       WHERE target {_legacy('target')}""", [new, old, new, old, *args])
    return changed
