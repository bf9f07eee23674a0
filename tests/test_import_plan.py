"""What a re-import plans and says (issue 21): lists that come with a session belong to it, a re-import keeps what
the document does not state, and the plan shows the words that changed and counts withdrawn inputs apart.
Run through the `convene` CLI and the console core, as coordinators use them."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT, Bot, Clock
from tests.test_cli import convene

AGENDA = (ROOT / "tests" / "fixtures" / "handwritten_agenda.yaml").read_text()


@pytest.fixture
def cg(cli_env):
    convene(cli_env, "group", "create", "cg", "--name", "Contact Group", "--registration", "open")
    convene(cli_env, "group", "bind", "cg", "console:main")
    convene(cli_env, "group", "coordinator", "cg", "console:coord")
    return cli_env


def _console(env, *lines, user="coord"):
    text = "\n".join(lines) + "\n"
    return convene(env, "console", "--group", "cg", "--user", user, stdin=text).stdout


def test_a_list_imported_with_its_session_belongs_to_it(cg, tmp_path):
    doc = tmp_path / "agenda.yaml"
    doc.write_text(AGENDA)
    out = convene(cg, "import", str(doc), "--group", "cg", "--dry-run").stdout
    assert "belongs to the session “Contact Group on Resource Mobilization” (its deadline)" in out
    convene(cg, "import", str(doc), "--group", "cg")
    _console(cg, "iam Chile", user="cl")
    _console(cg, "submit WP.1:a We cleared 40 km².", user="cl")
    status = _console(cg, "inputs status")
    assert "1 of 1 registered delegation has sent input" in status and "Nothing yet" not in status
    assert "WP.1:a" in status


def test_a_list_given_its_own_deadline_keeps_it_through_a_re_import(cg, tmp_path):
    doc = tmp_path / "agenda.yaml"
    doc.write_text(AGENDA)
    convene(cg, "import", str(doc), "--group", "cg")
    convene(cg, "deadline", "WP.1", "2026-12-20T17:00", "--group", "cg")
    out = convene(cg, "import", str(doc), "--group", "cg", "--dry-run").stdout
    assert "belongs to the session" not in out
    convene(cg, "import", str(doc), "--group", "cg")
    out = _console(cg, "deadline")
    assert "Written input on the question list WP.1 is due Sun 20 Dec 2026 17:00" in out


def test_a_re_import_keeps_the_venue_given_the_first_time_and_says_what_changes(cg, tmp_path):
    doc = tmp_path / "agenda.yaml"
    doc.write_text(AGENDA.replace("venue: Room XXIV, Palais des Nations\n", ""))
    convene(cg, "import", str(doc), "--group", "cg", "--venue", "Room XX")
    convene(cg, "import", str(doc), "--group", "cg")
    assert "Room XX" in _console(cg, "agenda")
    ics = convene(cg, "export", "cg", "--format", "ics", "-o", "-").stdout
    assert "LOCATION:Room XX" in ics
    out = convene(cg, "import", str(doc), "--group", "cg", "--venue", "Room XIX", "--dry-run").stdout
    assert "venue: “Room XX” → “Room XIX”" in out


def test_the_plan_shows_the_words_that_changed_and_counts_withdrawn_inputs_apart(cg, tmp_path):
    doc = tmp_path / "agenda.yaml"
    doc.write_text(AGENDA)
    convene(cg, "import", str(doc), "--group", "cg")
    _console(cg, "iam Chile", user="cl")
    _console(cg, "submit 2.1 Faster, through pooled funds.", "inputs withdraw 2.1", user="cl")
    _console(cg, "submit 2.2 National budgets first.", user="cl")
    revised = AGENDA.replace("How can the flow of funds be made faster?",
                             "How can the flow of funds be made faster and more predictable?")
    doc.write_text(revised.replace("      - Which mechanisms favour national ownership?\n", ""))
    out = convene(cg, "import", str(doc), "--group", "cg", "--dry-run").stdout
    assert "reworded 2.1 (similarity" in out and "0 inputs, 1 withdrawn" in out
    assert "faster?”" in out and "faster and more predictable?”" in out
    assert "removed 2.2 “Which mechanisms favour national ownership?” (1 input)" in out


def test_a_console_bot_sees_a_list_of_its_session_in_the_compilation(db, tmp_path):
    from commands.importers.apply import import_file
    from storage import groups as group_store
    from datetime import datetime, timezone
    g = group_store.create_group(db, "cg", "CG", registration="open")
    group_store.bind_room(db, g.id, "console:main")
    group_store.set_coordinator(db, g.id, "console:coord", True)
    doc = tmp_path / "agenda.yaml"
    doc.write_text(AGENDA)
    import_file(db, g, str(doc))
    bot = Bot(db, Clock(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)))
    bot("iam Chile", user="console:cl")
    bot("submit WP.1:a Done.", user="console:cl")
    assert "WP.1:a" in bot("inputs mine", user="console:cl")
    questions = bot("questions", user="console:cl")
    assert "WP.1" in questions
