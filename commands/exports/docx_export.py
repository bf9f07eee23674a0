"""DOCX compilation (python-docx): the document a secretariat would circulate.

Title block (group, session, date and place, document symbol), a summary table of questions with
their input counts, then for each agenda item its questions in full and every delegation's input
(alphabetical, dated, late ones marked), and page numbers in the footer.
"""
from __future__ import annotations

import io

import unicodedata

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from commands.text.words import count
from commands.text import sanitize
from commands.text import timefmt
from commands.exports.compilation import RESTRICTED, WITHDRAWN_NOTE, Compilation, input_marks

_XML_BAD = dict.fromkeys(i for i in range(32) if i not in (9, 10, 13))


def clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters nor lone surrogates; python-docx would refuse them."""
    return sanitize.clean(text or "").translate(_XML_BAD)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word computes when it lays the document out."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    fld.append(run)
    paragraph._p.append(fld)


def _page_number_footer(doc) -> None:
    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("Page ")
    _field(p, "PAGE")
    p.add_run(" of ")
    _field(p, "NUMPAGES")


PAPER = {"a4": (Mm(210), Mm(297)), "letter": (Mm(215.9), Mm(279.4))}
MARGIN = Cm(2.2)
# Summary table columns as fractions of the text width: a short ref, the question, who answered.
SUMMARY_COLUMNS = (0.16, 0.54, 0.30)


def is_rtl(text: str) -> bool:
    """Mostly right-to-left script (Arabic, Persian, Hebrew…): the first strong letters decide, as in Unicode's
    paragraph direction rule."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _rtl(paragraph) -> None:
    """Mark a paragraph and its runs right-to-left (Word: w:bidi on the paragraph, w:rtl on each run)."""
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(OxmlElement("w:bidi"))
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in paragraph.runs:
        run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))


def _text_paragraph(doc, text: str, **kw):
    p = doc.add_paragraph(text, **kw)
    if is_rtl(text):
        _rtl(p)
    return p


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)
    cant = OxmlElement("w:cantSplit")
    trpr.append(cant)


def _fixed_widths(table, widths) -> None:
    """Fixed layout: Word and LibreOffice keep the columns as given instead of fitting them to the text."""
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    table.autofit = False
    for col, width in zip(table.columns, widths):
        col.width = width
        for cell in col.cells:
            cell.width = width


def _page_setup(doc, paper: str) -> int:
    width, height = PAPER[paper]
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = width, height
    sec.left_margin = sec.right_margin = sec.top_margin = sec.bottom_margin = MARGIN
    return width - 2 * MARGIN


def build_docx(c: Compilation, paper: str = "a4") -> bytes:
    if paper not in PAPER:
        raise ValueError(f"unknown paper size {paper!r}")
    doc = Document()
    text_width = _page_setup(doc, paper)
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    props = doc.core_properties
    props.title = clean(f"Compilation of written inputs — {c.title}")[:250]
    props.author = clean(c.group.name)[:250]
    props.subject = clean(c.symbol or c.group.name)[:250]
    props.comments = "Prepared by Convene" + (f" · {RESTRICTED}" if c.restricted else "")
    _page_number_footer(doc)
    if c.restricted:
        header = doc.sections[0].header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        hr = header.add_run(RESTRICTED.upper())
        hr.bold = True
        hr.font.size = Pt(9)

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if c.symbol:
        r = head.add_run(clean(c.symbol))
        r.bold = True
    sub = doc.add_paragraph(clean(c.group.name))
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading(clean(c.title), level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in filter(None, [c.when, c.venue]):
        p = doc.add_paragraph(clean(text))
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run("Compilation of written inputs")
    r.bold = True
    meta = doc.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mr = meta.add_run(f"Prepared by Convene on {timefmt.short_datetime(c.generated_at, c.tz)} "
                      f"({timefmt.zone_label(c.tz)})" + (f" · input deadline {c.deadline}" if c.deadline else ""))
    mr.italic = True
    mr.font.size = Pt(9)
    if c.restricted:
        warn = doc.add_paragraph()
        warn.alignment = WD_ALIGN_PARAGRAPH.CENTER
        wr = warn.add_run(f"{RESTRICTED}. Do not forward outside the coordinators.")
        wr.bold = True
    elif c.withheld:
        note = doc.add_paragraph()
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        nr = note.add_run(f"Public edition: {count(c.withheld, 'input')} for the coordinators only "
                          f"{'is' if c.withheld == 1 else 'are'} not included.")
        nr.italic = True
        nr.font.size = Pt(9)

    doc.add_heading("Summary", level=1)
    qs = c.questions
    table = doc.add_table(rows=1, cols=3)
    table.style = "Light Grid Accent 1"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    hdr = table.rows[0].cells
    hdr[0].text, hdr[1].text, hdr[2].text = "Ref", "Question", "Inputs from"
    _repeat_header(table.rows[0])
    for q in qs:
        row = table.add_row().cells
        row[0].text = q.label
        row[1].text = clean(q.text if len(q.text) <= 160 else q.text[:159] + "…")
        if is_rtl(row[1].text):
            _rtl(row[1].paragraphs[0])
        row[2].text = clean(", ".join(i.delegation for i in q.inputs) or "—")
    _fixed_widths(table, [int(text_width * f) for f in SUMMARY_COLUMNS])
    doc.add_paragraph(f"{count(len(c.contributing), 'delegation')} contributed"
                      + (f"; registered without input: {', '.join(c.missing)}" if c.missing else "") + ".")

    for sec in c.sections:
        heading = f"{sec.number}. {sec.title}" if sec.number else sec.title
        doc.add_heading(clean(heading), level=1)
        if sec.kind == "withdrawn":
            doc.add_paragraph().add_run(WITHDRAWN_NOTE).italic = True
        if not sec.questions:
            doc.add_paragraph("No discussion questions under this item.").italic = True
        for q in sec.questions:
            doc.add_heading(clean(f"Question {q.label}"), level=2)
            qp = doc.add_paragraph()
            qr = qp.add_run(clean(q.text))
            qr.italic = True
            if is_rtl(q.text):
                _rtl(qp)
            if not q.inputs:
                np_ = doc.add_paragraph()
                nr = np_.add_run("No written input received.")
                nr.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
            for i in q.inputs:
                hp = doc.add_paragraph()
                hr = hp.add_run(clean(i.delegation))
                hr.bold = True
                dr = hp.add_run(f" — {timefmt.short_datetime(i.updated_at, c.tz)}{input_marks(i)}")
                dr.font.size = Pt(9)
                for para in clean(i.text).split("\n"):
                    _text_paragraph(doc, para)
                if i.note:
                    nr = doc.add_paragraph().add_run(clean(f"Note: {i.note}"))
                    nr.italic = True
                    nr.font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
