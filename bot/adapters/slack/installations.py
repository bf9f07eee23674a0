"""Slack installations across workspaces, kept by slack_sdk's own SQLite stores in the bot's database.

The OAuth install flow, the installation store and the state store are slack_sdk's (``SQLite3InstallationStore``,
``SQLite3OAuthStateStore``): they create their tables (``slack_installations``, ``slack_bots``,
``slack_oauth_states``) in the same SQLite file, so a backup or a restore carries the tokens with the groups.
"""
from __future__ import annotations

import logging
import sqlite3

from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from commands.adapter_state import settings as kv
from commands.adapter_state import workspaces

log = logging.getLogger("convene.slack")

STATE_EXPIRES = 600         # seconds an "Add to Slack" link stays valid between /slack/install and the redirect
BOTS_TABLE = "slack_bots"   # slack_sdk's table of installed bots (one row per workspace)
BARE_USER = "[UW][A-Z0-9]*"  # a Slack user id, as stored before ids carried their workspace
HOME_TEAM_KEY = "slack.home_team"
BUSY_SECONDS = 5            # the stores' short connections wait this long for the write lock (WAL: reads never do)


class Installations(SQLite3InstallationStore):
    """slack_sdk's SQLite installation store on the bot's database; its short connections wait for the write lock
    instead of failing at once (no SQL of ours here: the store's own)."""

    def connect(self) -> sqlite3.Connection:
        if not self.init_called:
            self.init()
        return sqlite3.connect(database=self.database, timeout=BUSY_SECONDS)

    # slack_sdk's SQLite store implements these only synchronously; bolt's uninstall listeners call the async ones.
    async def async_delete_bot(self, *, enterprise_id, team_id) -> None:
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(self, *, enterprise_id, team_id, user_id=None) -> None:
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)


class States(SQLite3OAuthStateStore):
    def connect(self) -> sqlite3.Connection:
        if not self.init_called:
            self.init()
        return sqlite3.connect(database=self.database, timeout=BUSY_SECONDS)


def installation_store(db_path: str, client_id: str) -> Installations:
    return Installations(database=str(db_path), client_id=client_id, logger=log)


def state_store(db_path: str) -> States:
    return States(database=str(db_path), expiration_seconds=STATE_EXPIRES, logger=log)


def create_tables(db_path: str) -> None:
    """The stores' own tables in a new database file (``convene restore`` copies their rows into them)."""
    Installations(database=str(db_path), client_id="restore", logger=log).create_tables()
    States(database=str(db_path), expiration_seconds=STATE_EXPIRES, logger=log).create_tables()


def installed_teams(db) -> list[str]:
    return workspaces.installed_teams(db, BOTS_TABLE)


def remember_home_team(db, team_id: str) -> None:
    """One-token mode: the workspace of SLACK_BOT_TOKEN, so that the CLI can qualify ``slack:U…`` with it."""
    if kv.get(db, HOME_TEAM_KEY) != team_id:
        kv.put(db, HOME_TEAM_KEY, team_id)


def known_teams(db) -> list[str]:
    """The workspaces Convene knows it runs in: installed ones, and the one-token workspace."""
    home = kv.get(db, HOME_TEAM_KEY)
    return sorted(set(installed_teams(db)) | ({home} if home else set()))


def unqualified_users(db) -> int:
    return workspaces.unqualified_users(db, "slack", BARE_USER)


def qualify_users(db, team_id: str) -> int:
    return workspaces.qualify_users(db, "slack", BARE_USER, team_id)


def channel_teams(db) -> dict[str, str]:
    return workspaces.room_teams(db, "slack")


def remember_channel(db, channel: str, team_id: str) -> None:
    workspaces.remember_room(db, f"slack:{channel}", team_id)
