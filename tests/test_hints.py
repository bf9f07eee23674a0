"""Hints under replies name commands that work as typed: refs the session has (with #ID when a bare ref would mean
another session), and the nearest command for one mistyped. Through the command core as the console runs it."""
from __future__ import annotations

from datetime import datetime, timezone

from tests.conftest import Bot

UTC = timezone.utc


def test_an_unknown_command_suggests_the_nearest_from_the_registry(bot):
    """Issue 21: `sumbit` and `convene sesion list` got no suggestion."""
    assert bot("sumbit 2.6 Our view") == ("I don't know the command 'sumbit'. Did you mean submit? Type help for the "
                                         "list.")
    assert bot("convene sesion list") == "I don't know 'convene sesion'. Did you mean session list?\nAll commands: help"
    assert bot("sesion list") == "I don't know the command 'sesion'. Did you mean session list? Type help for the list."
    assert bot("convene sesion") == ("I don't know 'convene sesion'. Did you mean session date, session list or "
                                     "session remove?\nAll commands: help")
    assert bot("agneda 2") == "I don't know the command 'agneda'. Did you mean agenda? Type help for the list."
    # Typed as the asker's front end types it; nothing close, no guess.
    slack = bot("sumbit 2.6 Our view", platform="slack", user="slack:T1:U1", room="slack:C1")
    assert slack == "I don't know the command 'sumbit'. Did you mean /submit? Type /convene help for the list."
    assert bot("xyzzy") == "I don't know the command 'xyzzy'. Type help for the list."
    assert bot("convene xyzzy") == "I don't know 'convene xyzzy'.\nAll commands: help"


def _hint(reply: str, start: str) -> str:
    """The command a reply suggests after ``start`` ("Send input: "), up to the next " · " or the line's end."""
    [found] = [ln for ln in reply.splitlines() if start in ln]
    return found.split(start, 1)[1].split(" · ")[0]


def test_hints_about_another_session_name_it_and_following_them_files_there(db, group, clock):
    """Issue 21: `agenda #2 1` ended "Send input: submit 1.1 TEXT", and following it filed into #1 (marked late or
    not: the wrong session). Every hint names refs the session has, with #ID when a bare ref means another one, and
    `questions #2` does not list a working paper that belongs to #1."""
    from commands.importers.apply import import_file
    from storage import agenda as agenda_store
    from storage import groups as group_store
    from storage import submissions as sub_store
    from tests.conftest import SEED_PAPER
    from tests.test_session_resolver import two_sessions
    first, second = two_sessions(db, group)
    import_file(db, group, str(SEED_PAPER))
    group_store.set_delegation(db, group.id, "console:ana", "Chile")
    bot = Bot(db, clock)
    clock.set(datetime(2030, 2, 20, 9, 0, tzinfo=UTC))     # both ahead: a bare ref means the first session's
    assert "belongs to #%d" % first.id in bot(f"deadline WP.15 #{first.id}", user="console:coord")
    item = bot(f"agenda #{second.id} 1")
    assert _hint(item, "Send input: ") == f"submit #{second.id} 1.1 TEXT"
    overview = bot(f"agenda #{second.id}")
    assert _hint(overview, "Details of an item: ") == f"agenda #{second.id} 1"
    assert _hint(overview, "send input: ") == f"submit #{second.id} 1.1 TEXT"
    assert "1 discussion question — agenda #%d 1" % second.id in overview
    assert _hint(bot(f"questions #{second.id} 1"), "Send input: ") == f"submit #{second.id} 1.1 TEXT"
    listing = bot(f"questions #{second.id}")
    assert _hint(listing, "Send input: ") == f"submit #{second.id} 1.1 TEXT"
    assert "WP.15" not in listing
    assert "WP.15" in bot(f"questions #{first.id}")
    # Following the hint files into the second session, on time.
    assert bot.reply(_hint(item, "Send input: ").replace("TEXT", "For the second session")).ok
    [sub] = sub_store.of_group(db, group.id)
    assert sub.question_id == agenda_store.session_question(db, second.id, "1.1").id and not sub.late_when_sent
    # The session a bare ref means keeps bare hints.
    assert _hint(bot(f"agenda #{first.id} 1"), "Send input: ") == "submit 1.1 TEXT"
    assert _hint(bot("agenda"), "send input: ") == "submit 1.1 TEXT"
    assert _hint(bot("questions WP.15"), "Send input: ") == "submit WP.15:a TEXT"


