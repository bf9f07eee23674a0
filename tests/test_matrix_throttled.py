"""A throttled homeserver (Synapse's rc_message): the bot waits the retry_after_ms it is given, answers every command
once, logs one warning line and no traceback, and the redaction of a receipt made while throttled is retried until
done, so no receipt is left quoting a superseded text."""
import time

import pytest

from storage import submissions as sub_store
from tests.fakes.synapse import Synapse
from tests.matrix_harness import BotProcess, MatrixWorld, answers_by_target, bound_room


@pytest.fixture(scope="module")
def throttled(tmp_path_factory):
    hs = Synapse(tmp_path_factory.mktemp("synapse-throttled"),
                 rc_message={"per_second": 1, "burst_count": 3}).start()
    yield hs
    hs.stop()


def test_a_throttled_homeserver_is_waited_for_and_every_command_answered_once(throttled, tmp_path, clock):
    m = MatrixWorld(throttled, tmp_path, clock)
    throttled.exempt_from_rate_limits(m.coord, m.ana, m.bob)
    room, g = bound_room(m)
    bot = BotProcess(m, tmp_path / "bot.log").start()
    try:
        m.wait_synced()
        first = m.ana.send(room, "!submit 2.6 First text, soon superseded.")
        sent = [first] + [m.ana.send(room, f"!inputs append 2.5 part{i}" if i % 2 else "!agenda 2")
                          for i in range(10)]
        m.ana.edit(room, first, "!submit 2.6 The edited text.")        # while the bot is throttled
        m.bot_said(m.ana, room, len(sent) + 1, timeout=90)             # the 11 answers and the edit's receipt
        time.sleep(2)
        answers = answers_by_target(m.ana, room, m.bot_user.user_id)
        assert [answers.get(ev, 0) for ev in sent[1:]] == [1] * 10
        assert answers.get(first) == 1 and answers.get(None) == 1        # the old receipt redacted, the new one
        texts = [e["content"].get("body", "") for e in m.ana.messages(room, sender=m.bot_user.user_id)]
        assert not any("First text, soon superseded." in t for t in texts)
        now = {s.ref: s.text for s in sub_store.of_group(m.check, g.id) if s.status == "current"}
        assert now["2.6"] == "The edited text."
    finally:
        bot.terminate()
        m.check.close()
    log = bot.log()
    assert "Traceback" not in log, log[-3000:]
    assert "could not finish" not in log and "could not redact" not in log, log[-3000:]   # waited, not failed
    limited = [ln for ln in log.splitlines() if "rate-limiting" in ln]
    assert 1 <= len(limited) <= 2 and all(" WARNING " in ln for ln in limited), limited
