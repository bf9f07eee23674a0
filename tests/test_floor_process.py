"""The speakers' list in a real `convene run` process (Slack HTTP mode, fake Web API), killed with SIGKILL: in the
middle of a timed statement (the restart keeps the timer: 30 s left and time up come once each, the rolling list
is the same message, edited), and between the Chair's call and its posting (nothing lost, the call not repeated)."""
from __future__ import annotations

import signal
import time

from storage import floor as floor_store
from storage import groups as group_store
from storage import open_db
from tests.conftest import session_soon, slack_process_env
from tests.fakes.slack_requests import SlackSender
from tests.floor_scenario import wait_until
from tests.harness import slack_plain
from tests.slack_harness import SECRET, free_port, wait_http
from tests.test_reminders_e2e import move_clock, start_bot


def _setup(tmp_path):
    db_path = tmp_path / "floor.db"
    session_soon(db_path, lead_seconds=3600, offsets="1d", title="Floor session", key="floor")
    db = open_db(db_path)
    try:
        g = group_store.group_by_slug(db, "cg")
        group_store.set_coordinator(db, g.id, "slack:T0TEST:U0COORD", True)
    finally:
        db.close()
    return db_path


def _dms(api, user):
    return [slack_plain(p) for p in api.of("chat.postMessage") if p.get("channel") == f"D{user}"]


def _rolling(api):
    return [(m, p) for m, p in api.calls if m in ("chat.postMessage", "chat.update") and p.get("channel") == "C0CG"
            and str(p.get("text", "")).startswith("Speakers — ")]


def _running(env, port):
    bot = start_bot(env)
    wait_http(f"http://127.0.0.1:{port}/healthz", timeout=20)
    return bot


def _speech(db_path):
    db = open_db(db_path)
    try:
        return floor_store.speeches(db, 1)
    finally:
        db.close()


def test_restart_in_the_middle_of_a_timed_statement(fake_slack, tmp_path):
    db_path = _setup(tmp_path)
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    port = free_port()
    env = slack_process_env(db_path, fake_slack.url, port, CONVENE_TEST_CLOCK_FILE=clock_file)
    send = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET)
    bot = _running(env, port)
    try:
        assert send.command("/convene", "iam Chile", user="U0CHILE")[0] == 200
        assert send.command("/floor", "open 1", user="U0COORD")[0] == 200
        assert send.command("/floor", "request", user="U0CHILE")[0] == 200
        status, body = send.command("/floor", "next", user="U0COORD")
        assert "Chile has the floor (5:00 min)." in slack_plain(body)
        wait_until(lambda: any("0:00 of 5:00" in slack_plain(p) for _, p in _rolling(fake_slack)), 10)
        wait_until(lambda: _dms(fake_slack, "U0CHILE"), 10)
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
    [speech] = _speech(db_path)
    started = speech.started_at.timestamp()
    move_clock(clock_file, started + 272)          # down across "30 s left"
    bot = _running(env, port)
    try:
        wait_until(lambda: any("30 seconds left" in t for t in _dms(fake_slack, "U0CHILE")), 15)
        wait_until(lambda: any("of 5:00" in slack_plain(p) and "4:3" in slack_plain(p)
                               for _, p in _rolling(fake_slack)), 15)
        move_clock(clock_file, started + 301)
        wait_until(lambda: any("Time is up" in t for t in _dms(fake_slack, "U0CHILE")), 15)
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
    bot = _running(env, port)                      # a second restart repeats nothing
    try:
        time.sleep(2.5)
    finally:
        bot.terminate()
        bot.wait(20)
    told = _dms(fake_slack, "U0CHILE")
    assert [t.split(" of ")[0].split(":")[0] for t in told] == [
        "Chile has the floor on 1. Opening. You have 5", "30 seconds left", "Time is up"]
    calls = _rolling(fake_slack)
    assert [m for m, _ in calls].count("chat.postMessage") == 1           # the same message, edited throughout
    assert len({p["ts"] for m, p in calls if m == "chat.update"}) == 1
    assert len(_speech(db_path)) == 1


def test_a_crash_between_the_call_and_its_posting(fake_slack, tmp_path):
    db_path = _setup(tmp_path)
    port = free_port()
    # The outbox's third sending is the first of the call's two messages (Chile's "you have the floor" and the
    # rolling list): the process dies there, after the call was recorded and before anything of it was posted.
    env = slack_process_env(db_path, fake_slack.url, port, CONVENE_FAILPOINT="outbox.before_send:3")
    send = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET)
    bot = _running(env, port)
    try:
        send.command("/convene", "iam Chile", user="U0CHILE")
        send.command("/floor", "open 1", user="U0COORD")
        wait_until(lambda: _rolling(fake_slack), 10)
        send.command("/floor", "request", user="U0CHILE")
        wait_until(lambda: len(_rolling(fake_slack)) == 2, 10)
        try:
            send.command("/floor", "next", user="U0COORD")
        except OSError:
            pass                                   # the process may die before it answers
        assert bot.wait(15) == 137
    finally:
        if bot.poll() is None:
            bot.kill()
    assert not _dms(fake_slack, "U0CHILE") and len(_rolling(fake_slack)) == 2   # nothing of the call was posted
    env.pop("CONVENE_FAILPOINT")
    bot = _running(env, port)
    try:
        wait_until(lambda: _dms(fake_slack, "U0CHILE"), 15)
        wait_until(lambda: any("Chile — State Party" in slack_plain(p) and "of 5:00" in slack_plain(p)
                               for _, p in _rolling(fake_slack)), 15)
        time.sleep(1.5)
    finally:
        bot.terminate()
        bot.wait(20)
    assert len(_dms(fake_slack, "U0CHILE")) == 1                 # told once
    assert len(_speech(db_path)) == 1                            # called once
    assert [m for m, _ in _rolling(fake_slack)] == ["chat.postMessage", "chat.update", "chat.update"]
