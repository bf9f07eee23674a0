"""PDF and Word programmes imported directly, their tables read as tables (issue 13), through the CLI."""
import io
import zipfile

import pytest

from commands.importers import DocumentError, read_bytes, read_document
from tests.conftest import ROOT
from tests.test_cli import convene

DOCS = ROOT / "tests" / "fixtures" / "documents"


def items(doc):
    return [(it.kind, it.number, it.title, it.start.strftime("%H:%M") if it.start else None,
             it.end.strftime("%H:%M") if it.end else None, list(it.presenters)) for s in doc.sessions for it in s.items]


def test_a_pdf_whose_schedule_is_a_ruled_table():
    doc = read_document(str(DOCS / "programme_table.pdf"))
    assert [s.start.date().isoformat() for s in doc.sessions] == ["2027-09-07", "2027-09-08"]
    assert items(doc) == [
        ("item", "1", "Opening of the meeting", "10:00", "10:30", ["Ambassador Rosa Kim"]),
        ("item", "2", "Status of universalization", "10:30", "12:00", ["Mr Jon Dahl"]),
        ("break", None, "Coffee break", "12:00", "12:15", []),
        ("item", "3", "Clearance obligations and deadlines", "12:15", "13:00", []),
        ("item", "4", "Victim assistance", "15:00", "16:30", ["the Coordinators"]),
        ("item", "5", "Closing", "16:30", "18:00", [])]
    assert doc.unused_lines == []


def test_a_pdf_typeset_in_columns_over_two_pages():
    doc = read_document(str(DOCS / "agenda_text.pdf"))
    [s] = doc.sessions
    assert (s.title, s.symbol, s.start.isoformat(), s.end.isoformat()) == (
        "Standing Committee on Victim Assistance", "APLC/SC.VA/2027/1", "2027-06-16T10:00:00", "2027-06-16T13:00:00")
    assert [(it.number, it.title) for it in s.items] == [("1", "Opening remarks"), ("2", "Survivor participation"),
                                                         ("3", "Psychosocial support"), ("4", "Closing")]
    assert s.items[2].questions == ["Which services reach rural areas?"]       # after the page break
    assert s.items[0].presenters == ["the Co-Chairs, Chile and Norway"]


def test_a_word_programme_in_french_with_a_table_and_a_merged_cell():
    doc = read_document(str(DOCS / "programme.docx"))
    [s] = doc.sessions
    assert s.title == "Réunion intersessions de la Convention"
    assert items(doc) == [
        ("item", "1", "Ouverture", "09:30", "10:00", ["Mme Claire Dubois"]),
        ("item", "2", "Assistance aux victimes", "10:00", "11:30", ["M. Paul Girard"]),
        ("break", None, "Pause café", "11:30", "11:45", []),
        ("item", "3", "Coopération et assistance", "11:45", "13:00", []),
        ("break", None, "Déjeuner", "13:00", "15:00", [])]


@pytest.mark.parametrize("data, says", [
    (b"%PDF-1.4\n%broken beyond repair", "cannot be read"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Word (.doc) file"),
    (b"PK\x03\x04not a zip", "zip file"),
])
def test_documents_that_cannot_be_read_say_why(data, says):
    with pytest.raises(DocumentError, match=says.replace("(", r"\(").replace(")", r"\)")):
        read_bytes(data, ".pdf")


def test_a_zip_that_is_not_a_word_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(DocumentError, match="zip file"):
        read_bytes(buf.getvalue(), ".docx")


def test_the_cli_imports_a_pdf_and_previews_a_word_file(cli_env):
    convene(cli_env, "group", "create", "ccm", "--name", "CCM", "--registration", "open")
    preview = convene(cli_env, "import", str(DOCS / "programme.docx"), "--group", "ccm", "--dry-run").stdout
    assert "Dry run: nothing was changed" in preview
    assert "  09:30–10:00  1. Ouverture — Mme Claire Dubois" in preview
    assert "  11:30–11:45  Pause café [break]" in preview
    assert convene(cli_env, "session", "list", "ccm").stdout == ""
    out = convene(cli_env, "import", str(DOCS / "programme_table.pdf"), "--group", "ccm").stdout
    assert out.count("created session") == 2 and "3 items, 1 break" in out


def test_a_pdf_laid_out_in_columns_without_ruling():
    """Columns set apart by position: the speaker column stays out of the title, a title wrapped onto the next line
    is joined, registration coffee and the health break are breaks."""
    doc = read_document(str(DOCS / "programme_columns.pdf"))
    assert items(doc) == [
        ("break", None, "Registration and coffee", "09:00", "09:30", []),
        ("item", "1", "Opening session: the state of mine action and the road to 2030", "09:30", "10:15",
         ["H.E. Ms Amal Nasser"]),
        ("item", "2", "Panel 1: Financing completion", "10:15", "11:45", ["Mr Ivan Petrov"]),
        ("break", None, "Health break", "11:45", "12:00", []),
        ("item", "3", "Panel 2: Survivors at the centre", "12:00", "13:00", [])]
    assert doc.notes == [] and doc.unused_lines == []


def test_word_table_cells_with_several_paragraphs():
    """A cell's further paragraphs are its own lines: the moderator and panellists under a session's title are its
    people, a title wrapped onto a second paragraph is one title."""
    doc = read_document(str(DOCS / "workshop.docx"))
    assert items(doc) == [
        ("item", "1", "Land release in practice", "09:30", "11:00", ["Ms Hanna Berg", "Mr Ali Omar", "Ms Dana Cruz"]),
        ("break", None, "Coffee break", "11:00", "11:15", []),
        ("item", "2", "Data management for completion planning", "11:15", "12:30", [])]
