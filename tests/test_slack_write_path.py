"""The write path over signed HTTP shares commits between requests that arrive together (bot/dbworkers.SharedCommit):
"received" must still mean on disk. Fifty delegations submit at once to the real process, which is killed (SIGKILL)
the moment the last answer is in: every input answered "Received" is in the database, once."""
import signal
import threading

from storage import groups as group_store
from storage import open_db
from storage import submissions as sub_store
from tests.fakes.slack_requests import slash_body
from tests.test_slack_replays import Process

N = 50


def test_fifty_concurrent_submits_answered_received_are_all_on_disk_after_sigkill(fake_slack, slack_db_path):
    db = open_db(slack_db_path)
    for i in range(N):
        group_store.set_delegation(db, 1, f"slack:T0TEST:U{i:04d}", f"Delegation {i}")
    db.close()
    bot = Process(slack_db_path, fake_slack.url)
    answers: dict[int, tuple] = {}
    start = threading.Barrier(N)

    def send(i):
        body = slash_body("/submit", f"2.{1 + i % 6} Input number {i}.", user=f"U{i:04d}")
        start.wait()
        answers[i] = bot.sender.post(body)
    threads = [threading.Thread(target=send, args=(i,)) for i in range(N)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        bot.stop(signal.SIGKILL)
    received = {i for i, (status, body) in answers.items() if status == 200 and body["text"].startswith("Received")}
    assert len(received) == N, {i: a for i, a in answers.items() if i not in received}
    db = open_db(slack_db_path)
    stored = sorted(s.text for s in sub_store.of_group(db, 1))
    db.close()
    assert stored == sorted(f"Input number {i}." for i in received)
