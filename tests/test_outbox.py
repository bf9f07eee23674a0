"""One outbox: messages the bot sends on its own reach the front end that owns the address, whichever front end
caused them; every delivery is recorded; failures are retried, then recorded as failed."""
from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone

import pytest

from bot.config import Settings
from bot.outbox import Outbox
from commands.importers.apply import import_file
from commands.reply import Reply, Section, When, line
from commands import reply_codec
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import outbox as out_store
from tests.conftest import SEED_AGENDA
from tests.fakes.slack_requests import SlackSender
from tests.slack_harness import SECRET, RunningBot, free_port, wait_http


def test_slack_and_matrix_in_one_process_tell_each_others_coordinators(synapse, matrix, fake_slack, clock):
    """A late input sent from Slack tells the coordinator who lives on Matrix, and the other way round."""
    m = matrix
    room = m.coord.create_room("Contact group", invite=[m.bot_user.user_id, m.ana.user_id])
    m.ana.join(room)
    db = m.check
    g = group_store.create_group(db, "cg", "Contact Group on Cooperation", registration="open")
    group_store.bind_room(db, g.id, "slack:C0CG")
    group_store.bind_room(db, g.id, f"matrix:{room}")
    group_store.set_coordinator(db, g.id, f"matrix:{m.coord.user_id}", True)     # lives on Matrix
    group_store.set_coordinator(db, g.id, "slack:T0TEST:U0COORD", True)           # lives on Slack
    group_store.set_delegation(db, g.id, "slack:T0TEST:U0ANA", "Chile")
    group_store.set_delegation(db, g.id, f"matrix:{m.ana.user_id}", "Peru")
    import_file(db, g, str(SEED_AGENDA))
    [session] = agenda_store.sessions_of_group(db, g.id)
    agenda_store.set_deadline(db, session.id, datetime(2010, 6, 20, 15, 0, tzinfo=timezone.utc))   # passed
    port = free_port()
    settings = Settings(db_path=str(m.db_path), slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                        slack_api_url=fake_slack.url, port=port, matrix_homeserver=m.hs.url,
                        matrix_user_id=m.bot_user.user_id, matrix_password=m.bot_user.password)
    m.bot = RunningBot(settings, clock)
    wait_http(f"http://127.0.0.1:{port}/healthz")
    m.bot_said(m.coord, room, 1)                                   # the bot joined (its welcome)
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET)

    # Slack → Matrix
    _, body = sender.command("/submit", "2.1 Sorry for the delay", user="U0ANA")
    assert "the deadline had passed" in json.dumps(body["blocks"])
    dm = m.coord.accept_direct_room()
    [note] = m.bot_said(m.coord, dm, 1)
    assert note["content"]["body"].startswith("Late input: Chile on #1 Special Session on International Cooper… · 2.1")

    # Matrix → Slack
    m.ana.send(room, "!submit 2.2 Our late view")
    m.bot_said(m.ana, room, 2)
    deadline = time.monotonic() + 20
    while not any("Peru" in p["text"] for p in fake_slack.of("chat.postMessage")):
        assert time.monotonic() < deadline, "the Slack coordinator was not told"
        time.sleep(0.05)
    # Each Slack coordinator's notice went to their direct conversation: Chile's (caused on Slack), Peru's (Matrix).
    assert [p["users"] for p in fake_slack.of("conversations.open")] == ["U0COORD", "U0COORD"]
    dms = [p["text"].split(" in ")[0] for p in fake_slack.of("chat.postMessage") if p["channel"] == "DU0COORD"]
    assert dms == ["Late input: Chile on #1 · 2.1", "Late input: Peru on #1 · 2.2"]

    # Every notice is recorded and sent once: each coordinator heard of both late inputs, on their own platform.
    # (A delivery is marked sent once the platform has answered: a moment after the fake Slack saw the call.)
    expected = [("matrix:" + m.coord.user_id, "notice", "sent")] * 2 + [("slack:T0TEST:U0COORD", "notice", "sent")] * 2
    deadline = time.monotonic() + 10
    while True:
        rows = sorted((r["target"], r["cause"], r["status"]) for r in db.query("SELECT * FROM outbox"))
        if rows == expected or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert rows == expected
    notes = [e["content"]["body"].split(" in Contact")[0] for e in m.bot_said(m.coord, dm, 2)]
    assert notes == ["Late input: Chile on #1 Special Session on International Cooper… · 2.1",
                     "Late input: Peru on #1 Special Session on International Cooper… · 2.2"]


