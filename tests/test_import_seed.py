"""The two real seed documents, read item by item and question by question."""
from datetime import datetime

import pytest

from commands.importers import read_document
from commands.importers.question_list import parse_question_list
from commands.importers.text_agenda import parse_text_agenda
from tests.conftest import SEED_AGENDA, SEED_PAPER


@pytest.fixture(scope="module")
def session():
    doc = read_document(str(SEED_AGENDA))
    assert len(doc.sessions) == 1 and not doc.lists
    return doc.sessions[0]


def test_session_title_date_and_times(session):
    assert session.title == "Special Session on International Cooperation and Assistance"
    assert session.start == datetime(2010, 6, 25, 10, 0)
    assert session.end == datetime(2010, 6, 25, 13, 0)


def test_six_items_numbered_in_order(session):
    assert [it.number for it in session.items] == ["1", "2", "3", "4", "5", "6"]
    assert [it.kind for it in session.items] == ["item"] * 6
    assert session.items[0].title == "Introductory remarks & overview of the purpose of the session"
    assert session.items[1].title == "International cooperation and assistance: victim assistance"
    assert session.items[5].title == "Special session ends"


def test_only_items_one_and_six_are_timed(session):
    assert session.items[0].start == datetime(2010, 6, 25, 10, 0)
    assert session.items[5].start == datetime(2010, 6, 25, 13, 0)
    assert all(it.start is None for it in session.items[1:5])


def test_presenters_of_items_one_and_five(session):
    president = ("President of the Second Review Conference and Chair of the Coordinating Committee, "
                 "Ambassador Susan Eckey of Norway")
    assert session.items[0].presenters == [president]
    assert session.items[4].presenters == [president]
    assert [it.presenters for it in session.items[1:4]] == [[], [], []]
    assert session.items[5].presenters == []


def test_question_counts(session):
    assert [len(it.questions) for it in session.items] == [0, 6, 5, 3, 0, 0]


def test_questions_are_clean_sentences(session):
    for it in session.items:
        for q in it.questions:
            assert q.endswith("?"), q
            assert "*" not in q and "\n" not in q and "  " not in q
    assert session.items[1].questions[5].startswith("Article 32 of the Convention on the Rights")
    assert session.items[1].questions[5].endswith("provisions of both Conventions?")


def test_question_split_by_page_break_is_whole(session):
    q = session.items[2].questions[1]
    assert q.startswith("The States Parties have defined national ownership")
    assert "How can States Parties in a position to assist, the UN and NGOs contribute" in q
    assert q.endswith("increase speed of the flow of funds through these mechanisms?")


def test_item_four_question_cut_mid_sentence_is_joined(session):
    q = session.items[3].questions[1]
    assert "are some that may need assistance in destroying stockpiled anti-personnel mines." in q
    assert q.endswith("Are the States Parties ready to respond to any new requests for assistance in this area?")


def test_background_has_no_letterhead_footer(session):
    bg = session.background
    assert "Longer discussion papers have also been developed to help prepare participants" in bg
    assert "c/o AP Mine Ban Convention" not in bg
    assert "Geneva International Centre for Humanitarian Demining" not in bg
    assert bg.startswith("Presented by the President of the Second Review Conference")


def test_working_paper_list():
    doc = read_document(str(SEED_PAPER))
    assert not doc.sessions and len(doc.lists) == 1
    lst = doc.lists[0]
    assert lst.symbol == "APLC/MSP.10/2010/WP.15"
    assert lst.short == "WP.15"
    assert lst.name == "Issues to address"
    assert [ref for ref, _ in lst.questions] == list("abcdefghijklmn")
    texts = dict(lst.questions)
    assert texts["f"] == "Taking steps to ensure predictable and sustainable dedicated mine action funding;"
    assert texts["a"] == ("Improving efficiency of all aspects of the transfer of financial resources from "
                          "providers to receivers, with a view to reducing delays and extra costs;")
    assert texts["l"] == "Improving transparency in reporting on support for victim assistance;"
    assert texts["m"].startswith("Broadening the understanding") and texts["m"].endswith("provide support”;")
    assert texts["n"].endswith("optimalization of resource mobilization.")
    assert "Considerations" not in texts["n"]
    assert lst.description.endswith("Such issues include:")


def test_paragraph_numbers_and_running_headers_do_not_become_questions():
    lst = parse_question_list(SEED_PAPER.read_text()).lists[0]
    assert all("APLC/MSP.10/2010/WP.15" not in t for _, t in lst.questions)
    assert len(lst.questions) == 14


def test_seed_agenda_with_crlf_and_form_feeds_reads_the_same():
    text = SEED_AGENDA.read_text()
    twisted = text.replace("\n", "\r\n").replace("Agenda for the 25 June", "\fAgenda for the 25 June")
    a = parse_text_agenda(text).sessions[0]
    b = parse_text_agenda(twisted).sessions[0]
    assert [it.questions for it in a.items] == [it.questions for it in b.items]