def test_a_deadline_nudge_suggests_refs_of_its_own_session(db, group, clock):
    """Issue 21: nudges suggested `submit 2.6 …` whatever the session had. A nudge before the second session's
    deadline, while a bare ref still means the first session's (its late input is accepted until it meets), names
    the second's refs with its #ID; the session reminder's commands name it too."""
    import asyncio
    from bot.scheduler import ReminderScheduler, Router
    from storage import agenda as agenda_store
    from storage import groups as group_store
    from tests.test_reminders import Recorder
    from tests.test_session_resolver import two_sessions
    first, second = two_sessions(db, group)
    agenda_store.set_deadline(db, second.id, datetime(2030, 3, 2, 16, 0, tzinfo=UTC))     # before #1 meets
    group_store.update_group(db, group.id, deadline_offsets="1d", session_offsets="1d")
    group_store.set_delegation(db, group.id, "console:ana", "Chile")
    rec = Recorder()
    sched = ReminderScheduler(db, clock, Router([rec]))
    clock.set(datetime(2030, 3, 1, 16, 0, 5, tzinfo=UTC))   # #1's deadline just passed; #2's is a day away
    asyncio.run(sched.sync())
    nudges = [r.plain() for t, r in rec.delivered if t == "console:ana" and f"#{second.id}" in r.plain()]
    [nudge] = nudges
    assert f"has not sent written input for #{second.id} “Second” yet" in nudge
    assert f"#{second.id} 1.1 Second question?" in nudge
    assert nudge.endswith(f"Send it with submit REF TEXT (for example submit #{second.id} 1.1 Our position is …).")
    # Session reminders: the first's (read by a bare `agenda` then) is bare; the second's, a week ahead while the
    # first is the one read, names #2.
    clock.set(datetime(2030, 3, 2, 9, 0, 5, tzinfo=UTC))     # 1d before #1 meets
    asyncio.run(sched.sync())
    [reminder] = [r.plain() for t, r in rec.delivered if t == "console:main"]
    assert reminder.endswith("Full agenda: agenda · an item: agenda 1 · questions: questions")
    group_store.update_group(db, group.id, session_offsets="7d")
    clock.set(datetime(2030, 3, 3, 9, 0, 5, tzinfo=UTC))     # #1 meets now; #2 in a week
    asyncio.run(sched.sync())
    reminder = [r.plain() for t, r in rec.delivered if t == "console:main"][-1]
    assert "Reminder: Second" in reminder
    assert reminder.endswith(f"Full agenda: agenda #{second.id} · an item: agenda #{second.id} 1 · questions: "
                             f"questions #{second.id}")


def test_after_a_deadline_with_late_input_refused_the_hints_point_at_the_next_session(db, group, clock):
    """After the first deadline, with late input refused, input goes to the second session while a bare `questions`
    still reads the first: the hints after registering send input to the second and show its questions."""
    from storage import groups as group_store
    from tests.test_session_resolver import two_sessions
    first, second = two_sessions(db, group)
    group_store.update_group(db, group.id, late_policy="refuse", registration="open")
    bot = Bot(db, clock)
    clock.set(datetime(2030, 3, 2, 9, 0, tzinfo=UTC))      # the first's deadline passed, it meets tomorrow
    out = bot("iam Chile", user="console:cl")
    assert out.endswith(f"Send input: submit 1.1 TEXT · see questions: questions #{second.id}")
    assert "Second question?" in bot(f"questions #{second.id}") and "First question?" in bot("questions")
