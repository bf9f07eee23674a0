"""Fixtures for the Matrix tests: one real Synapse for the whole suite, fresh users per test, and
the real bot (Matrix adapter + scheduler) on a background loop."""
from __future__ import annotations

import itertools

import pytest

from bot.config import Settings
from storage import open_db
from tests.fakes.synapse import Synapse
from tests.slack_harness import RunningBot

_ids = itertools.count(1)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    hs = Synapse(tmp_path_factory.mktemp("synapse")).start()
    yield hs
    hs.stop()


class MatrixWorld:
    def __init__(self, hs, tmp_path, clock, allowed=()):
        n = next(_ids)
        self.hs = hs
        self.bot_user = hs.register(f"convene{n}")
        self.coord = hs.register(f"coord{n}")
        self.ana = hs.register(f"ana{n}")
        self.bob = hs.register(f"bob{n}")
        self.db_path = tmp_path / "matrix.db"
        self.clock = clock
        self.allowed = allowed
        self.bot: RunningBot | None = None
        self.check = open_db(self.db_path)

    def settings(self) -> Settings:
        return Settings(db_path=str(self.db_path), matrix_homeserver=self.hs.url,
                        matrix_user_id=self.bot_user.user_id, matrix_password=self.bot_user.password,
                        matrix_allowed_servers=tuple(self.allowed))

    def start(self):
        self.bot = RunningBot(self.settings(), self.clock)
        return self

    def stop(self):
        if self.bot is not None:
            self.bot.stop()
            self.bot = None

    def wait_synced(self, timeout=30):
        """Until the bot has finished its first sync (its sync token is stored)."""
        import time
        from storage import kv
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if kv.get(self.check, f"matrix:next_batch:{self.bot_user.user_id}"):
                return
            time.sleep(0.1)
        raise AssertionError("the bot did not complete its first sync")

    def bot_said(self, user, room, count, timeout=20):
        return user.wait_for(room, self.bot_user.user_id, count, timeout)


@pytest.fixture
def matrix(synapse, tmp_path, clock):
    world = MatrixWorld(synapse, tmp_path, clock)
    yield world
    world.stop()
    world.check.close()
