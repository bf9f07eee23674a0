"""Where the reader is unsure it decides by the whole document, says so in the preview, and imports another reading
on request (issue 24): `import apply ID reading N`."""
from __future__ import annotations

from datetime import date

from commands.importers import parse_document, read_document
from storage import agenda as agenda_store
from tests.conftest import FIXTURES
from tests.harness import ConsoleExchange

DATES = FIXTURES / "corpus" / "own_issue_and_meeting_dates.txt"


def test_the_meetings_date_is_chosen_by_the_whole_document_and_the_others_are_offered():
    doc = read_document(str(DATES))
    assert doc.sessions[0].start.date() == date(2027, 2, 3)          # not the issue date, not the deadline
    dated, lettered = doc.choices
    assert (dated.what, dated.chosen, dated.alternatives) == (
        "the meeting's date", "Wednesday 3 February 2027 (line 6)",
        ["Thursday 14 January 2027 (line 2)", "Wednesday 27 January 2027 (line 7)"])
    assert (lettered.what, lettered.chosen, lettered.alternatives) == (
        "the 2 lettered lines under items", "as sub-items, kept in the item's description",
        ["as questions of their item"])
    assert [n for n, _c, _a in doc.readings()] == [2, 3, 4]
    assert read_document(str(DATES), reading=2).sessions[0].start.date() == date(2027, 1, 14)
    fourth = read_document(str(DATES), reading=4)
    assert fourth.sessions[0].start.date() == date(2027, 2, 3)
    assert fourth.sessions[0].items[1].questions == ["country coalitions", "regional approaches"]


def test_lettered_lines_that_ask_are_read_as_questions_by_the_whole_document():
    text = ("Working Group on Victim Assistance\nFriday 5 March 2027\nAgenda\n10:00 1. Opening\n"
            "11:00 2. Data on survivors\n(a) How are data collected\n(b) Which ministries share them\n"
            "(c) What is missing\n12:00 3. Closing\n")
    doc = parse_document(text)
    assert doc.sessions[0].items[1].questions == ["How are data collected", "Which ministries share them",
                                                  "What is missing"]
    assert doc.choices[-1].chosen == "as questions of their item"


def test_the_preview_shows_the_choice_and_import_apply_reading_takes_the_other(db, group, clock):
    bot = ConsoleExchange(db, clock)
    preview = bot.say(f"import {DATES}", as_="coord")
    assert "Reading 1 of 4: where the document could be read more ways" in preview
    assert ("the meeting's date (line 6): reading 1 takes Wednesday 3 February 2027 (line 6); reading 2: Thursday 14 "
            "January 2027 (line 2); reading 3: Wednesday 27 January 2027 (line 7)") in preview
    assert "import apply 1 reading 2" in preview
    assert "no reading 9" in bot.say("import apply 1 reading 9", as_="coord")
    assert "Imported" in bot.say("import apply 1 reading 2", as_="coord")
    [session] = [s for s in agenda_store.sessions_of_group(db, group.id) if "Cooperation and Assistance" in s.title]
    assert session.start.date() == date(2027, 1, 14)               # 10:00 Geneva is 09:00 UTC on that day


def test_capitalised_lines_after_a_title_are_new_items_or_more_of_the_title_the_other_reading_offered():
    """Whether a line is a new untimed item or more of the title above: decided for the whole document, the
    other reading offered."""
    text = ("Expert Consultation\nSplit, 22 September 2026\nAGENDA\n09:00 Welcome and tour de table\n"
            "11:00 Discussion of the draft guidelines in break-out groups\nReporting back from the groups\n"
            "12:30 Lunch\n")
    first = parse_document(text)
    assert [it.title for it in first.sessions[0].items] == [
        "Welcome and tour de table", "Discussion of the draft guidelines in break-out groups",
        "Reporting back from the groups", "Lunch"]
    [choice] = first.choices
    assert (choice.what, choice.line, choice.alternatives) == (
        "the 1 capitalised line after complete titles", 6, ["as more of the title above"])
    second = parse_document(text, reading=2)
    assert [it.title for it in second.sessions[0].items] == [
        "Welcome and tour de table",
        "Discussion of the draft guidelines in break-out groups Reporting back from the groups", "Lunch"]
