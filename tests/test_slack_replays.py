"""A correctly signed request replayed to the real `convene run` process acts once: after SIGKILL and a restart,
after SIGTERM and a restart, and when sent to a second process on the same database."""
import signal
import subprocess
import sys

import pytest

from storage import open_db
from storage import submissions as sub_store
from tests.conftest import ROOT, slack_process_env
from tests.fakes.slack_requests import SlackSender, slash_body
from tests.slack_harness import SECRET, free_port, wait_http


class Process:
    """`python -m bot run` in Slack's HTTP mode on its own port, against the fake Web API."""

    def __init__(self, db_path, api_url):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     env=slack_process_env(db_path, api_url, self.port))
        wait_http(f"http://127.0.0.1:{self.port}/healthz", timeout=30)
        self.sender = SlackSender(f"http://127.0.0.1:{self.port}/slack/events", SECRET)

    def stop(self, sig=signal.SIGTERM) -> str:
        self.proc.send_signal(sig)
        _, err = self.proc.communicate(timeout=30)
        return err


def _append_once(db_path, first: Process) -> tuple[str, dict]:
    """Registers, submits, then appends through ``first``: the append's body and headers, to replay."""
    assert "registered" in first.sender.command("/convene", "iam Chile")[1]["text"]
    assert "Received" in first.sender.command("/submit", "2.6 First part.")[1]["text"]
    body = slash_body("/inputs", "append 2.6 Second part.")
    headers = first.sender.headers(body)
    status, answer = first.sender.post(body, headers=dict(headers))
    assert status == 200 and "Added" in answer["text"], answer
    return body, headers


def _text(db_path) -> str:
    db = open_db(db_path)
    try:
        [s] = sub_store.of_group(db, 1)
        return s.text
    finally:
        db.close()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_a_replay_after_a_restart_does_not_act_again(fake_slack, slack_db_path, sig):
    first = Process(slack_db_path, fake_slack.url)
    try:
        body, headers = _append_once(slack_db_path, first)
    finally:
        first.stop(sig)          # at once: well within a second of the request
    second = Process(slack_db_path, fake_slack.url)
    try:
        status, answer = second.sender.post(body, headers=dict(headers))
        assert (status, answer) == (200, {})
        assert _text(slack_db_path) == "First part.\n\nSecond part."
    finally:
        err = second.stop()
    assert "Traceback" not in err, err


def test_a_replay_to_a_second_process_on_the_same_database_does_not_act_again(fake_slack, slack_db_path):
    one = Process(slack_db_path, fake_slack.url)
    two = Process(slack_db_path, fake_slack.url)
    try:
        body, headers = _append_once(slack_db_path, one)
        assert two.sender.post(body, headers=dict(headers)) == (200, {})
        assert one.sender.post(body, headers=dict(headers)) == (200, {})
        assert _text(slack_db_path) == "First part.\n\nSecond part."
    finally:
        errs = [one.stop(), two.stop()]
    assert not [e for e in errs if "Traceback" in e], errs
