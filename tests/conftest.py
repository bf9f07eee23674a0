"""Shared fixtures: a real SQLite file per test, a fixed clock, and a `bot` that runs whole commands."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from commands.core import Request
from commands.dispatch import handle
from commands.importing import import_file
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
        return handle(self.db, Request(platform=platform, room=room or self.room, user=user or self.user,
                                       command=command, text=text, options=options), self.clock)

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
    g = group_store.create_group(db, "cg", "Contact Group on Cooperation")
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


@pytest.fixture
def cli_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATRIX_"))}
    env["CONVENE_DB"] = str(tmp_path / "cli.db")
    env["CONVENE_ENV_FILE"] = str(tmp_path / "no.env")
    env["PYTHONPATH"] = str(ROOT)
    return env
