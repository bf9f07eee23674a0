"""The Slack side as operators run it: the real process, Socket Mode, rate limits, Slack's size limits."""
import json
import subprocess
import sys

from bot.adapters.slack import blocks as bk
from bot.adapters.slack.app import SlackAdapter
from bot.config import Settings
from commands.reply import Reply, Section, line
from storage import open_db
from storage import submissions as sub_store
from tests.conftest import ROOT, slack_process_env
from tests.fakes.loop import BackgroundLoop
from tests.fakes.slack_requests import SlackSender, slash_body
from tests.slack_harness import SECRET, RunningBot, free_port, wait_http


def test_real_process_http_mode(fake_slack, slack_db_path, tmp_path):
    """`python -m bot run` with Slack settings serves signed commands on PORT and exits cleanly on SIGTERM."""
    port = free_port()
    env = slack_process_env(slack_db_path, fake_slack.url, port)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=30)
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET)
        assert sender.command("/convene", "iam Chile")[0] == 200
        status, body = sender.command("/submit", "2.6 Through the real process")
        assert status == 200 and "Received" in body["text"]
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    db = open_db(slack_db_path)
    assert [s.text for s in sub_store.of_group(db, 1)] == ["Through the real process"]


def test_socket_mode_command_round_trip(fake_slack, slack_db_path, clock):
    settings = Settings(db_path=str(slack_db_path), slack_bot_token="xoxb-test-token",
                        slack_app_token="xapp-1-test", slack_api_url=fake_slack.url, port=free_port())
    bot = RunningBot(settings, clock)
    try:
        assert fake_slack.ws_connected.wait(20)
        assert fake_slack.of("apps.connections.open")[0]["_auth"] == "Bearer xapp-1-test"
        from urllib.parse import parse_qsl
        payload = dict(parse_qsl(slash_body("/agenda", "2")))
        fake_slack.push_envelope({"envelope_id": "env-1", "type": "slash_commands", "payload": payload,
                                  "accepts_response_payload": True})
        ack = fake_slack.wait_ack("env-1")
        text = json.dumps(ack["payload"])
        assert "2.6" in text and "International cooperation and assistance: victim assistance" in text
    finally:
        bot.stop()


def test_rate_limited_post_is_retried_not_lost(fake_slack, slack_db_path, clock):
    settings = Settings(db_path=str(slack_db_path), slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                        slack_api_url=fake_slack.url)
    loop = BackgroundLoop()
    db = open_db(slack_db_path)
    try:
        adapter = loop.run(_make_adapter(settings, db, clock))
        fake_slack.rate_limit["chat.postMessage"] = 2
        reply = Reply(text="Reminder", sections=[Section(body=[line("Session tomorrow")])])
        loop.run(adapter.deliver(reply, "slack:C0CG"), timeout=30)
        loop.run(adapter.deliver(reply, "slack:U0ANA"), timeout=30)
        assert len(fake_slack.of("chat.postMessage:429")) == 2
        posted = fake_slack.of("chat.postMessage")
        assert [p["channel"] for p in posted] == ["C0CG", "DU0ANA"]
    finally:
        db.close()
        loop.close()


async def _make_adapter(settings, db, clock):
    return SlackAdapter(settings, db, clock)


def test_long_replies_stay_within_slack_limits():
    sections = [Section(heading=line(f"Item {i}"), body=[line("x" * 5000)]) for i in range(120)]
    reply = Reply(text="long", title="T" * 400, sections=sections, context=[line("hint")], timezone="Europe/Zurich")
    blocks = bk.reply_blocks(reply)
    assert len(blocks) <= 50
    assert len(blocks[0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "not shown" in json.dumps(blocks) and "/agenda 2" in json.dumps(blocks)
    assert blocks[-1]["elements"][0]["text"] == "hint"


def test_nudge_to_200_delegates_loses_none_under_rate_limits(fake_slack, slack_db_path, clock):
    """Deadline nudges through the real Slack adapter while the API answers 429s: every delegate gets one."""
    from datetime import timedelta

    from bot.scheduler import ReminderScheduler, Router
    from storage import agenda as agenda_store
    from storage import groups as group_store
    from storage import reminders as log_store

    db = open_db(slack_db_path)
    for i in range(200):
        group_store.set_delegation(db, 1, f"slack:U{i:04d}", f"Delegation {i:03d}")
    session = agenda_store.sessions_of_group(db, 1)[0]
    agenda_store.set_deadline(db, session.id, session.start - timedelta(days=1))
    group_store.update_group(db, 1, session_offsets="", deadline_offsets="2h")
    clock.set(session.start - timedelta(days=1, hours=2))
    settings = Settings(db_path=str(slack_db_path), slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                        slack_api_url=fake_slack.url)
    fake_slack.rate_limit["chat.postMessage"] = 3
    loop = BackgroundLoop()
    try:
        async def go():
            adapter = SlackAdapter(settings, db, clock)
            await ReminderScheduler(db, clock, Router([adapter])).sync()
        loop.run(go(), timeout=120)
    finally:
        loop.close()
    posted = fake_slack.of("chat.postMessage")
    dms = [p["channel"] for p in posted if p["channel"].startswith("DU") and p["channel"] != "DU0COORD"]
    assert sorted(dms) == sorted(f"DU{i:04d}" for i in range(200))
    assert len(fake_slack.of("chat.postMessage:429")) == 3
    # The status goes to the coordinator (the default), not to the room.
    assert [p["channel"] for p in posted if p["channel"] in ("C0CG", "DU0COORD")] == ["DU0COORD"]
    statuses = {e.status for e in log_store.all_entries(db)}
    assert statuses == {"sent"} and len(log_store.all_entries(db)) == 201
    db.close()


def test_refused_token_is_a_clear_startup_error(fake_slack, slack_db_path, tmp_path):
    fake_slack.fail["auth.test"] = "invalid_auth"
    env = slack_process_env(slack_db_path, fake_slack.url, free_port(), SLACK_BOT_TOKEN="xoxb-revoked")
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert "Slack refused the bot token (invalid_auth): check SLACK_BOT_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr
