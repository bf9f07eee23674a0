"""Slack installations across workspaces, in the bot's own database.

The OAuth install flow, the installation store and the state store are slack_sdk's own
(``SQLite3InstallationStore``, ``SQLite3OAuthStateStore``): they create their tables
(``slack_installations``, ``slack_bots``, ``slack_oauth_states``) in the same SQLite file, so a backup or a
restore carries the tokens with the groups. This module builds them and holds the little SQL Convene adds:
which workspace a channel is reached through, which teams are installed, and the one-time qualification of
user ids written before identities carried their team (``slack:U…`` → ``slack:T…:U…``).
"""
from __future__ import annotations

import logging
import sqlite3

from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from storage.db import now_iso, write_tx

log = logging.getLogger("convene.storage")

STATE_EXPIRES = 600     # seconds an "Add to Slack" link stays valid between /slack/install and the redirect


class Installations(SQLite3InstallationStore):
    """slack_sdk's SQLite installation store on the bot's database, with the busy timeout every connection to
    it has (the store opens a short connection per call; WAL lets it read while the bot writes)."""

    def connect(self) -> sqlite3.Connection:
        conn = super().connect()
        conn.execute("PRAGMA busy_timeout = 5000")
        return conn

    # slack_sdk's SQLite store implements these only synchronously; bolt's uninstall listeners call the async ones.
    async def async_delete_bot(self, *, enterprise_id, team_id) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(self, *, enterprise_id, team_id, user_id=None) -> None:
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


class States(SQLite3OAuthStateStore):
    def connect(self) -> sqlite3.Connection:
        conn = super().connect()
        conn.execute("PRAGMA busy_timeout = 5000")
        return conn


def installation_store(db_path: str, client_id: str) -> Installations:
    return Installations(database=str(db_path), client_id=client_id, logger=log)


def state_store(db_path: str) -> States:
    return States(database=str(db_path), expiration_seconds=STATE_EXPIRES, logger=log)


def installed_teams(db) -> list[str]:
    """Team ids with a bot installed (empty when the OAuth tables do not exist: one-token mode)."""
    if "slack_bots" not in db.table_names():
        return []
    return [r["team_id"] for r in db.query(
        "SELECT DISTINCT team_id FROM slack_bots WHERE team_id != '' ORDER BY team_id")]


HOME_TEAM_KEY = "slack.home_team"


def remember_home_team(db, team_id: str) -> None:
    """One-token mode: the workspace of SLACK_BOT_TOKEN, so that the CLI can qualify ``slack:U…`` with it."""
    from storage import kv
    if kv.get(db, HOME_TEAM_KEY) != team_id:
        kv.put(db, HOME_TEAM_KEY, team_id)


def known_teams(db) -> list[str]:
    """The workspaces Convene knows it runs in: installed ones, and the one-token workspace."""
    from storage import kv
    teams = installed_teams(db)
    home = kv.get(db, HOME_TEAM_KEY)
    return sorted(set(teams) | ({home} if home else set()))


def remember_channel(db, channel: str, team_id: str) -> None:
    db.execute("INSERT INTO slack_channels (channel, team_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (channel) "
               "DO UPDATE SET team_id = excluded.team_id, updated_at = excluded.updated_at",
               [channel, team_id, now_iso()])


def channel_teams(db) -> dict[str, str]:
    return {r["channel"]: r["team_id"] for r in db.query("SELECT channel, team_id FROM slack_channels")}


# Columns holding user ids; rows written before identities carried their team are qualified once, on start.
_USER_COLUMNS = (("submissions", "author"), ("submission_history", "author"))
_LEGACY = "GLOB 'slack:[UW][A-Z0-9]*' AND {col} NOT GLOB 'slack:*:*'"


def unqualified_users(db) -> int:
    """How many member rows still name a Slack user without its team."""
    return db.execute(f"SELECT count(*) FROM members WHERE user {_LEGACY.format(col='user')}").fetchone()[0]


def qualify_users(db, team_id: str) -> int:
    """Give every ``slack:U…`` id its team (``slack:T…:U…``), in one transaction. A member row that already
    exists qualified (the same person seen since) absorbs the old one: coordinator if either was, the delegation
    and name of the newer. Returns how many member rows changed."""
    prefix = f"slack:{team_id}:"
    legacy = _LEGACY.format(col="user")
    with write_tx(db):
        db.execute("""
            UPDATE members AS q SET
                is_coordinator = max(q.is_coordinator, coalesce((SELECT o.is_coordinator FROM members o
                    WHERE o.group_id = q.group_id AND o.user = 'slack:' || substr(q.user, length(?) + 1)), 0)),
                delegation = coalesce(q.delegation, (SELECT o.delegation FROM members o
                    WHERE o.group_id = q.group_id AND o.user = 'slack:' || substr(q.user, length(?) + 1)))
            WHERE q.user GLOB ? || '*'""", [prefix, prefix, prefix])
        db.execute(f"""DELETE FROM members WHERE user {legacy} AND EXISTS (SELECT 1 FROM members q
                       WHERE q.group_id = members.group_id AND q.user = ? || substr(members.user, 7))""", [prefix])
        changed = db.execute(f"UPDATE members SET user = ? || substr(user, 7) WHERE user {legacy}", [prefix]).rowcount
        for table, col in _USER_COLUMNS:
            if table in db.table_names():
                db.execute(f"UPDATE {table} SET {col} = ? || substr({col}, 7) WHERE {col} {_LEGACY.format(col=col)}",
                           [prefix])
        # A delivery's key ends with its target ("…#slack:U…"): both change, so nothing is sent again.
        db.execute(f"""UPDATE reminder_log SET key = substr(key, 1, length(key) - length(target)) || ? ||
                       substr(target, 7), target = ? || substr(target, 7) WHERE target {_LEGACY.format(col="target")}""",
                   [prefix, prefix])
    return changed
