"""One session resolver: each purpose's rule, and every place that asks agreeing at the same moment."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from commands.families.home import home
from commands.importers.model import ParsedDocument, ParsedItem, ParsedSession
from commands.importers.apply import import_document
from commands.rules.sessions import Ambiguous, Purpose, choose, session_for, to_remind
from storage import agenda as agenda_store
from tests.conftest import Bot

UTC = timezone.utc


def two_sessions(db, group, *, second_start=datetime(2030, 3, 10, 10, 0)):
    """#1 on 3 March (input due 1 March 17:00), #2 on ``second_start`` (input due 8 March 17:00), Geneva."""
    def s(key, title, start, q):
        return ParsedSession(key=key, title=title, start=start, end=start + timedelta(hours=3),
                             timezone="Europe/Zurich", items=[ParsedItem(number="1", title="Item", questions=[q])])
    import_document(db, group, ParsedDocument(sessions=[
        s("a", "First", datetime(2030, 3, 3, 10, 0), "First question?"),
        s("b", "Second", second_start, "Second question?")]))
    first, second = agenda_store.sessions_of_group(db, group.id)
    agenda_store.set_deadline(db, first.id, datetime(2030, 3, 1, 16, 0, tzinfo=UTC))
    agenda_store.set_deadline(db, second.id, datetime(2030, 3, 8, 16, 0, tzinfo=UTC))
    return agenda_store.sessions_of_group(db, group.id)


def test_each_purpose_has_its_rule(db, group):
    first, second = two_sessions(db, group)
    at = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    # Before anything: reading and input both mean the first session.
    assert choose([first, second], at(2030, 2, 1), Purpose.READ).session.id == first.id
    assert choose([first, second], at(2030, 2, 1), Purpose.INPUT).session.id == first.id
    # The first's deadline has passed, its meeting has not: reading still means it; a late input still goes to it
    # while late input is accepted (never to the next session's question of the same number), else input moves
    # on; the compilation is the first's until the second's deadline.
    mid = at(2030, 3, 2, 12)
    assert choose([first, second], mid, Purpose.READ).session.id == first.id
    assert choose([first, second], mid, Purpose.INPUT).session.id == first.id
    assert choose([first, second], mid, Purpose.INPUT, late_accepted=False).session.id == second.id
    assert choose([first, second], mid, Purpose.COMPILE).session.id == first.id
    # After the first meeting: input goes to the second; the first is still being compiled until the second's
    # deadline, then the second is.
    after = at(2030, 3, 4)
    assert choose([first, second], after, Purpose.INPUT).session.id == second.id
    assert choose([first, second], after, Purpose.COMPILE).session.id == first.id
    assert choose([first, second], at(2030, 3, 8, 17), Purpose.COMPILE).session.id == second.id
    # Everything over: the latest, marked past.
    late = choose([first, second], at(2031, 1, 1), Purpose.READ)
    assert (late.session.id, late.past) == (second.id, True)
    assert choose([first, second], at(2031, 1, 1), Purpose.INPUT).session.id == second.id
    assert choose([first, second], at(2031, 1, 1), Purpose.COMPILE).session.id == second.id
    assert choose([], mid, Purpose.READ) is None
    assert [s.id for s in to_remind([first, second], mid)] == [first.id, second.id]
    assert [s.id for s in to_remind([first, second], at(2030, 3, 4))] == [second.id]


def test_two_equally_plausible_sessions_are_asked_about_not_guessed(db, group, clock):
    first, second = two_sessions(db, group, second_start=datetime(2030, 3, 3, 10, 0))
    agenda_store.set_deadline(db, second.id, datetime(2030, 3, 1, 16, 0, tzinfo=UTC))
    first, second = agenda_store.sessions_of_group(db, group.id)
    clock.set(datetime(2030, 2, 1, tzinfo=UTC))
    with pytest.raises(Ambiguous) as e:
        choose([first, second], clock(), Purpose.INPUT)
    assert [s.id for s in e.value.sessions] == [first.id, second.id]
    bot = Bot(db, clock)
    assert bot("agenda") == (f"Two sessions fit equally well here: say which with #{first.id} (First) or "
                             f"#{second.id} (Second).\nSessions: #{first.id} (2030-03-03), #{second.id} (2030-03-03)")
    assert bot("submit 1.1 Our view").startswith("Two sessions fit equally well here")
    # Naming one works.
    assert "Second" in bot(f"agenda #{second.id}")
    # The Home tab cannot ask: it shows the one with the smaller id, by its #ID.
    assert session_for(db, group, clock(), Purpose.INPUT).id == first.id


def test_a_late_input_stays_with_its_session_and_everyone_agrees(db, group, clock):
    """When the first deadline passes: submit (late), inputs status and the Home tab all still mean the first
    session (they ask the same resolver); when the group refuses late input, input and Home move to the second
    while the coordinators still compile the first."""
    from storage import groups as group_store
    from storage import submissions as sub_store
    first, second = two_sessions(db, group)
    group_store.set_delegation(db, group.id, "console:ana", "Chile")
    bot = Bot(db, clock)
    clock.set(datetime(2030, 3, 1, 16, 1, tzinfo=UTC))          # a minute after the first deadline
    status = bot("inputs status", user="console:coord")
    assert f"#{first.id}" in status and f"#{second.id}" not in status
    reply = bot.reply("submit 1.1 Our view")
    assert reply.ok and "the deadline had passed" in reply.plain()
    [sub] = sub_store.of_group(db, group.id)
    assert (sub.question_id, sub.late_when_sent) == (agenda_store.session_question(db, first.id, "1.1").id, True)
    page = home(db, "console:ana", clock()).plain()
    assert "First question?" not in page and "Second question?" not in page   # first answered; second not yet shown
    bot("late refuse", user="console:coord")
    assert "Second question?" in home(db, "console:ana", clock()).plain()
    assert f"#{first.id}" in bot("inputs status", user="console:coord")


def test_suggested_commands_name_the_session_when_a_bare_ref_would_mean_another(db, group, clock):
    """A receipt for input on the *second* session (named with #ID) suggests `inputs append #2 1.1`, since a bare
    `1.1` means the first session's question now; for the first session's input it suggests the bare ref."""
    from storage import groups as group_store
    first, second = two_sessions(db, group)
    group_store.set_delegation(db, group.id, "console:ana", "Chile")
    bot = Bot(db, clock)
    clock.set(datetime(2030, 2, 20, 9, 0, tzinfo=UTC))
    later = bot(f"submit #{second.id} 1.1 --coordinators For the second session")
    assert f"inputs append #{second.id} 1.1 TEXT" in later
    assert f"inputs visibility #{second.id} 1.1 group" in later
    now = bot("submit 1.1 For the first session")
    assert "inputs append 1.1 TEXT" in now and f"#{second.id} 1.1" not in now
