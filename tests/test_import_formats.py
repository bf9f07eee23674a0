"""Programmes of other shapes, the YAML format, and documents that cannot be read."""
from datetime import date, datetime, timezone

import pytest

from commands.importers import DocumentError, parse_document, read_document
from commands.importers.apply import import_document, import_file
from storage import agenda as agenda_store
from tests.conftest import FIXTURES, SEED_AGENDA

PROGRAMME = FIXTURES / "intersessional_programme.txt"
YAML = FIXTURES / "handwritten_agenda.yaml"


def test_a_programme_without_a_year_is_read_in_the_current_year_and_says_so():
    """Issue 24: never refused; the year supplied is said, with its line, and --date says otherwise."""
    doc = read_document(str(PROGRAMME), today=date(2010, 3, 1))
    assert doc.sessions[0].start.date() == date(2010, 6, 21)
    assert any("(line 6) has no year: 2010 was taken" in n and "--date" in n for n in doc.notes)


def test_multi_day_programme_days_ranges_breaks_presenters():
    doc = read_document(str(PROGRAMME), default_date=date(2010, 6, 21))
    monday, tuesday = doc.sessions
    assert monday.title.endswith("— Monday 21 June") and tuesday.title.endswith("— Tuesday 22 June")
    assert monday.venue == "Palais des Nations, Geneva"
    assert (monday.start, monday.end) == (datetime(2010, 6, 21, 9, 15), datetime(2010, 6, 21, 18, 0))
    kinds = [(it.kind, it.number, it.title) for it in monday.items]
    assert kinds == [
        ("item", "1", "Standing Committee on Victim Assistance and Socio-Economic Reintegration"),
        ("break", None, "Coffee break"),
        ("item", "2", "Presentations by States Parties"),
        ("break", None, "Lunch"),
        ("item", "3", "Standing Committee on Mine Clearance"),
    ]
    first = monday.items[0]
    assert (first.start, first.end) == (datetime(2010, 6, 21, 9, 15), datetime(2010, 6, 21, 12, 15))
    assert first.presenters == ["the Co-Chairs, Belgium and Thailand"]
    assert first.questions[1] == "What support do survivors' organisations need to take part in national coordination?"
    lunch = monday.items[3]
    assert (lunch.start, lunch.end) == (datetime(2010, 6, 21, 13, 0), datetime(2010, 6, 21, 15, 0))
    assert lunch.questions == [] and monday.items[2].presenters == ["Afghanistan"]
    assert monday.items[4].start == datetime(2010, 6, 21, 15, 0)
    assert tuesday.items[1].start == datetime(2010, 6, 22, 14, 30)
    assert tuesday.items[0].presenters == ["the Implementation Support Unit"]


def test_date_on_a_dated_document_is_an_error():
    with pytest.raises(DocumentError) as e:
        read_document(str(SEED_AGENDA), default_date=date(2026, 1, 1))
    assert "--date only fills in a missing date" in str(e.value) and e.value.line == 7


def test_yaml_agenda_and_list():
    doc = read_document(str(YAML))
    s = doc.sessions[0]
    assert s.title == "Contact Group on Resource Mobilization" and s.venue == "Room XXIV, Palais des Nations"
    assert [(it.kind, it.number) for it in s.items] == [("item", "1"), ("break", None), ("item", "2")]
    assert s.items[2].questions == ["How can the flow of funds be made faster?",
                                    "Which mechanisms favour national ownership?"]
    assert s.items[0].presenters == ["Norway"]
    lst = doc.lists[0]
    assert lst.short == "WP.1" and [r for r, _ in lst.questions] == ["a", "b"]


@pytest.mark.parametrize("text, line, words", [
    ("title: X\ndate: 2026-13-01\nstart: '10:00'\nitems: []\n", 1, "is not a date"),
    ("title: X\ndate: 2026-12-01\nstart: '25:00'\nitems: []\n", 1, "is not a time"),
    ("title: X\ndate: 2026-12-01\nstart: '10:00'\nitems:\n  - number: 1\n    title: A\n  - number: 1\n    title: B\n",
     7, "appears twice"),
    ("title: [unclosed\n", 2, "not valid YAML"),
    ("title: X\ndate: 2026-12-01\nitems:\n  - title: A\n", 1, "missing 'start'"),
])
def test_yaml_errors_name_the_line(text, line, words):
    with pytest.raises(DocumentError) as e:
        parse_document(text, kind="yaml")
    assert words in str(e.value)
    assert e.value.line == line


def test_an_empty_document_is_refused():
    with pytest.raises(DocumentError) as e:
        parse_document("", kind="agenda")
    assert "empty" in str(e.value) and e.value.line == 1


@pytest.mark.parametrize("text, note", [
    ("Meeting\nFriday 25 June 2010\n10:00 to 13:00\nAgenda\n1. Opening\n1. Again\n",
     "item number 1 appears twice (lines 5 and 6): both kept"),
    ("Meeting\nFriday 31 June 2010\n10:00 to 13:00\nAgenda\n1. Opening\n2. Close\n",
     "'Friday 31 June 2010' (line 2) is not a date on the calendar: it was not used"),
    ("Meeting\nMonday 25 June 2010\n10:00 to 13:00\nAgenda\n1. Opening\n2. Close\n",
     "'Monday 25 June 2010' (line 2) does not match the calendar: 2010-06-25 is a Friday; the date was taken"),
    ("Meeting\nAgenda\n10:00 1. Opening\n12:00 2. Close\n",
     "no date for the items from line 3: they were put on 2026-12-02; give --date (or --start) to say which day"),
])
def test_broken_agendas_are_read_with_a_note_naming_the_line(text, note):
    """Issue 24: a document with text is never refused; what the reader supplied or doubted is said, with the
    line."""
    doc = parse_document(text, kind="agenda", today=date(2026, 12, 2))
    assert doc.sessions and doc.sessions[0].items
    assert any(n.startswith(note) for n in doc.notes), doc.notes


