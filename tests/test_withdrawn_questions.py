"""Inputs on a question withdrawn from the agenda stay reachable (``2.1~``), stay out of the public edition when
restricted, and come back with their question when a revision is taken back (issue 21)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from commands.exports import render
from commands.importers.apply import import_file
from storage import agenda as agenda_store
from storage import groups as group_store
from tests.conftest import ROOT, Bot, Clock

AGENDA = (ROOT / "tests" / "fixtures" / "handwritten_agenda.yaml").read_text()
Q1 = "How can the flow of funds be made faster?"


@pytest.fixture
def world(db, tmp_path):
    g = group_store.create_group(db, "cg", "CG", registration="open")
    group_store.bind_room(db, g.id, "console:main")
    group_store.set_coordinator(db, g.id, "console:coord", True)
    original = tmp_path / "original.yaml"
    original.write_text(AGENDA)
    revised = tmp_path / "revised.yaml"
    revised.write_text(AGENDA.replace(f"      - {Q1}\n", ""))
    import_file(db, g, str(original))
    bot = Bot(db, Clock(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)))
    bot("iam Chile", user="console:cl")
    bot("iam Peru", user="console:pe")
    bot("submit 2.1 --coordinators Chile's restricted word on funds.", user="console:cl")
    bot("submit 2.2 Peru on ownership.", user="console:pe")
    import_file(db, g, str(revised), accept_changes=True)
    return g, bot, original


def _md(db, g, edition):
    [s] = agenda_store.sessions_of_group(db, g.id)
    return render(db, group_store.group_by_id(db, g.id), "md", s, datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc),
                  edition=edition).content.decode()


def test_the_withdrawn_question_is_reached_by_its_label_with_a_tilde(db, world):
    g, bot, _ = world
    mine = bot("inputs mine", user="console:cl")
    assert "2.1~" in mine and "withdrawn from the agenda" in mine
    # 2.1 is now the old 2.2 (Peru's); Chile's input is on 2.1~.
    assert "Peru on ownership." in bot("inputs question 2.1", user="console:coord")
    assert bot("inputs edit 2.1~ Chile's corrected word.", user="console:cl").startswith("Updated")
    assert "Chile's corrected word." in _md(db, g, "full")
    assert "Chile's corrected word." not in _md(db, g, "public")          # restricted, withdrawn: not public
    assert "withdrawn" in bot("inputs withdraw 2.1~", user="console:cl").lower()
    assert "Chile's corrected word." not in _md(db, g, "full")
    assert "takes no new input" in bot("submit 2.1~ A new word.", user="console:pe")
    assert "No question 9.9 was withdrawn" in bot("inputs edit 9.9~ x", user="console:cl")


def test_a_reinstated_question_takes_its_inputs_back(db, world):
    g, bot, original = world
    result = import_file(db, g, str(original), dry_run=True)
    assert any("reinstated 2.1" in line and "back on the agenda with its inputs" in line
               for line in result.summary_lines(db))
    import_file(db, g, str(original))
    md = _md(db, g, "full")
    assert "(withdrawn)" not in md and "Questions withdrawn" not in md
    assert "Chile's restricted word on funds." in md.split("### Question 2\\.1")[1].split("### Question 2\\.2")[0]
    assert "Peru on ownership." in md.split("### Question 2\\.2")[1]
    assert "Chile's restricted word" in bot("inputs question 2.1", user="console:coord")
