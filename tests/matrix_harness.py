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


class BotProcess:
    """The real `convene run` process on the world's database, its log in ``log_path``; killed for real."""

    def __init__(self, world: MatrixWorld, log_path, **env):
        from tests.conftest import process_env
        self.world = world
        self.env = process_env(world.db_path, MATRIX_HOMESERVER=world.hs.url, MATRIX_USER_ID=world.bot_user.user_id,
                               MATRIX_PASSWORD=world.bot_user.password, **env)
        self.log_path = log_path
        self.proc = None

    def start(self, failpoint: str | None = None) -> "BotProcess":
        import subprocess
        import sys
        from tests.conftest import ROOT
        env = dict(self.env)
        if failpoint:
            env["CONVENE_FAILPOINT"] = failpoint
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        return self

    def kill(self) -> None:
        import signal
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait(20)

    def terminate(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout)

    def log(self) -> str:
        from pathlib import Path
        return Path(self.log_path).read_text()


def answers_by_target(user, room, bot_user_id: str, limit: int = 1000) -> dict[str, int]:
    """How many of the bot's messages reply to each event (a receipt, an answer, a hint)."""
    counts: dict[str, int] = {}
    for e in user.messages(room, sender=bot_user_id, limit=limit):
        target = ((e["content"].get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")
        counts[target] = counts.get(target, 0) + 1
    return counts


def bound_room(world: MatrixWorld, slug: str = "rm"):
    """A room the bot already sits in, bound to a group with the seed agenda; Ana registered for Chile and the
    coordinator a coordinator (the bot has not started yet)."""
    from commands.importers.apply import import_file
    from storage import groups as group_store
    from tests.conftest import SEED_AGENDA
    m = world
    room = m.coord.create_room("Contact group", invite=[m.bot_user.user_id, m.ana.user_id, m.bob.user_id])
    m.ana.join(room)
    m.bob.join(room)
    m.bot_user.join(room)
    g = group_store.create_group(m.check, slug, "RM group", registration="open")
    group_store.bind_room(m.check, g.id, f"matrix:{room}")
    group_store.set_delegation(m.check, g.id, f"matrix:{m.ana.user_id}", "Chile")
    group_store.set_coordinator(m.check, g.id, f"matrix:{m.coord.user_id}", True)
    import_file(m.check, g, str(SEED_AGENDA))
    return room, g
