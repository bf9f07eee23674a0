"""Shared fixtures: a real SQLite file per test, a fixed clock, and a `bot` that runs whole commands."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from commands.core import Request
from commands.dispatch import handle
from commands.importers.apply import import_file
from storage import groups as group_store
from storage import open_db

pytest_plugins = ["tests.slack_harness", "tests.matrix_harness"]   # the Slack and Matrix fixtures

FIXTURES = Path(__file__).parent / "fixtures"
SEED_AGENDA = FIXTURES / "special_session_agenda.txt"
SEED_PAPER = FIXTURES / "wp15_working_paper.txt"
ROOT = Path(__file__).resolve().parent.parent


class Clock:
    """An injectable clock: tests move time by hand, never sleep."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


class Bot:
    """Runs commands through the real command core, as the console adapter does."""

    def __init__(self, db, clock, room="console:main", user="console:ana"):
        self.db, self.clock, self.room, self.user = db, clock, room, user

    def reply(self, line: str, *, user: str | None = None, room: str | None = None, platform="console", **options):
        command, _, text = line.partition(" ")
        from bot import frontends
        return handle(self.db, Request(platform=platform, room=room or self.room, user=user or self.user,
                                       command=command, text=text, options=options,
                                       front_end=frontends.ALL.of(platform)), self.clock,
                      front_ends=frontends.ALL)

    def __call__(self, line: str, **kw) -> str:
        return self.reply(line, **kw).plain()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "convene.db"


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def clock():
    # Before the seed session (25 June 2010, 10:00 Geneva), on the Monday of that week.
    return Clock(datetime(2010, 6, 21, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def group(db):
    g = group_store.create_group(db, "cg", "Contact Group on Cooperation", registration="open")
    group_store.bind_room(db, g.id, "console:main")
    group_store.set_coordinator(db, g.id, "console:coord", True)
    return g


@pytest.fixture
def seeded(db, group):
    """The seed agenda and working paper imported as a coordinator would."""
    import_file(db, group, str(SEED_AGENDA))
    import_file(db, group, str(SEED_PAPER))
    return group


@pytest.fixture
def bot(db, clock, seeded):
    return Bot(db, clock)


def process_env(db_path, **settings) -> dict:
    """The environment of a real `convene` process in a test: this machine's, without any Slack or Matrix
    settings of its own and without a .env, on ``db_path``, plus ``settings`` (values made strings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATRIX_"))}
    env.update(CONVENE_DB=str(db_path), CONVENE_ENV_FILE=str(Path(db_path).parent / "none.env"), PYTHONPATH=str(ROOT))
    env.update({k: str(v) for k, v in settings.items()})
    return env


def slack_process_env(db_path, api_url: str, port: int, **settings) -> dict:
    """``process_env`` for the bot in Slack's HTTP mode against the fake Web API."""
    from tests.slack_harness import SECRET
    slack = dict(PORT=port, SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url)
    return process_env(db_path, **{**slack, **settings})


def session_soon(db_path, *, lead_seconds: int, offsets: str, title: str, key: str) -> float:
    """A group `cg` bound to slack:C0CG with one session starting ``lead_seconds`` from now (whole seconds, Geneva
    wall clock) and session reminders at ``offsets``; returns the session's start as a Unix time."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo
    from commands.importers.model import ParsedDocument, ParsedItem, ParsedSession
    from commands.importers.apply import import_document
    db = open_db(db_path)
    try:
        g = group_store.create_group(db, "cg", "Contact Group", registration="open")
        group_store.bind_room(db, g.id, "slack:C0CG")
        group_store.update_group(db, g.id, session_offsets=offsets, deadline_offsets="")
        zone = ZoneInfo("Europe/Zurich")
        start = datetime.now(zone).replace(tzinfo=None, microsecond=0) + timedelta(seconds=lead_seconds)
        import_document(db, g, ParsedDocument(sessions=[ParsedSession(
            key=key, title=title, start=start, end=start + timedelta(hours=1), timezone="Europe/Zurich",
            items=[ParsedItem(number="1", title="Opening")])]))
    finally:
        db.close()
    return start.replace(tzinfo=zone).timestamp()


@pytest.fixture
def cli_env(tmp_path):
    return process_env(tmp_path / "cli.db")
