"""Exports read back with their own libraries and compared with what is stored: non-Latin scripts,
quotes, newlines, very long texts; the JSON restore round trip; backups."""
import csv
import io
import json

import pytest
from docx import Document
from icalendar import Calendar

from commands.exports import render
from commands.exports.json_export import group_document
from commands.exports.json_restore import restore_group
from commands.importers.model import DocumentError
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import open_db
from storage import submissions as sub_store
from storage.db import backup
from tests.conftest import SEED_AGENDA

TEXTS = {
    "Chile": "Apoyamos la coherencia entre ambas Convenciones. “Quoted” and 'single' & <b>not bold</b>\nSecond line.",
    "Egypt": "ندعم التماسك بين الاتفاقيتين، ونشدد على الملكية الوطنية.",
    "China": "我们支持两项公约之间的一致性。",
    "Russian Federation": "Мы поддерживаем согласованность между обеими конвенциями.",
    "Norway": "=SUM(A1:A9) is not a formula here. " + ("Long statement. " * 1200).strip(),
}


@pytest.fixture
def filled(bot, db, seeded, clock):
    for i, (deleg, text) in enumerate(TEXTS.items()):
        user = f"console:u{i}"
        bot(f"iam {deleg}", user=user)
        assert bot.reply(f"submit 2.6 {text}", user=user).ok
    bot("iam Peru", user="console:peru")            # registered, nothing sent
    bot("submit 3.1 --coordinators For the coordinators only", user="console:u0")
    bot("submit WP.15:f Predictable funding", user="console:u2")
    session = agenda_store.sessions_of_group(db, seeded.id)[0]
    return seeded, session


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def doc_header(data: bytes) -> str:
    return Document(io.BytesIO(data)).sections[0].header.paragraphs[0].text


def test_docx_carries_every_input_in_order_with_marks(db, filled, clock):
    group, session = filled
    data = render(db, group, "docx", session, clock(), edition="full").content
    text = _docx_text(data)
    assert "Special Session on International Cooperation and Assistance" in text
    assert "Friday 25 June 2010, 10:00–13:00 (Geneva time)" in text
    assert "Compilation of written inputs" in text
    for deleg, body in TEXTS.items():
        for para in body.split("\n"):
            assert para in text, deleg
    # alphabetical by delegation under question 2.6
    order = [text.index(f"\n{d} — ") for d in sorted(TEXTS, key=str.casefold)]
    assert order == sorted(order)
    assert "For the coordinators only" in text and "(coordinators only)" in text
    assert doc_header(data) == "RESTRICTED — CONTAINS COORDINATORS-ONLY INPUTS"
    public = render(db, group, "docx", session, clock()).content          # the default edition
    assert "(coordinators only)" not in _docx_text(public) and doc_header(public) == ""
    assert "without input" not in _docx_text(public) and "Peru" not in _docx_text(public)   # names no one missing
    assert "Question WP.15:f" in text and "registered without input: Peru" in text
    doc = Document(io.BytesIO(data))
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings[:3] == ["Summary", "1. Introductory remarks & overview of the purpose of the session",
                            "2. International cooperation and assistance: victim assistance"]


def test_markdown_escapes_and_carries_texts(db, filled, clock):
    group, session = filled
    md = render(db, group, "md", session, clock()).content.decode("utf-8")
    assert "# Special Session on International Cooperation and Assistance" in md
    assert "\\<b\\>not bold\\</b\\>" in md and "<b>" not in md
    for deleg in ("Egypt", "China", "Russian Federation"):
        assert TEXTS[deleg] in md
    assert "> Second line." in md


def test_csv_round_trips_exact_texts(db, filled, clock):
    group, session = filled
    data = render(db, group, "csv", session, clock(), edition="full").content
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    by = {(r["ref"], r["delegation"]): r for r in rows}
    for deleg, text in TEXTS.items():
        expected = "'" + text if text.startswith("=") else text
        assert by[("2.6", deleg)]["text"] == expected
    assert by[("3.1", "Chile")]["disclosure"] == "coordinators"
    assert by[("WP.15:f", "China")]["text"] == "Predictable funding"
    assert len(rows) == sub_store.count(db, group.id)


def test_json_matches_storage_and_restores_identically(db, filled, clock, tmp_path):
    group, session = filled
    bot_history = sub_store.of_group(db, group.id)
    doc = json.loads(render(db, group, "json", None, clock()).content)
    assert {s["delegation"] for s in doc["submissions"]} == {s.delegation for s in bot_history}
    assert doc["group"]["rooms"] == ["console:main"]
    other = open_db(tmp_path / "restored.db")
    restored, counts = restore_group(other, json.dumps(doc))
    assert counts["inputs"] == len(bot_history) and counts["sessions"] == 1 and counts["lists"] == 1
    again = group_document(other, restored)
    for key in ("sessions", "question_lists", "members"):
        strip = lambda xs: [{k: v for k, v in x.items() if k not in ("id", "created_at", "updated_at")} for x in xs]  # noqa: E731
        assert strip(again[key]) == strip(doc[key]), key
    canon = lambda subs: sorted((s["ref"], s["delegation"], s["text"], s["status"], s["created_at"], s["updated_at"],  # noqa: E731
                                 json.dumps(s["history"])) for s in subs)
    assert canon(again["submissions"]) == canon(doc["submissions"])
    with pytest.raises(DocumentError, match="already exists"):
        restore_group(other, json.dumps(doc))
    with pytest.raises(DocumentError, match="not a Convene group export"):
        restore_group(other, "{}")
    broken = dict(doc, sessions=[{"title": "x"}])
    with pytest.raises(DocumentError):
        restore_group(other, json.dumps(broken), slug="broken")
    assert group_store.group_by_slug(other, "broken") is None
    other.close()


