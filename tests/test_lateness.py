"""On time or late (commands/rules/lateness.py): one rule, derived when read, never stale.

Inputs are sent through the console core (the same entry every front end uses); the marks are read back from the
compilation, the status, `inputs mine` and the JSON export, before and after the coordinator moves the deadline.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from commands.exports import render
from commands.importers.apply import import_document
from commands.importers.model import ParsedDocument, ParsedItem, ParsedList, ParsedSession
from commands.rules.lateness import is_late
from storage import agenda as agenda_store
from storage import groups as group_store
from tests.conftest import Bot, Clock

UTC = timezone.utc
DEADLINE = datetime(2030, 3, 1, 16, 0, tzinfo=UTC)          # 17:00 in Geneva
US = timedelta(microseconds=1)


@pytest.fixture
def meeting(db):
    """A group (Geneva) with one session on 3 March 2030, input due 1 March 17:00 Geneva, two delegations, and a
    question list with its own deadline (the same instant)."""
    g = group_store.create_group(db, "cg", "Contact Group", registration="open")
    group_store.bind_room(db, g.id, "console:main")
    group_store.set_coordinator(db, g.id, "console:coord", True)
    import_document(db, g, ParsedDocument(sessions=[ParsedSession(
        key="s", title="Special Session", start=datetime(2030, 3, 3, 10, 0), end=datetime(2030, 3, 3, 13, 0),
        timezone="Europe/Zurich", items=[ParsedItem(number="1", title="Cooperation",
                                                    questions=["What works?", "What does not?"])])],
        lists=[ParsedList(name="Issues", symbol="APLC/CG/2030/WP.1", short="WP.1",
                          questions=[("a", "First issue?"), ("b", "Second issue?")])]))
    [s] = agenda_store.sessions_of_group(db, g.id)
    agenda_store.set_deadline(db, s.id, DEADLINE)
    [lst] = agenda_store.lists_of_group(db, g.id)
    agenda_store.set_list_deadline(db, lst.id, session_id=None, deadline=DEADLINE)
    clock = Clock(DEADLINE - timedelta(days=3))
    bot = Bot(db, clock)
    bot("iam Chile", user="console:cl")
    bot("iam Norway", user="console:no")
    return g, s, clock, bot


def _compiled(db, g, s, clock, edition="full"):
    return render(db, group_store.group_by_id(db, g.id), "md", agenda_store.session_by_id(db, s.id), clock(),
                  edition=edition).content.decode()


def test_the_rule_at_the_instant():
    assert not is_late(DEADLINE, DEADLINE)
    assert is_late(DEADLINE + US, DEADLINE)
    assert not is_late(DEADLINE + timedelta(days=9), None)


@pytest.mark.parametrize("policy", ["accept", "refuse"])
def test_on_time_at_the_deadline_instant_late_one_microsecond_after(db, meeting, policy):
    g, s, clock, bot = meeting
    group_store.update_group(db, g.id, late_policy=policy)
    clock.set(DEADLINE)
    assert bot("submit 1.1 Chile at the instant.", user="console:cl").startswith("Received")
    assert bot("submit WP.1:a Chile on the list at the instant.", user="console:cl").startswith("Received")
    clock.set(DEADLINE + US)
    late = bot("submit 1.2 Norway one microsecond after.", user="console:no")
    late_list = bot("submit WP.1:b Norway on the list one microsecond after.", user="console:no")
    if policy == "refuse":
        assert "has passed" in late and "Nothing was changed" in late
        assert "has passed" in late_list and "Nothing was changed" in late_list
        md = _compiled(db, g, s, clock)
        assert "Norway" not in md.split("registered without input")[0]
        return
    assert "Late:" in late and "Late:" in late_list
    md = _compiled(db, g, s, clock)
    assert md.count("(late)") == 2
    assert "**Chile** — Fri 1 Mar 2030 17:00\n\n> Chile at the instant." in md
    assert "**Chile** — Fri 1 Mar 2030 17:00\n\n> Chile on the list at the instant." in md
    assert "**Norway** — Fri 1 Mar 2030 17:00 (late)\n\n> Norway one microsecond after." in md


def test_extending_the_deadline_clears_the_marks_it_no_longer_justifies(db, meeting):
    g, s, clock, bot = meeting
    clock.set(DEADLINE + timedelta(hours=1))
    assert "Late:" in bot("submit 1.1 A late word from Chile.", user="console:cl")
    assert "1.1·late" in bot("inputs status", user="console:coord")
    assert "(late)" in _compiled(db, g, s, clock)
    reply = bot("deadline #1 2030-03-02 12:00", user="console:coord")
    assert "1 input sent after the old deadline is no longer marked late" in reply
    md = _compiled(db, g, s, clock)
    assert "input deadline Sat 2 Mar 2030 12:00 (Geneva time)" in md
    assert "(late)" not in md
    assert "1.1·late" not in bot("inputs status", user="console:coord")
    assert "late" not in bot("inputs mine", user="console:cl").split("A late word")[0].split("1.1")[-1]
    doc = json.loads(render(db, group_store.group_by_id(db, g.id), "json", None, clock()).content)
    assert [x["late"] for x in doc["submissions"]] == [False]


def test_a_list_joining_a_session_takes_its_deadline_and_the_marks_follow(db, meeting):
    """A list with its own later deadline: on time; made to belong to the session (whose deadline passed), late —
    and the coordinator is told; given its own later deadline again, on time."""
    g, s, clock, bot = meeting
    [lst] = agenda_store.lists_of_group(db, g.id)
    agenda_store.set_list_deadline(db, lst.id, session_id=None, deadline=DEADLINE + timedelta(days=2))
    clock.set(DEADLINE + timedelta(hours=1))
    assert "Late" not in bot("submit WP.1:a Chile, on the list.", user="console:cl")
    reply = bot("deadline WP.1 #1", user="console:coord")
    assert "1 input sent after the new deadline is now marked late" in reply
    assert "WP.1:a·late" in bot("inputs status", user="console:coord")
    reply = bot("deadline WP.1 2030-03-04 12:00", user="console:coord")
    assert "no longer marked late" in reply
    assert "WP.1:a·late" not in bot("inputs status WP.1", user="console:coord")


def test_an_edit_after_the_deadline_makes_an_on_time_input_late_and_a_visibility_change_does_not(db, meeting):
    g, s, clock, bot = meeting
    bot("submit 1.1 Chile on time.", user="console:cl")
    clock.set(DEADLINE + timedelta(minutes=5))
    bot("inputs visibility 1.1 coordinators", user="console:cl")
    assert "(late)" not in _compiled(db, g, s, clock)
    bot("inputs append 1.1 And one more thing.", user="console:cl")
    assert "(late" in _compiled(db, g, s, clock)
