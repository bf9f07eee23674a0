"""Two real `convene run` processes on one database (both serving Slack over HTTP): exactly one sends the
reminders; SIGKILL it between two reminders and the other takes over in time; nothing is sent twice."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.importing import import_document
from commands.importers.model import ParsedDocument, ParsedItem, ParsedSession
from storage import groups as group_store
from storage import open_db
from tests.conftest import ROOT
from tests.slack_harness import SECRET, free_port, wait_http


def health(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
        return json.loads(resp.read())


def reminders(api):
    return [p for p in api.of("chat.postMessage") if p.get("channel") == "C0CG" and "Reminder" in p.get("text", "")]


def test_two_processes_one_sender_and_takeover_after_sigkill(fake_slack, tmp_path):
    db_path = tmp_path / "lease.db"
    db = open_db(db_path)
    g = group_store.create_group(db, "cg", "Contact Group")
    group_store.bind_room(db, g.id, "slack:C0CG")
    group_store.update_group(db, g.id, session_offsets="24s,14s", deadline_offsets="")
    zone = ZoneInfo("Europe/Zurich")
    start = datetime.fromtimestamp(time.time(), zone).replace(tzinfo=None, microsecond=0) + timedelta(seconds=30)
    import_document(db, g, ParsedDocument(sessions=[ParsedSession(
        key="lease", title="Lease session", start=start, end=start + timedelta(hours=1), timezone="Europe/Zurich",
        items=[ParsedItem(number="1", title="Opening")])]))
    db.close()
    t0 = start.replace(tzinfo=zone).timestamp() - 30          # reminders due at t0+6 and t0+16
    ports = [free_port(), free_port()]
    procs = []
    for port in ports:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATRIX_"))}
        env.update(CONVENE_DB=str(db_path), CONVENE_ENV_FILE=str(tmp_path / "none.env"), PORT=str(port),
                   SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_slack.url,
                   CONVENE_SCHEDULER_LEASE_SECONDS="3", PYTHONPATH=str(ROOT))
        procs.append(subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port in ports:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=20)
        roles = sorted(health(p)["scheduler"]["role"] for p in ports)
        assert roles == ["leader", "standby"] and health(ports[0])["database"] == "ok"
        fake_slack.wait_for("chat.postMessage", 1, timeout=t0 + 12 - time.time())
        assert len(reminders(fake_slack)) == 1
        leader = next(i for i, p in enumerate(ports) if health(p)["scheduler"]["role"] == "leader")
        procs[leader].send_signal(signal.SIGKILL)
        procs[leader].wait(10)
        survivor = ports[1 - leader]
        fake_slack.wait_for("chat.postMessage", 2, timeout=t0 + 24 - time.time())
        time.sleep(1.5)                                    # nothing more may follow
        posted = reminders(fake_slack)
        assert len(posted) == 2 and "late" not in posted[1]["text"]      # the second on time, by the survivor
        assert health(survivor)["scheduler"]["role"] == "leader"
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