def test_ics_has_timezone_agenda_deadline_and_alarms(db, filled, clock, bot):
    group, session = filled
    bot("deadline 2010-06-23 17:00", user="console:coord")
    session = agenda_store.session_by_id(db, session.id)
    cal = Calendar.from_ical(render(db, group, "ics", None, clock()).content)
    [tz] = [c for c in cal.walk("VTIMEZONE")]
    assert str(tz["TZID"]) == "Europe/Zurich"
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    ev = events["Special Session on International Cooperation and Assistance"]
    assert ev.decoded("DTSTART") == session.start and ev["DTSTART"].params["TZID"] == "Europe/Zurich"
    assert "1. Introductory remarks" in str(ev["DESCRIPTION"])
    triggers = sorted(str(a["TRIGGER"].to_ical(), "ascii") for a in ev.walk("VALARM"))
    assert triggers == ["-P1D", "-PT1H"]
    dl = events["Written input due: Special Session on International Cooperation and Assistance"]
    assert dl.decoded("DTSTART") == session.deadline and len(list(dl.walk("VALARM"))) == 3


def test_backup_is_a_consistent_copy(db, filled, tmp_path):
    group, _ = filled
    target = tmp_path / "backup.db"
    assert backup(db, target) > 0
    copy = open_db(target)
    assert sub_store.count(copy, group.id) == sub_store.count(db, group.id)
    copy.close()


def test_restore_keeps_inputs_on_questions_dropped_from_the_agenda(db, bot, seeded, clock, tmp_path):
    from commands.importers.apply import import_document
    from commands.importers import read_document
    bot("iam Chile")
    bot("submit 2.6 Kept although the question was dropped")
    doc = read_document(str(SEED_AGENDA))
    doc.sessions[0].items[1].questions = doc.sessions[0].items[1].questions[:5]     # 2.6 disappears
    import_document(db, seeded, doc, accept_changes=True)
    exported = json.loads(render(db, seeded, "json", None, clock()).content)
    assert exported["sessions"][0]["retired_questions"][0]["ref"] == "2.6"
    other = open_db(tmp_path / "r.db")
    _, counts = restore_group(other, json.dumps(exported))
    assert counts["inputs"] == 1
    [s] = sub_store.of_group(other, group_store.group_by_slug(other, "cg").id)
    assert s.ref == "2.6" and s.text == "Kept although the question was dropped"
    other.close()


def test_docx_is_ready_to_circulate(db, filled, clock):
    """A4 (or Letter), title and author set, a summary table with fixed widths and a header row repeated on every
    page, right-to-left paragraphs for Arabic text; CSV times in the session's zone and authors by name."""
    from docx.shared import Mm
    group, session = filled
    doc = Document(io.BytesIO(render(db, group, "docx", session, clock()).content))
    sec = doc.sections[0]
    assert (round(sec.page_width / Mm(1)), round(sec.page_height / Mm(1))) == (210, 297)
    letter = Document(io.BytesIO(render(db, group, "docx", session, clock(), paper="letter").content)).sections[0]
    assert (round(letter.page_width / Mm(1), 1), round(letter.page_height / Mm(1), 1)) == (215.9, 279.4)
    assert doc.core_properties.title == ("Compilation of written inputs — Special Session on International "
                                         "Cooperation and Assistance")
    assert doc.core_properties.author == "Contact Group on Cooperation"
    summary = doc.tables[0]
    xml = summary._tbl.xml
    assert '<w:tblLayout w:type="fixed"/>' in xml and "<w:tblHeader" in summary.rows[0]._tr.xml
    widths = [c.width for c in summary.rows[0].cells]
    assert widths[0] < widths[2] < widths[1]
    arabic = [p for p in doc.paragraphs if p.text.startswith("ندعم")]
    assert arabic and all("<w:bidi/>" in p._p.xml for p in arabic)
    latin = [p for p in doc.paragraphs if p.text.startswith("我们支持")]
    assert latin and "<w:bidi/>" not in latin[0]._p.xml
    rows = list(csv.DictReader(io.StringIO(render(db, group, "csv", session, clock()).content.decode("utf-8-sig"))))
    chile = next(r for r in rows if r["delegation"] == "Chile" and r["ref"] == "2.6")
    assert chile["submitted_at"].startswith("2010-06-21T11:00") and chile["submitted_at"].endswith("+02:00")
    assert chile["author"] == "u0"