class Flaky:
    """A front end that fails ``failures`` times, then delivers."""

    def __init__(self, failures: int, error: Exception | None = None):
        self.failures, self.error, self.got, self.keys = failures, error or ConnectionError("network down"), [], []

    def owns(self, target):
        return target.startswith("test:")

    async def deliver(self, reply, target, key=None):
        if self.failures:
            self.failures -= 1
            raise self.error
        self.got.append((target, reply.plain()))
        self.keys.append(key)


def run_outbox(db, clock, front_end, body):
    async def go():
        box = Outbox(db, clock, [front_end], retry_delays=(0.01, 0.01, 0.01))
        await box.start()
        try:
            await body(box)
            await box.drain()
        finally:
            await box.stop()
    asyncio.run(go())


def test_a_notice_is_on_disk_before_it_is_sent_and_retried_until_it_arrives(db, clock):
    flaky = Flaky(failures=2)

    async def body(box):
        delivery_id = await box.post("test:coord", Reply(text="Late input: Chile on 2.1"))
        assert out_store.get(db, delivery_id).body                 # recorded before any attempt

    run_outbox(db, clock, flaky, body)
    [d] = out_store.recent(db)
    assert (d.status, d.attempts, flaky.got) == ("sent", 3, [("test:coord", "Late input: Chile on 2.1")])
    assert flaky.keys == [f"outbox.{d.id}"]                        # the same key on every attempt (idempotent sends)


def test_a_notice_that_keeps_failing_is_recorded_as_failed(db, clock):
    flaky = Flaky(failures=99)
    run_outbox(db, clock, flaky, lambda box: box.post("test:coord", Reply(text="x")))
    [d] = out_store.recent(db)
    assert (d.status, d.attempts, d.error) == ("failed", 4, "network down")


def test_an_address_no_front_end_owns_is_not_sent_here(db, clock):
    flaky = Flaky(failures=0)

    async def body(box):
        await box.post("elsewhere:coord", Reply(text="x"))
        with pytest.raises(LookupError, match="no connected front end for elsewhere"):
            await box.deliver("elsewhere:coord", Reply(text="reminder"))

    run_outbox(db, clock, flaky, body)
    statuses = {d.target + " " + d.cause: d.status for d in out_store.recent(db)}
    # A notice stays queued for a process that has that platform; a reminder (sent now) is recorded as failed.
    assert statuses == {"elsewhere:coord notice": "queued", "elsewhere:coord reminder": "failed"}


def test_after_a_crash_what_was_being_sent_is_uncertain_and_not_resent(db, clock):
    out_store.enqueue(db, "test:a", reply_codec.dumps(Reply(text="half-sent")), "notice", clock(), "sending")
    out_store.enqueue(db, "test:b", reply_codec.dumps(Reply(text="never sent")), "notice", clock())
    flaky = Flaky(failures=0)
    run_outbox(db, clock, flaky, lambda box: asyncio.sleep(0))
    assert flaky.got == [("test:b", "never sent")]
    assert {d.target: d.status for d in out_store.recent(db)} == {"test:a": "uncertain", "test:b": "sent"}


def test_the_codec_keeps_what_a_notice_carries():
    moment = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
    reply = Reply(text="Reminder", title="Session tomorrow", public=True, timezone="Europe/Zurich",
                  sections=[Section(heading=line("Starts ", When(moment, "Europe/Zurich", "datetime")),
                                    body=[line("Item 1")])], context=[line("More: ", "agenda")])
    back = reply_codec.loads(reply_codec.dumps(reply))
    assert back == reply
    with pytest.raises(ValueError, match="only messages"):
        reply_codec.dumps(Reply(text="x", notices=[("a", Reply(text="y"))]))