def test_binary_and_missing_files(tmp_path):
    pdf = tmp_path / "agenda.pdf"
    pdf.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    with pytest.raises(DocumentError, match="this PDF cannot be read"):
        read_document(str(pdf))
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(DocumentError, match="binary file"):
        read_document(str(blob))
    with pytest.raises(DocumentError, match="no file"):
        read_document(str(tmp_path / "nope.txt"))
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Réunion\n".encode("latin-1"))
    with pytest.raises(DocumentError, match="not UTF-8") as e:
        read_document(str(latin))
    assert e.value.line == 1


def test_failed_import_leaves_nothing_behind(db, group):
    good = read_document(str(SEED_AGENDA))
    bad = read_document(str(YAML))
    bad.sessions[0].start = datetime(2026, 3, 29, 2, 30)   # does not exist in Geneva (DST gap)
    good.sessions += bad.sessions
    with pytest.raises(DocumentError, match="does not exist"):
        import_document(db, group, good)
    assert agenda_store.sessions_of_group(db, group.id) == []
    assert list(db.query("select count(*) n from questions"))[0]["n"] == 0


def test_reimport_updates_instead_of_duplicating(db, group, tmp_path):
    from storage import submissions as sub_store
    first = import_file(db, group, str(SEED_AGENDA))
    sid = first.sessions[0][0].id
    q = agenda_store.session_question(db, sid, "2.6")
    sub_store.submit(db, group_id=group.id, question_id=q.id, delegation="Chile", author="console:a", text="Yes.")
    edited = tmp_path / "agenda.txt"
    edited.write_text(SEED_AGENDA.read_text().replace("International cooperation and assistance: victim assistance",
                                                       "Victim assistance (revised)"))
    again = import_file(db, group, str(edited), venue="Room XIX")
    assert again.sessions[0][1] is False and again.sessions[0][0].id == sid
    assert len(agenda_store.sessions_of_group(db, group.id)) == 1
    assert agenda_store.items_of_session(db, sid)[1].title == "Victim assistance (revised)"
    assert agenda_store.session_question(db, sid, "2.6").id == q.id      # the input stays attached
    assert len(agenda_store.questions_of_session(db, sid)) == 14
    assert agenda_store.session_by_id(db, sid).venue == "Room XIX"


def test_start_shifts_every_item_by_the_same_wall_clock_amount(db, group):
    result = import_file(db, group, str(SEED_AGENDA), start="2026-03-30T09:30")   # Geneva is on summer time
    s = result.sessions[0][0]
    assert s.start == datetime(2026, 3, 30, 7, 30, tzinfo=timezone.utc)
    assert s.end == datetime(2026, 3, 30, 10, 30, tzinfo=timezone.utc)
    items = agenda_store.items_of_session(db, s.id)
    assert items[0].start == datetime(2026, 3, 30, 7, 30, tzinfo=timezone.utc)
    assert items[5].start == datetime(2026, 3, 30, 10, 30, tzinfo=timezone.utc)


def test_reader_is_linear_in_the_documents_size():
    """Continuation lines used to be joined one by one (quadratic: 8,000 of them took over a minute)."""
    import time
    head = "Title of the meeting\nFriday 25 June 2010\nAgenda\n10:00 1. Opening\n"
    for body in ("continuing prose of the item description\n" * 8000,
                 "- A question that goes on\n" + "and continues on the next line\n" * 8000):
        t = time.monotonic()
        doc = parse_document(head + body)
        assert time.monotonic() - t < 2.0
        assert len(doc.sessions[0].items) == 1


def test_an_untimed_provisional_agenda_is_placed_by_start(db, group):
    """No times at all: the session is the whole day until --start places it (three hours from there)."""
    from commands.importers.apply import import_document
    from commands.importers import parse_document
    doc = parse_document("Meeting\nFriday 25 June 2010\nProvisional agenda\n1. Opening\n2. Close\n")
    assert doc.sessions[0].untimed and [it.start for it in doc.sessions[0].items] == [None, None]
    result = import_document(db, group, doc, start="2010-06-25T10:00")
    s = result.sessions[0][0]
    assert (s.end - s.start).total_seconds() == 3 * 3600


def test_lines_the_reader_did_not_use_are_listed(cli_env, tmp_path):
    from tests.test_cli import convene
    doc = tmp_path / "agenda.txt"
    doc.write_text("Skip to main content\nWelcome to our website\n\nContact group meeting\nMonday 7 June 2027\n\n"
                   "Agenda\n\n10:00 1. Opening\n10:30 2. Funding\n", encoding="utf-8")
    from commands.importers import read_document
    assert read_document(str(doc)).unused_lines == [2]        # navigation (line 1) is understood, not content
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    assert "Lines not used: 2" in convene(cli_env, "import", str(doc), "--group", "cg", "--dry-run").stdout
    assert "lines not used: 2" in convene(cli_env, "import", str(doc), "--group", "cg").stdout


def test_questions_under_a_sub_numbered_item_are_answered_by_their_ref(db, group, clock):
    """Item 2.1's first question is 2.1.1: typed like any ref, it reaches that question."""
    from commands.importers.apply import import_file
    from tests.conftest import Bot
    import_file(db, group, str(FIXTURES / "corpus" / "sub_numbered.txt"), start="2030-01-07T10:00")
    bot = Bot(db, clock)
    bot("iam Chile")
    out = bot("submit 2.2.1 Through community liaison.")
    assert "Received" in out and "2.2.1" in out
    assert "How is risk education reaching refugees?" in bot("inputs question 2.2.1")
