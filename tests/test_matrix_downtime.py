"""Matrix through downtime and crashes, against a real Synapse: what was sent while the bot was down is handled once
and in the room's order (the gap after a pause is fetched before the sync token moves), edits made while it was down
are applied like live ones, and a crash in the middle of filling the gap or at the moment the token would be
committed loses nothing."""
import time

from storage import submissions as sub_store
from tests.matrix_harness import BotProcess, answers_by_target, bound_room


def current(m, g):
    return {s.ref: s for s in sub_store.of_group(m.check, g.id) if s.status == "current"}


def test_thirty_commands_sent_while_down_are_handled_in_order_and_the_later_submit_and_the_edit_win(matrix):
    """More events than a sync's timeline holds (10): the newest arrive in the sync, the older ones only through the
    gap fill; both must enter the inbox in the room's order."""
    m = matrix
    room, g = bound_room(m)
    m.start()
    m.wait_synced()
    m.ana.send(room, "!submit 2.6 base")
    doomed = m.ana.send(room, "!submit 3.4 To be deleted while the bot is down.")
    doomed_receipt = m.bot_said(m.ana, room, 2, timeout=30)[-1]
    m.stop()                                                    # a clean stop (SIGTERM takes this path)
    m.ana.redact(room, doomed)
    sent = [m.ana.send(room, "!submit 3.1 FIRST")]
    draft = m.ana.send(room, "!submit 3.2 Draft written while the bot was down.")
    sent.append(draft)
    for i in range(13):
        sent.append(m.ana.send(room, f"!inputs append 2.6 part{i:02d}"))
        sent.append(m.ana.send(room, "!agenda 2"))
    m.ana.send(room, "just chatting, not a command")
    m.ana.edit(room, draft, "!submit 3.2 Edited while the bot was down.")
    sent.append(m.ana.send(room, "!inputs mine"))
    sent.append(m.ana.send(room, "!submit 3.1 SECOND (final)"))
    assert len(sent) == 30
    m.start()
    m.bot_said(m.ana, room, 2 + 30 + 1 + 1, timeout=60)         # 30 answers, the edit's receipt, the withdrawal
    time.sleep(1.5)
    answers = answers_by_target(m.ana, room, m.bot_user.user_id)
    assert [answers.get(ev, 0) for ev in sent if ev != draft] == [1] * 29
    # The draft's receipt, then the edit's, which replaced it: the first one (which quoted the draft) is redacted, as
    # is the receipt of the message deleted while the bot was down (whose input is withdrawn).
    assert answers.get(draft) == 1
    assert m.ana.event(room, doomed_receipt["event_id"])["content"] == {}
    assert "3.4" not in current(m, g)
    now = current(m, g)
    assert now["3.1"].text == "SECOND (final)"
    assert now["3.2"].text == "Edited while the bot was down."
    assert [h.action for h in sub_store.history(m.check, now["3.2"].id)] == ["submit", "edit"]
    assert now["2.6"].text == "base" + "".join(f"\n\npart{i:02d}" for i in range(13))
    said = [e["content"].get("body", "") for e in m.ana.messages(room, sender=m.bot_user.user_id)]
    assert not any("Edited commands are not run again" in s for s in said)


def test_a_crash_with_the_gap_half_fetched_and_one_at_the_token_commit_lose_nothing(matrix, tmp_path):
    """The real process, killed by CONVENE_FAILPOINT: first after one page of a two-page gap (115 events sent while
    down), then at the moment a batch's token would be committed. Every command is answered once and every
    `inputs append` applied once, in the order sent."""
    m = matrix
    room, g = bound_room(m)
    bot = BotProcess(m, tmp_path / "bot.log").start()
    try:
        m.wait_synced()
        m.ana.send(room, "!submit 2.6 base")
        m.bot_said(m.ana, room, 1, timeout=30)
        sent, parts = [], []
        for point, n in (("matrix.gap_page:1", 115), ("matrix.before_commit:1", 25)):
            bot.terminate()
            for i in range(n):
                parts.append(f"{point.split('.')[1].split(':')[0]}{i:03d}")
                sent.append(m.ana.send(room, f"!inputs append 2.6 {parts[-1]}"))
            bot.start(failpoint=point)
            assert bot.wait(60) == 137                          # it died at the crash point, nothing committed
            bot.start()
            m.bot_said(m.ana, room, 1 + len(sent), timeout=120)
        time.sleep(1.5)
        answers = answers_by_target(m.ana, room, m.bot_user.user_id, limit=1000)
        assert [answers.get(ev, 0) for ev in sent] == [1] * len(sent)
        assert current(m, g)["2.6"].text == "base" + "".join(f"\n\n{p}" for p in parts)   # once each, in order
    finally:
        bot.terminate()
    assert "Traceback" not in bot.log(), bot.log()[-3000:]
    assert " INFO apscheduler" not in bot.log()                 # quiet at INFO: no line per scheduler run
