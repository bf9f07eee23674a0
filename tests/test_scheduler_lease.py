"""Two real `convene run` processes on one database (both serving Slack over HTTP): exactly one sends the
reminders; SIGKILL it between two reminders and the other takes over in time; nothing is sent twice."""
import json
import signal
import subprocess
import sys
import time
import urllib.request

from tests.conftest import ROOT, session_soon, slack_process_env
from tests.test_reminders_e2e import move_clock
from tests.slack_harness import free_port, wait_http


def health(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
        return json.loads(resp.read())


def reminders(api):
    return [p for p in api.of("chat.postMessage") if p.get("channel") == "C0CG" and "Reminder" in p.get("text", "")]


def test_two_processes_one_sender_and_takeover_after_sigkill(fake_slack, tmp_path):
    """Two real processes on one database, their clock moved forward by the test (CONVENE_TEST_CLOCK_FILE): one
    sends, the other stands by; SIGKILL the sender and the other takes over and sends the next reminder on time."""
    db_path = tmp_path / "lease.db"
    start = session_soon(db_path, lead_seconds=7200, offsets="1h,30m", title="Lease session", key="lease")
    first_due, second_due = start - 3600, start - 1800
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    ports = [free_port(), free_port()]
    procs = []
    for port in ports:
        env = slack_process_env(db_path, fake_slack.url, port, CONVENE_SCHEDULER_LEASE_SECONDS=3,
                                CONVENE_TEST_CLOCK_FILE=clock_file)
        procs.append(subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port in ports:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=20)
        roles = sorted(health(p)["scheduler"]["role"] for p in ports)
        assert roles == ["leader", "standby"] and health(ports[0])["database"] == "ok"
        move_clock(clock_file, first_due + 1)
        fake_slack.wait_for("chat.postMessage", 1, timeout=15)
        time.sleep(1.5)                                    # one process sent it, and only one
        assert len(reminders(fake_slack)) == 1
        leader = next(i for i, p in enumerate(ports) if health(p)["scheduler"]["role"] == "leader")
        procs[leader].send_signal(signal.SIGKILL)
        procs[leader].wait(10)
        survivor = ports[1 - leader]
        move_clock(clock_file, second_due + 1)
        fake_slack.wait_for("chat.postMessage", 2, timeout=15)
        time.sleep(1.5)                                    # nothing more may follow
        posted = reminders(fake_slack)
        assert len(posted) == 2 and "late" not in posted[1]["text"]      # the second on time, by the survivor
        assert health(survivor)["scheduler"]["role"] == "leader"
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
