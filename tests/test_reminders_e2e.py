"""The real bot process: a reminder arrives through the fake Slack server; SIGKILL between two reminders; down
across the second's due time; restart: the missed one comes once, late, and the first is not repeated.

The process runs on its real event loop and APScheduler, with its clock moved forward by the test
(CONVENE_TEST_CLOCK_FILE): a morning of reminders takes seconds, not a minute of waiting."""
import signal
import subprocess
import sys
import time

from storage import open_db
from storage import reminders as log_store
from tests.conftest import ROOT, session_soon, slack_process_env
from tests.slack_harness import free_port, wait_http


def start_bot(env):
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def reminders_posted(api):
    return [p for p in api.of("chat.postMessage") if p.get("channel") == "C0CG" and "Reminder" in p.get("text", "")]


def move_clock(path, to_unix: float) -> None:
    """Make the bot's clock read ``to_unix`` now (it re-reads the file when it changes)."""
    path.write_text(f"{to_unix - time.time():.3f}")


def test_reminders_survive_sigkill_and_downtime(fake_slack, tmp_path):
    db_path = tmp_path / "e2e.db"
    # The session starts in two hours; reminders an hour and half an hour before.
    start = session_soon(db_path, lead_seconds=7200, offsets="1h,30m", title="Soon session", key="e2e")
    first_due, second_due = start - 3600, start - 1800
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    port = free_port()
    env = slack_process_env(db_path, fake_slack.url, port, CONVENE_TEST_CLOCK_FILE=clock_file)

    bot = start_bot(env)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=20)
        assert reminders_posted(fake_slack) == []
        move_clock(clock_file, first_due + 1)          # a second after the first was due: sent on time
        fake_slack.wait_for("chat.postMessage", 1, timeout=15)
        first = reminders_posted(fake_slack)
        assert len(first) == 1 and "Soon session" in first[0]["text"] and "late" not in first[0]["text"]
        # Kill *between* the two reminders: after the first was confirmed in the sent-log (killing between
        # claim and confirm is the other case, "uncertain", tested in test_reminders).
        check = open_db(db_path)
        try:
            deadline = time.monotonic() + 10
            while not any(e.status == "sent" for e in log_store.all_entries(check)) and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            check.close()
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)

    move_clock(clock_file, second_due + 60)            # down across the second due time, well beyond the grace
    bot = start_bot(env)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=20)
        fake_slack.wait_for("chat.postMessage", 2, timeout=15)
        time.sleep(1.5)                              # nothing else must follow
        posted = reminders_posted(fake_slack)
        assert len(posted) == 2
        assert "late reminder" in posted[1]["text"] and "Sent late" in str(posted[1]["blocks"])
    finally:
        bot.terminate()
        _, err = bot.communicate(timeout=20)
    assert bot.returncode == 0, err
    db = open_db(db_path)
    log = {(e.offset, e.status) for e in log_store.all_entries(db)}
    assert log == {("1h", "sent"), ("30m", "sent")}
