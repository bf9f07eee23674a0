"""Fixtures for Slack tests: the fake Web API, and the real bot (HTTP mode) on a background loop."""
from __future__ import annotations

import asyncio
import socket
import time
import urllib.request

import pytest

from bot.config import Settings
from bot.runtime import serve
from commands.importers.apply import import_file
from storage import groups as group_store
from storage import open_db
from tests.conftest import SEED_AGENDA, SEED_PAPER
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_requests import SlackSender

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not come up")


class RunningBot:
    def __init__(self, settings, clock):
        self.settings = settings
        self.loop = BackgroundLoop()
        self.db = open_db(settings.db_path)
        self.stop_event = None
        self.clock = clock

        async def make_event():
            return asyncio.Event()
        self.stop_event = self.loop.run(make_event())
        self.future = self.loop.submit(serve(settings, self.db, clock=clock, stop=self.stop_event))

    def stop(self):
        self.loop.loop.call_soon_threadsafe(self.stop_event.set)
        self.future.result(20)
        self.loop.close()
        self.db.close()


@pytest.fixture
def fake_slack():
    api = FakeSlackAPI()
    yield api
    api.close()


@pytest.fixture
def slack_db_path(tmp_path):
    path = tmp_path / "slack.db"
    db = open_db(path)
    g = group_store.create_group(db, "cg", "Contact Group on Cooperation", registration="open")
    group_store.bind_room(db, g.id, "slack:C0CG")
    group_store.set_coordinator(db, g.id, "slack:U0COORD", True)
    import_file(db, g, str(SEED_AGENDA))
    import_file(db, g, str(SEED_PAPER))
    db.close()
    return path


@pytest.fixture
def slack_bot(fake_slack, slack_db_path, clock):
    port = free_port()
    settings = Settings(db_path=str(slack_db_path), slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                        slack_api_url=fake_slack.url, port=port)
    bot = RunningBot(settings, clock)
    wait_http(f"http://127.0.0.1:{port}/healthz")
    bot.sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET)
    bot.check = open_db(slack_db_path)
    yield bot
    bot.check.close()
    bot.stop()


@pytest.fixture
def web_bot(fake_slack, slack_db_path, clock):
    """The real bot (serve(): Slack HTTP mode) with CONVENE_PUBLIC_URL set, on a free port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(db_path=str(slack_db_path), slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                        slack_api_url=fake_slack.url, port=port, public_url=base)
    bot = RunningBot(settings, clock)
    wait_http(f"{base}/healthz")
    bot.base = base
    bot.sender = SlackSender(f"{base}/slack/events", SECRET)
    bot.check = open_db(slack_db_path)
    bot.group = group_store.group_by_slug(bot.check, "cg")
    from storage import feeds as feed_store
    bot.page_url = f"{base}/groups/{feed_store.token_of(bot.check, bot.group.id)}/"
    yield bot
    bot.check.close()
    bot.stop()
