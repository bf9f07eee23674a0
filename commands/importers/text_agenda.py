"""Plain-text agendas and programmes, as extracted from meeting PDFs.

Reads the seed kind (title, date, "10:00 to 13:00", background prose with a letterhead
footer spliced into a sentence, then numbered items with italic presenter and question
bullets that may continue after a page break) and the programmes such meetings publish
(day headings, time ranges like ``09.15 - 12.15`` or ``15h 30 - 17h 00``, coffee and lunch
breaks, "Introduced by" lines, dates without a year).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from commands.importers.model import DocumentError, ParsedDocument, ParsedItem, ParsedSession
from commands.importers.normalise import SUB_ITEM, normalise
from commands.importers.readings import Decider
from commands.importers.textutil import (
    LETTERHEAD, ROOM_CELL, SYMBOL_RE, TIME, TIME_RANGE, TIME_RE, clean_inline, ends_sentence, is_debris, make_date,
    match_date, parse_time, running_symbols, weekday_index,
)
from commands.text.slugs import slugify

AGENDA_HEADING = re.compile(
    r"^(?:(?:provisional|annotated|draft|revised|projet\s+d['’]|proyecto\s+de)\s*)*"
    r"(?:agenda|programme|program|schedule|order of business|ordre du jour|programme de travail|orden del d[ií]a|"
    r"programa|temario)\b", re.I)
ITEM_LINE = re.compile(
    rf"^(?:(?P<a>{TIME})(?:\s*(?:-|–|—|to|until|till)\s*(?P<b>{TIME}))?\s+)?"
    rf"(?:(?:item\s+)?(?P<num>\d{{1,2}}(?:\.\d{{1,2}}){{1,2}}(?=\.?\s)|\d{{1,2}}\s?(?:bis|ter|quater)(?=[.)]?\s)|"
    rf"\d{{1,2}}(?=[.)]\s)|[A-Z]\.?\d{{1,2}}(?=[.)]?\s))[.)]?\s+)?(?P<title>\S.*)$")
BREAK_RE = re.compile(
    r"^(?:(?:coffee|tea|lunch|networking|refreshments?|health|comfort)(?:\s*(?:and|&|/)\s*\w+(?:\s+\w+)?)?\s*(?:break)?|"
    r"break|pause|pause[\s-]*(?:café|cafe|déjeuner|dejeuner)|déjeuner|dejeuner|"
    r"(?:registration|welcome|arrival)\s*(?:and|&|/)\s*(?:coffee|tea|refreshments)|welcome\s+coffee|"
    r"pausa(?:\s+(?:para\s+(?:el\s+)?)?(?:café|cafe|almuerzo))?|almuerzo|receso|"
    r"(?:morning|afternoon)\s+(?:tea|coffee)|(?:[\w-]+\s+){1,3}(?:and|&)\s+(?:coffee|tea|lunch)(?:\s+break)?|"
    r"(?:lunch|déjeuner|dejeuner|almuerzo)\s+(?:libre|free|(?:hosted|offered)\s+by\s+.{3,80}|ofrecido\s+por\s+.{3,80}|"
    r"offert\s+par\s+.{3,80}))"
    r"[\s.:;,-]*(?:\(.*\))?$", re.I)
BULLET_RE = re.compile(r"^\s*(?:[-•–—▪◦·●○■□➢►]|\*(?=\s)|o(?=\s))\s+(?P<text>.*)$")
PRESENTER_RE = re.compile(
    r"^[*_]*(?:introduced by|introduction by|presentation by|presented by|chaired by|moderated by|facilitated by|"
    r"presenters?\s*:|speakers?\s*:|chair\s*:|moderators?\s*:|facilitators?\s*:)\s*(?P<who>.+?)[*_]*$", re.I)
PEOPLE_ONLY = re.compile(r"^Presented by:?$")        # a label whose names follow on their own lines
# A person on a line of their own: an honorific, or "Firstname Lastname, role".
PERSON_RE = re.compile(
    r"^(?:H\.?\s?E\.?|Mr|Mrs|Ms|Mme|Mlle|M\.|Dr|Dra|Prof(?:essor)?|Ambassador|Ambassadrice|Embajador(?:a)?|"
    r"(?:Vice-?)?[Mm]inistr[eoa]|Sir|Dame|Judge|Sr|Sra|Dña?|Ing|Eng|S\.E\.|"
    r"Excellency|His Excellency|Her Excellency)\.?\s+\S|"
    r"^[A-Z][a-zà-ÿ'’-]+(?:\s+(?:[A-Z][a-zà-ÿ'’-]+|de|da|van|von|del|la|le)){1,3},\s+\S")
_MADE_BY = re.compile(
    r"\b(?:will be (?:made|given|delivered|presented|introduced)|sera (?:faite|présentée|prononcée)|"
    r"será (?:presentad[oa]|hecha))\s+(?:by|par|por)\s+(?P<who>(?:H\.?\s?E\.?|Mr|Mrs|Ms|Mme|M\.|Dr|Prof|Ambassador|"
    r"Ambassadrice|Sr|Sra)\.?\s+[^.;]+)")
_COUNTED_DAY = re.compile(r"^(?:day|d[ií]a|jour|journée)\s+(\d{1,2})$", re.I)
_SYMBOL_REFS = re.compile(r"\s*\(((?:[A-Z][A-Z0-9]*(?:/[\w.()-]+)+(?:,\s*|\s+and\s+|\s*;\s*)?)+)\)$")
_COMMA_PERSON = re.compile(
    r",\s+(?=(?:H\.?\s?E\.?|Mr|Mrs|Ms|Mme|Mlle|M\.|Dr|Prof(?:essor)?|Ambassador|Ambassadrice|Minister|Sir|Dame|Judge|"
    r"Sr|Sra|Dña?|S\.E\.)\.?\s+[A-ZÀ-Ý])")
# Where a title's line stops short and the next line goes on with it
_OPEN_END = re.compile(r"(?:\b(?:to|of|on|for|and|or|in|at|by|with|the|a|an|under|from|between|into|de|du|des|la|le|les|"
                       r"et|sur|pour|en|à|del|el|los|las|y|para|sobre|con)|[,:;(&/–—-])$", re.I)
_PROSE = re.compile(r"^(?:the|this|these|it|its|delegations?|participants?|states|la|le|les|ce|cette|il|elle|"
                    r"el|los|las|este|esta|se)\s", re.I)


def _continues(before: str, text: str) -> bool:
    """Is ``text`` more of the title ``before`` (wrapped), rather than a line of its own?"""
    if text[:1].islower() or not text[:1].isalpha() or _OPEN_END.search(before.rstrip()) or TITLE_GOES_ON.match(text):
        return True
    return before.isupper() and text.isupper()


TITLE_GOES_ON = re.compile(r"^(?:to|of|on|for|and|in|at|under|de|du|des|sur|sobre|del|para|en)\s", re.I)
CONTINUED = re.compile(r"\((?:continued|cont(?:['’]d|\.)|suite|continuación)\)|\bcontinued\b", re.I)
TIMED_LINE = re.compile(rf"^{TIME}(?:\s*(?:-|–|—|to)\s*{TIME})?\s+\S", re.I)
NUMBERED_LINE = re.compile(r"^\d{1,2}[.)]\s+[A-ZÀ-Ý]")
LEADING_RANGE = re.compile(rf"^(?P<a>{TIME})(?:\s*(?:-|–|—|to|until|till)\s*(?P<b>{TIME}))?\s+(?P<rest>.*)$", re.I)
TRAILING_BRACKETS = re.compile(r"\s*\(.*\)\s*$")
DIGIT = re.compile(r"\d")
NUMBER_ONLY = re.compile(r"^(?P<n>\d{1,2})\.$")      # "Item 5" on a line of its own, its title below
RANGE_ONLY = re.compile(rf"^(?P<a>{TIME})(?:\s*(?:-|–|—|to|until|till)\s*(?P<b>{TIME}))?$", re.I)
VENUE_RE = re.compile(r"^(?:venue|location|place|room)\s*:\s*(?P<where>.+)$", re.I)
LABEL_HEADING = re.compile(r"^[A-Z][A-Za-z ]{0,30}:$")
_LABEL_LINE = re.compile(r"^[A-ZÀ-Ý][\w’'-]*(?:\s+[\w’'-]+){0,3}\s*:(?:\s+\S.*)?$")
QUESTION_HINT = "?"
PRESENTER_MAX = 200


@dataclass
class _Line:
    n: int          # 1-based line number in the file
    text: str       # stripped


@dataclass
class _Bullet:
    text: str
    line: int
    continued: bool = False
    more: list[str] = field(default_factory=list)     # continuation lines, joined once at the end (linear)
    asked: bool = False                                # a lettered line read as a question (without a "?")


@dataclass
class _Item:
    parsed: ParsedItem
    bullets: list[_Bullet] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    last: str = "title"      # what the previous content line was: title | bullet | para
    last_line: int = 0       # its line number (a speaker cell split off the title's own line shares it)
    title_more: list[str] = field(default_factory=list)   # continuation lines of the title, joined at the end
    para_more: list[list[str]] = field(default_factory=list)
    day: date | None = None
    times: tuple[time | None, time | None] = (None, None)
    said: tuple = (None, None)   # the times its own line gave
    bilingual: bool = False  # its line came again in another language: its further lines come in pairs too
    paired: int = 0          # content lines seen since (the second of each pair is the translation)


def looks_like_agenda(text: str) -> bool:
    lines = [ln.text for ln in normalise(text)[0]]
    heading = any(AGENDA_HEADING.match(ln) and len(ln) < 100 for ln in lines)
    timed = sum(1 for ln in lines if TIMED_LINE.match(ln))
    numbered = sum(1 for ln in lines if NUMBERED_LINE.match(ln))
    return (heading and (timed or numbered >= 2)) or timed >= 2


def agenda_weight(text: str) -> int:
    """How much of an agenda the text holds: timed lines, numbered items that do not ask, an 'Agenda' heading."""
    lines = [ln.text for ln in normalise(text)[0]]
    heading = any(AGENDA_HEADING.match(ln) and len(ln) < 100 for ln in lines)
    return (sum(1 for ln in lines if TIMED_LINE.match(ln) or (NUMBERED_LINE.match(ln) and "?" not in ln))
            + (3 if heading else 0))


def parse_text_agenda(text: str, *, default_date: date | None = None, fallback_date: date | None = None,
                      today: date | None = None, decider: Decider | None = None) -> ParsedDocument:
    """Never refuses a document with text: what it is unsure of, it decides by the whole document (``decider``
    records the choice); what it cannot find (a title, a date) it supplies and says so in a note."""
    if not text.strip():
        raise DocumentError("the document is empty: expected an agenda (a title, a date and numbered items)", 1)
    decider = decider or Decider()
    normal, _furniture = normalise(text)
    symbols = running_symbols([ln.text for ln in normal])
    lines: list[_Line | None] = []
    for ln in normal:
        if is_debris(ln.text, symbols):
            lines.append(None)          # page debris: gone, but it is not a paragraph break either
        else:
            lines.append(_Line(ln.n, ln.text))
    if not any(ln and ln.text for ln in lines):
        raise DocumentError("the document holds nothing but page headers and numbers: expected an agenda", 1)
    unused: set[int] = set()
    notes: list[str] = []
    _drop_summaries(lines, notes)
    start = _agenda_start(lines)
    plain = start is None
    if plain:
        # No numbered or timed items: a programme of plain lines under day headings (or no agenda at all). The
        # items start at the first day heading, else after the title.
        start = _plain_start(lines)
    pre = _read_preamble([ln for ln in lines[:start] if ln is not None], unused)
    doc_symbol = next(iter(sorted(symbols)), None) if len(symbols) == 1 else None
    body = [ln for ln in lines[start:] if ln is not None]
    _choose_date(pre, lines[:start], body, decider)
    yearless = pre.date_match is not None and pre.date_match[2] is None
    year_notes: list[str] = []
    inferred = _year_in(normal, year_notes) if (default_date is None and fallback_date is None
                                                and (yearless or pre.date_match is None)) else None
    doc_date = _resolve_doc_date(pre, default_date or (fallback_date if pre.date_match is None or yearless else None)
                                 or (inferred if yearless else None), notes, today)
    year_hint = default_date or fallback_date or inferred
    if yearless and inferred is not None:
        notes.extend(year_notes)
    lettered = _choose_lettered(body, decider)
    kept_notes, kept_unused = list(notes), set(unused)
    phrases: list[int] = []
    items_by_day = _read_items(body, pre, doc_date, year_hint, unused, year_notes if not yearless else [], notes,
                               plain=plain, lettered_questions=lettered, today=today, phrases=phrases)
    if phrases and decider.decide(
            f"the {len(phrases)} capitalised line{'s' if len(phrases) > 1 else ''} after complete titles",
            [("as new items without time or number", False), ("as more of the title above", True)], phrases[0]):
        notes[:], unused.clear()
        notes.extend(kept_notes)
        unused.update(kept_unused)
        items_by_day = _read_items(body, pre, doc_date, year_hint, unused, year_notes if not yearless else [],
                                   notes, plain=plain, lettered_questions=lettered, today=today, phrases=None)
    sessions = []
    multi = len(items_by_day) > 1
    numbered, counted = _number_across(items_by_day), 0
    for index, (day, day_line, items) in enumerate(items_by_day, start=1):
        if day is None:
            day = fallback_date or default_date or today or date.today()
            notes.append(f"no date for the items from line {day_line}: they were put on {day.isoformat()}; give "
                         "--date (or --start) to say which day")
        parsed_items = [_finish_item(it, day) for it in items]
        counted = _check_numbers(parsed_items, notes, counted if numbered else 0)
        if not multi:
            _times_from_prose(parsed_items, " ".join(filter(None, [pre.date_match[5] if pre.date_match else None,
                                                                   pre.background])), day)
        s_start, s_end, untimed = _session_span(pre, parsed_items, day, multi, day_line, notes)
        title = pre.title if not multi else f"{pre.title} — {day.strftime('%A')} {day.day} {day.strftime('%B')}"
        key = f"{slugify(pre.title)}@{(doc_date or day).isoformat()}" + (f"/day{index}" if multi else "")
        sessions.append(ParsedSession(
            title=title, start=s_start, end=s_end, items=parsed_items, key=key,
            symbol=doc_symbol, background=pre.background or None, venue=pre.venue, untimed=untimed))
    return ParsedDocument(sessions=sessions, unused_lines=sorted(unused), notes=notes, choices=decider.choices,
                          reading=decider.reading)


_SUMMARY = re.compile(r"^(?:summary of (?:the )?(?:meetings?|proceedings)|résumé des (?:séances|débats|réunions)|"
                      r"resumen de (?:las )?(?:sesiones|reuniones)|compte rendu|announcements?|annonces?|anuncios?|"
                      r"avisos|other (?:meetings|information)|autres réunions|otras reuniones)\b", re.I)


def _drop_summaries(lines: list[_Line | None], notes: list[str]) -> None:
    """A journal summarises meetings already held and carries announcements: those parts, from their heading to the
    next programme heading, are not the programme (said in a note)."""
    skipping, first = False, None
    for i, ln in enumerate(lines):
        if ln is None or not ln.text:
            continue
        if _SUMMARY.match(ln.text) and len(ln.text) < 100:
            skipping, first = True, first or ln.n
        elif skipping and AGENDA_HEADING.match(ln.text) and len(ln.text) < 100:
            skipping = False
        if skipping:
            lines[i] = None
    if first:
        notes.append(f"a summary of past meetings or announcements (from line {first}) was not read as the programme")


_OPENS_AT = re.compile(rf"\b(?:at|à|a las|from|dès|de|opened|ouvrira|begins?|starts?|commencera)\s+(?P<t>{TIME})", re.I)
_ENDS_AT = re.compile(rf"\b(?:fin|end|ends|close|closes|conclu\w*|clôtur\w*|termin\w*|until|jusqu['’]à)\D{{0,20}}?"
                      rf"(?P<t>{TIME})", re.I)


def _times_from_prose(items: list[ParsedItem], background: str | None, day: date) -> None:
    """An agenda without a single time whose prose says when the meeting opens and closes ("will be opened at
    10 a.m.", "de 10 heures à 13 heures", "prendra fin à 13 heures"): the first item starts then, the last ends
    then."""
    agenda = [it for it in items if it.kind == "item"]
    if not agenda or any(it.start or it.end for it in items):
        return
    prose = " ".join(filter(None, [background, *(it.description for it in agenda)]))
    if not prose or not DIGIT.search(prose):
        return
    span = TIME_RANGE.search(prose)
    start = span.group("a") if span else (m.group("t") if (m := _OPENS_AT.search(prose)) else None)
    end = span.group("b") if span else (m.group("t") if (m := _ENDS_AT.search(prose)) else None)
    try:
        if start:
            agenda[0].start = datetime.combine(day, parse_time(start))
        if end and (agenda[-1] is not agenda[0] or start is None):
            agenda[-1].end = datetime.combine(day, parse_time(end))
    except ValueError:
        return


def _plain_start(lines: list[_Line | None]) -> int:
    """Where the items of a programme without numbers or times start: at its first day heading, else after the
    'Programme' heading, else after the first line (the title)."""
    for i, ln in enumerate(lines):
        if ln and ln.text and len(ln.text) < 80 and match_date(ln.text, whole=True):
            return i
    start = None
    for i, ln in enumerate(lines):
        if ln and ln.text and AGENDA_HEADING.match(ln.text) and len(ln.text.split()) <= 5:
            start = i + 1
            break
    if start is None:
        start = next(i for i, ln in enumerate(lines) if ln and ln.text) + 1
    # a place-and-date line, a venue under the heading still describe the meeting
    while start < len(lines) and (not lines[start] or not lines[start].text or VENUE_RE.match(lines[start].text)
                                  or (len(lines[start].text) <= 100 and match_date(lines[start].text))):
        start += 1
    return start


def _number_across(items_by_day) -> bool:
    """A programme over several days without a single item number is numbered in order across its days."""
    return len(items_by_day) > 1 and not any(it.parsed.number for _d, _l, items in items_by_day for it in items)


def _year_in(lines, notes: list[str]) -> date | None:
    """Day headings without a year ("Monday 13 September") in a document that names its year elsewhere (its title,
    its symbol APLC/MSP.21/2026/1, "Geneva, 1–3 December 2026"): that year, said in a note."""
    for ln in lines:
        m = re.search(r"(?<![\d/])(?:19|20)\d\d(?![\d])", ln.text)
        if m:
            notes.append(f"the days have no year: {m.group()} (line {ln.n}) was taken; give --date to say otherwise")
            return date(int(m.group()), 1, 1)
    return None


# --- preamble ------------------------------------------------------------------

@dataclass
class _Preamble:
    title: str
    title_line: int
    date_match: tuple | None = None      # (day, month, year|None, weekday|None, line, text)
    span: tuple[time, time] | None = None
    background: str = ""
    venue: str | None = None


def _agenda_start(lines: list[_Line | None]) -> int | None:
    """Index of the first line of the agenda proper."""
    for i, ln in enumerate(lines):
        if ln and AGENDA_HEADING.match(ln.text) and len(ln.text) < 100 and not ends_sentence(ln.text.rstrip(":")):
            if any(l2 and _is_item_line(l2.text) for l2 in lines[i + 1:]):
                # Lines between the heading and the first item or day heading (a venue, a chair)
                # still describe the session: they stay in the preamble.
                for j in range(i + 1, len(lines)):
                    l2 = lines[j]
                    if l2 and l2.text and (_is_item_line(l2.text) or match_date(l2.text, whole=True)
                                           or BREAK_RE.match(l2.text) or RANGE_ONLY.match(l2.text)
                                           or NUMBER_ONLY.match(l2.text)):
                        return j
                return i + 1
    seen_text = False
    for i, ln in enumerate(lines):
        if not ln or not ln.text:
            continue
        if seen_text and _is_item_line(ln.text) and (TIME_RE.match(ln.text) or re.match(r"^1[.)]\s", ln.text)):
            return i
        seen_text = True
    return None


def _is_item_line(text: str) -> bool:
    m = ITEM_LINE.match(text)
    return bool(m and (m.group("a") or m.group("num")) and not _prose_after_time(m)) or bool(RANGE_ONLY.match(text))


def _prose_after_time(m) -> bool:
    """``10:00 - 13:00, dans la salle VII …``: a sentence that a wrapped line starts with times, not an item."""
    return bool(m.group("a")) and not m.group("num") and m.group("title")[:1] in ",;.–—-"


def _title_of(content: list[_Line]) -> _Line | None:
    """The document's title: the first heading-like line of the block just above its date or its 'Agenda'
    heading (the title is rarely the first line of a published document: navigation, letterheads and symbols
    come first), else the first such line of the document."""
    def fit(ln: _Line, words: int = 2) -> bool:
        t = ln.text
        return (len(t) <= 200 and len(t.split()) >= words and not LETTERHEAD.match(t) and not mostly_date(t)
                and not _is_item_line(t) and not VENUE_RE.match(t) and not SYMBOL_RE.match(t)
                and not (AGENDA_HEADING.match(t) and len(t.split()) <= 5) and any(c.isalpha() for c in t))

    def dated(t: str) -> bool:
        found = match_date(t, whole=True) or (match_date(t) if len(t) <= 100 else None)
        if found and _NOT_THE_MEETING.search(t[:found[0].start()]):
            return False                  # "Issued: 14 January 2027": not the date a title stands above
        return bool(found) and (found[3] is not None or match_date(t, whole=True) is not None)

    def mostly_date(t: str) -> bool:
        found = match_date(t)
        return bool(found) and len((t[:found[0].start()] + t[found[0].end():]).split()) < 3
    anchor = next((i for i, ln in enumerate(content) if dated(ln.text)
                   or (AGENDA_HEADING.match(ln.text) and len(ln.text.split()) <= 5)), len(content))
    start = anchor
    while start > 0 and (start == anchor or content[start].n - content[start - 1].n <= 1):
        if start < anchor and content[start].n - content[start - 1].n > 1:
            break
        start -= 1
    for ln in content[start:anchor]:
        if fit(ln):
            return ln
    return next((ln for ln in content if fit(ln)), None) or next((ln for ln in content if fit(ln, 1)), None)


def _read_preamble(lines: list[_Line], unused: set[int]) -> _Preamble:
    content = [ln for ln in lines if ln.text]
    first = _title_of(content) if content else None
    if first is None:
        # No heading-like line above the items: the first line that is not a date, else a plain name
        first = next((ln for ln in content if not match_date(ln.text, whole=True)), None)
        if first is None:
            return _Preamble(title="Programme", title_line=lines[0].n if lines else 1,
                             date_match=_first_date(content))
    unused.update(ln.n for ln in content if ln.n < first.n and not match_date(ln.text, whole=True)
                  and not LETTERHEAD.match(ln.text) and not SYMBOL_RE.match(ln.text)
                  and not (AGENDA_HEADING.match(ln.text) and len(ln.text.split()) <= 5))
    pre = _Preamble(title=clean_inline(first.text), title_line=first.n)
    used = {first.n} | {ln.n for ln in content if ln.n < first.n}
    # A title set on two lines: "TWENTY-THIRD MEETING OF THE STATES PARTIES" / "TO THE … CONVENTION"
    after = [ln for ln in content if ln.n > first.n]
    prev = first.n
    for ln in after[:2]:
        if ln.n == prev + 1 and TITLE_GOES_ON.match(ln.text) and not match_date(ln.text) and len(ln.text) <= 120:
            pre.title = clean_inline(f"{pre.title} {ln.text}")
            used.add(ln.n)
            prev = ln.n
        else:
            break
    for ln in content[1:]:
        if len(ln.text) > 80:
            continue
        venue = VENUE_RE.match(ln.text)
        if venue and pre.venue is None:
            pre.venue = clean_inline(venue.group("where"))
            used.add(ln.n)
            continue
        if AGENDA_HEADING.match(ln.text) and not ends_sentence(ln.text):
            used.add(ln.n)
            continue
        if pre.date_match is None:
            found = match_date(ln.text, whole=True)
            if found:
                _m, day, month, year, weekday = found
                pre.date_match = (day, month, year, weekday, ln.n, ln.text)
                used.add(ln.n)
        if pre.span is None:
            m = TIME_RANGE.search(ln.text)
            if m and len(ln.text) < 60:
                pre.span = (_time(m.group("a"), ln.n), _time(m.group("b"), ln.n))
                used.add(ln.n)
    if pre.date_match is None:
        # No line that is only a date: a short line that carries one with its year ("Geneva, 12-14 November 2025",
        # "Programme of work — 13 November 2025") dates the document.
        for ln in content[1:]:
            found = match_date(ln.text) if len(ln.text) <= 100 else None
            if found and found[3] is not None:
                _m, day, month, year, weekday = found
                pre.date_match = (day, month, year, weekday, ln.n, ln.text)
                used.add(ln.n)
                break
    pre.background = "\n\n".join(_paragraphs([ln for ln in lines if ln.n not in used]))
    return pre




def _paragraphs(lines: list[_Line]) -> list[str]:
    """Prose paragraphs of the preamble with headings dropped and spliced footers repaired."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for ln in lines:
        if not ln.text:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(ln.text)
    if current:
        blocks.append(current)
    # A letterhead footer spliced into a sentence: a block that stops mid-sentence, then a block of
    # short unpunctuated lines, then a block that starts in lower case. Drop the footer, join the halves.
    out: list[list[str]] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if not ends_sentence(block[-1]) and i + 2 < len(blocks):
            j = i + 1
            while j < len(blocks) and _is_footer_block(blocks[j]):
                j += 1
            if j > i + 1 and j < len(blocks) and blocks[j][0][:1].islower():
                out.append(block + blocks[j])
                i = j + 1
                continue
        out.append(block)
        i += 1
    paragraphs = []
    for block in out:
        text = clean_inline(" ".join(block))
        if len(block) == 1 and _is_heading(text):
            continue
        paragraphs.append(text)
    return paragraphs


def _is_footer_block(block: list[str]) -> bool:
    return len(block) <= 5 and all(len(ln) < 100 and not ends_sentence(ln) for ln in block)


def _is_heading(text: str) -> bool:
    return (len(text) <= 60 and not ends_sentence(text)) or bool(LABEL_HEADING.match(text))


def _time(text: str, line: int) -> time:
    try:
        return parse_time(text)
    except ValueError:
        raise DocumentError(f"'{text}' is not a time of day: expected HH:MM such as 10:00", line)


def _first_date(content: list[_Line]):
    for ln in content:
        found = match_date(ln.text, whole=True)
        if found:
            _m, day, month, year, weekday = found
            return (day, month, year, weekday, ln.n, ln.text)
    return None


def _resolve_doc_date(pre: _Preamble, default_date: date | None, notes: list[str],
                      today: date | None = None) -> date | None:
    if pre.date_match is None:
        return default_date
    day, month, year, weekday, line, text = pre.date_match
    if year is not None and default_date is not None:
        raise DocumentError(f"the document is dated ('{text}'); --date only fills in a missing date. "
                            "Use --start to move the session", line)
    if year is None:
        if default_date is None:
            default_date = today or date.today()
            notes.append(f"the date '{text}' (line {line}) has no year: {default_date.year} was taken; give "
                         "--date YYYY-MM-DD to say otherwise")
        year = default_date.year
    try:
        found = make_date(day, month, year, line)
    except DocumentError:
        notes.append(f"'{text}' (line {line}) is not a date on the calendar: it was not used")
        return default_date
    wd = weekday_index(weekday)
    if wd is not None and wd != found.weekday():
        notes.append(f"'{text}' (line {line}) does not match the calendar: {found.isoformat()} is a "
                     f"{found.strftime('%A')}; the date was taken, not the weekday")
    return found


# The words around a date that make it something else than the meeting's: when the document was issued or revised,
# a deadline, a registration period, "as of".
_NOT_THE_MEETING = re.compile(
    r"\b(?:issued?|distr|date of issue|dated|revis\w*|rev\.|as of|as at|updated?|deadline|registration|registr\w+|"
    r"regist\w+|inscri\w+|until|till|before|by|no later|submi\w+|published|version|printed|circulated|"
    r"jusqu\w*|avant|au plus tard|publié\w*|mise à jour|hasta|antes|a más tardar|plazo|publicad\w*|actualiz\w*|"
    r"reçu\w*|recibid\w*|envoy\w*|sent|received|note verbale|ref\.?|réf\.?)\b", re.I)
_THE_MEETING = re.compile(
    r"\b(?:held|will (?:be held|take place|meet|convene)|takes? place|convene[sd]?|meeting (?:on|of)|session on|"
    r"se tiendra|aura lieu|se réunira|se réunit|tendrá lugar|se celebrará|se reunirá|"
    r"(?:morning|afternoon)|from \d|de \d)\b", re.I)


def _choose_date(pre: _Preamble, head: list[_Line | None], body: list[_Line], decider: Decider) -> None:
    """The meeting's date among every date above the items, by the whole document: a date that stands alone as
    a heading, carries its weekday, sits in a sentence that convenes the meeting, or lies a few days before the day
    headings of the programme is the meeting's; one beside 'issued', 'revised', 'deadline', 'registration', 'as of'
    is not. The best is taken; the runner-up is offered as another reading."""
    days = [f for f in (match_date(ln.text, whole=True) for ln in body[:400] if ln.text and len(ln.text) < 80)
            if f and f[3] is not None]
    heading_days = []
    for f in days:
        try:
            heading_days.append(date(f[3], f[2], f[1]))
        except ValueError:
            continue
    candidates = []
    heads = [x for x in head if x is not None and x.text]
    furniture = [i for i, x in enumerate(heads) if _FURNITURE_NEAR.search(x.text) or SYMBOL_RE.match(x.text)
                 or LETTERHEAD.match(x.text)]
    mentions: dict[tuple[int, int], int] = {}
    for ln in [*heads, *body[:2000]]:
        if ln.text and DIGIT.search(ln.text):
            for f in _dates_in(ln.text):
                mentions[(f[1], f[2])] = mentions.get((f[1], f[2]), 0) + 1
    for order, ln in enumerate(heads):
        for found in _dates_in(ln.text):
            m, day, month, year, weekday = found
            if year is None and not match_date(ln.text, whole=True):
                continue
            try:
                when = date(year, month, day) if year else None
            except ValueError:
                continue
            whole = bool(match_date(ln.text, whole=True))
            around = ln.text[max(0, m.start() - 40):m.end() + 25]
            score = 0.0
            score += 2 if whole else 0
            score += 1 if weekday else 0
            score -= 3 if _NOT_THE_MEETING.search(ln.text[max(0, m.start() - 40):m.start()]) else 0
            score -= 1 if _NOT_THE_MEETING.search(around) and not _THE_MEETING.search(around) else 0
            score += 2 if _THE_MEETING.search(around) or AGENDA_HEADING.match(ln.text) else 0
            if heading_days and when:
                gap = min((d - when).days for d in heading_days if d >= when) if any(
                    d >= when for d in heading_days) else None
                score += 2 if gap is not None and gap <= 7 else -1
            if any(abs(order - i) <= 2 for i in furniture) and not whole_sentence(ln.text):
                score -= 2.5           # beside "Distr.: General", "Original:", the symbol: when it was issued
            if _PLACE_DATE.match(ln.text) and m.end() >= len(ln.text.rstrip(" .")) - 1:
                score += 1             # "Vienna, 18 May 2027": where and when the meeting is
            score += min(2, mentions.get((day, month), 1) - 1)      # the meeting's date is said again below
            score -= order * 0.01
            candidates.append((score, order, (day, month, year, weekday, ln.n, ln.text), when))
    if not candidates:
        return
    candidates.sort(key=lambda c: (-c[0], c[1]))
    seen, options = set(), []
    for score, _o, match, when in candidates:
        key = when or (match[0], match[1])
        if key in seen:
            continue
        seen.add(key)
        label = (f"{when.strftime('%A')} {when.day} {when.strftime('%B')} {when.year}" if when
                 else f"{match[0]} {date(2000, match[1], 1).strftime('%B')}") + f" (line {match[4]})"
        options.append((label, match))
    pre.date_match = decider.decide("the meeting's date", options[:3], options[0][1][4])


_FURNITURE_NEAR = re.compile(r"\b(?:distr\.?|distribution|distribución|original)\b", re.I)
_PLACE_DATE = re.compile(r"^[A-ZÀ-Ý][\w'’ .()-]{1,40},\s*(?:le\s+|el\s+)?", re.I)


def whole_sentence(text: str) -> bool:
    return len(text.split()) >= 8


def _dates_in(text: str):
    """Every date in a line, in order (a line may carry an issue date and the meeting's)."""
    out, offset = [], 0
    while offset < len(text):
        found = match_date(text[offset:])
        if not found:
            break
        m = found[0]
        shifted = re.compile(re.escape(m.group())).search(text, offset)
        out.append((shifted,) + found[1:])
        offset = shifted.end()
    return out


# --- agenda items -----------------------------------------------------------------

def _choose_lettered(body: list[_Line], decider: Decider) -> bool:
    """Lettered lines under items ((a), (b)… without a question mark): the item's sub-items (kept in its
    description, the usual reading of an agenda) or its questions. Decided once for the whole document: questions
    when most lettered lines end like questions elsewhere do or start with a question word."""
    lettered = [ln for ln in body if SUB_ITEM.match(ln.text) and "?" not in ln.text]
    if not lettered:
        return False
    asking = sum(1 for ln in lettered if _QUESTION_WORD.match((SUB_ITEM.match(ln.text).group("t")
                                                               or SUB_ITEM.match(ln.text).group("t2") or "")))
    as_questions = asking * 2 > len(lettered)
    options = [("as questions of their item", True), ("as sub-items, kept in the item's description", False)]
    if not as_questions:
        options.reverse()
    return decider.decide(f"the {len(lettered)} lettered lines under items", options, lettered[0].n)


_QUESTION_WORD = re.compile(r"^(?:what|how|which|why|who|when|where|should|could|would|is|are|do|does|can|"
                            r"quel\w*|comment|pourquoi|qui|est-ce|qué|cómo|cuál\w*|por qué|quién)\b", re.I)


def _read_items(lines: list[_Line], pre: _Preamble, doc_date: date | None, default_date: date | None,
                unused: set[int], year_notes: list[str] = (), notes: list[str] | None = None, *,
                plain: bool = False, lettered_questions: bool = False, today: date | None = None,
                phrases: list[int] | None = None):
    """The items, day by day. ``phrases`` collects the lines read as new untimed items after a complete title (the
    caller offers the other reading: more of the title); None reads them as more of the title."""
    days: list[tuple[date | None, int, list[_Item]]] = []
    day: date | None = doc_date
    day_line = lines[0].n if lines else pre.title_line
    items: list[_Item] = []
    current: _Item | None = None
    gap = False
    year = doc_date.year if doc_date else (default_date.year if default_date else None)
    block: tuple[time | None, time | None] | None = None    # a time range alone on its line: over the items below
    block_items: list[_Item] = []
    names_follow = False                                     # "Speakers:" alone: names on the lines below
    number_next: str | None = None                           # an item number alone: the next line is its title

    def close_block():
        nonlocal block, block_items
        if block and block_items and block[1] and block_items[-1].times[1] is None:
            last = block_items[-1]
            head = block_items[0].parsed.number
            if head and all((it.parsed.number or "").startswith(head + ".") for it in block_items[1:]):
                last = block_items[0]          # "2." and its sub-items 2.1, 2.2 in one range: the range is item 2's
            last.times = (last.times[0], block[1])
        block, block_items = None, []
    first_day = doc_date or default_date

    for ln in lines:
        text = ln.text
        if not text:
            gap = True
            names_follow = False
            continue
        found = match_date(text, whole=True) if len(text) < 80 else None
        counted = _COUNTED_DAY.match(text) if not found and first_day and len(text) < 12 else None
        if counted:
            # "DÍA 2" in an undated document: counted from the day it was placed on (--start, --date)
            when = first_day + timedelta(days=int(counted.group(1)) - 1)
            found = (None, when.day, when.month, when.year, None)
        if found:
            _m, d, month, y, weekday = found
            if y is None:
                if year is None:
                    year = (today or date.today()).year
                    if notes is not None:
                        notes.append(f"the date '{text}' (line {ln.n}) has no year: {year} was taken; give "
                                     "--date YYYY-MM-DD to say otherwise")
                y = year
                if notes is not None:
                    notes.extend(n for n in year_notes if n not in notes)   # the year taken from elsewhere is said
            try:
                new_day = make_date(d, month, y, ln.n)
            except DocumentError:
                unused.add(ln.n)            # "31 June": not a day on the calendar, shown as a line not used
                continue
            wd = weekday_index(weekday)
            if wd is not None and wd != new_day.weekday() and notes is not None:
                notes.append(f"'{text}' (line {ln.n}) does not match the calendar: {new_day.isoformat()} is a "
                             f"{new_day.strftime('%A')}; the date was taken, not the weekday")
            close_block()
            if items:
                days.append((day, day_line, items))
            items, current, day, day_line, gap = [], None, new_day, ln.n, False
            span = TIME_RANGE.search(text)
            if span:                     # "Wednesday, 3 March 2027, 10:00 - 13:00": the day's range over its items
                block = (_time(span.group("a"), ln.n), _time(span.group("b"), ln.n))
            continue
        if AGENDA_HEADING.match(text) and len(text) < 100 and not items:
            continue
        alone = NUMBER_ONLY.match(text)
        if alone:
            number_next, gap = alone.group("n"), False
            continue
        if number_next is not None and not BULLET_RE.match(text) and not RANGE_ONLY.match(text):
            text = f"{number_next}. {text}"
            number_next = None
        only = RANGE_ONLY.match(text)
        if only:
            close_block()
            block = (_time(only.group("a"), ln.n), _time(only.group("b"), ln.n) if only.group("b") else None)
            current, gap, names_follow = None, False, False
            continue
        body = text
        range_match = LEADING_RANGE.match(text)
        if range_match and BREAK_RE.match(range_match.group("rest")):
            body = range_match.group("rest")
        if BREAK_RE.match(body) or ("(" in body and BREAK_RE.match(TRAILING_BRACKETS.sub("", body))):
            times = (None, None)
            if range_match:
                close_block()
            inner = TIME_RANGE.search(body) if not range_match else None      # "Lunch (13:00 - 15:00)"
            if inner:
                times = (_time(inner.group("a"), ln.n), _time(inner.group("b"), ln.n))
                body = TRAILING_BRACKETS.sub("", body)
            if range_match:
                times = (_time(range_match.group("a"), ln.n),
                         _time(range_match.group("b"), ln.n) if range_match.group("b") else None)
            elif block and not block_items:
                times = block
                block = None
            if _translation(current, times, None, "break"):
                gap = False
                continue
            current = _Item(ParsedItem(number=None, title=clean_inline(body).rstrip(".:;"), kind="break", line=ln.n),
                            times=times, day=day, said=times)
            items.append(current)
            gap, names_follow = False, False
            continue
        if current is not None and current.bilingual and not _is_item_line(text):
            current.paired += 1
            if current.paired % 2 == 0:
                continue                 # the line before it, in the other language
        if PEOPLE_ONLY.match(text) and current is not None:
            names_follow, gap = True, False
            continue
        presenter = PRESENTER_RE.match(text)
        bullet = BULLET_RE.match(text)
        if presenter and current is not None:
            current.parsed.presenters.extend(_people_of(presenter.group("who")))
            current.last, current.last_line, gap = "presenter", ln.n, False
            continue
        if VENUE_RE.match(text) and not bullet:
            if current is not None:
                current.last = "room"                    # the item's room: understood, not more of its title
            gap = False
            continue
        item_match = ITEM_LINE.match(text)
        untimed_title = ((block is not None and not block_items and not bullet and current is None
                          and not SUB_ITEM.match(text))
                         or (plain and not bullet and not SUB_ITEM.match(text) and not PERSON_RE.match(text)
                             and len(text) <= 150 and not _annotation(text) and "?" not in text))
        if item_match and _prose_after_time(item_match):
            item_match = None
        if not bullet and item_match and (item_match.group("a") or item_match.group("num")) or untimed_title:
            if untimed_title and not (item_match and (item_match.group("a") or item_match.group("num"))):
                a = b = None
                number, title = None, text
            else:
                a, b = item_match.group("a"), item_match.group("b")
                number, title = item_match.group("num"), item_match.group("title")
            times = (_time(a, ln.n) if a else None, _time(b, ln.n) if b else None)
            if a and _translation(current, times, number, "item"):
                gap = False              # the same item again, in the document's other language
                continue
            if a:
                close_block()            # an item with its own time ends the range above it
            if block is not None and times == (None, None):
                times = (block[0], None) if not block_items else (None, None)
            current = _Item(ParsedItem(number=number, title=clean_inline(title), line=ln.n), times=times, day=day,
                            said=times)
            items.append(current)
            if a and b:
                # Its range may cover the untimed items listed under it (a plenary taking up items 1 to 3): the
                # range ends with the last of them (with this one when none follow).
                block, block_items = times, [current]
                current.times = (times[0], None)
            elif block is not None:
                block_items.append(current)
            gap, names_follow = False, False
            continue
        if current is None:
            unused.add(ln.n)            # text before any item, or between blocks: shown to the coordinator
            continue
        sub = SUB_ITEM.match(text)
        if sub and not bullet and ("?" in text or lettered_questions):
            # a lettered question under the item: a question, without its letter
            current.bullets.append(_Bullet(clean_inline(sub.group("t") or sub.group("t2")), ln.n, asked=True))
            current.last, gap = "bullet", False
            continue
        if sub and not bullet:
            # (a)–(d) under an item: sub-items of the agenda (not a question list), kept in its description
            current.paragraphs.append(clean_inline(text))
            current.para_more.append([])
            current.last, gap = "sub", False
            continue
        if (current.last in ("title", "presenter") and ln.n == current.parsed.line and not bullet
                and _speaker_cell(text)):
            # another column of the item's own row that is not a room: who speaks to it
            current.parsed.presenters.extend(_people_of(text))
            current.last, current.last_line, gap = "presenter", ln.n, False
            continue
        if (names_follow or (current.last in ("title", "presenter") and PERSON_RE.match(text))) and not bullet \
                and len(text) <= PRESENTER_MAX and not ends_sentence(text.rstrip(".")) and "?" not in text:
            current.parsed.presenters.extend(_people_of(text))
            current.last, current.last_line, gap = "presenter", ln.n, False
            continue
        if not bullet and _LABEL_LINE.match(text) and "?" in text and not PRESENTER_RE.match(text):
            # "Guiding question: How can …?": a question of the item
            current.bullets.append(_Bullet(clean_inline(text.split(":", 1)[1]), ln.n, asked=True))
            current.last, gap = "bullet", False
            continue
        if not bullet and _LABEL_LINE.match(text) and not PRESENTER_RE.match(text):
            # "Bodies concerned:", "Documents: NSCG/2027/2", "Participation: …": about the item, neither more of its
            # title nor its speakers; a list under such a label is its description too
            current.paragraphs.append(clean_inline(text))
            current.para_more.append([])
            current.last, gap = "label", False
            continue
        if (not bullet and text.rstrip().endswith("?") and (text[:1].isupper() or text[:1] in "¿«“\"")
                and current.last in ("title", "presenter", "room")):
            # a question on a line of its own under the item (no bullet, no letter): a question
            current.bullets.append(_Bullet(clean_inline(text), ln.n, asked=True))
            current.last, gap = "bullet", False
            continue
        if bullet:
            inner = bullet.group("text")
            who = PRESENTER_RE.match(clean_inline(inner))
            if who:
                current.parsed.presenters.extend(_people_of(who.group("who")))
                current.last = "presenter"
            elif current.last in ("label", "listed") and "?" not in inner and current.paragraphs:
                current.paragraphs[-1] += ("\n– " if current.last == "label" else "; ") + clean_inline(inner)
                current.last = "listed"
            else:
                current.bullets.append(_Bullet(clean_inline(inner), ln.n))
                current.last = "bullet"
        elif current.last == "bullet":
            # A bullet that a page break cut: the rest arrives as a plain paragraph.
            b = current.bullets[-1]
            b.more.append(text)
            b.continued = True
        elif (current.last == "title" or (current.last == "presenter" and current.last_line == current.parsed.line
                                          and text[:1].islower())) \
                and not gap and ln.n != current.parsed.line and not _annotation(text) and not ends_sentence(
                current.title_more[-1] if current.title_more else current.parsed.title):
            # (a title wrapped onto the next line, also when a speaker column sat beside its first line)
            # (a cell split off the item's own line is another column — a room, a speaker — not more title)
            before = current.title_more[-1] if current.title_more else current.parsed.title
            if _continues(before, text) or (phrases is None and not _PROSE.match(text) and len(text.split()) < 10):
                current.title_more.append(text)
            elif _PROSE.match(text) or len(text.split()) >= 10:
                # "The meeting will be opened at 10 a.m. on …": the item's annotation
                current.paragraphs.append(clean_inline(text))
                current.para_more.append([])
                current.last = "para"
            else:
                # a complete capitalised phrase after a complete title: a new item without time or number
                phrases.append(ln.n)
                current = _Item(ParsedItem(number=None, title=clean_inline(text), line=ln.n), day=day)
                items.append(current)
        elif current.last in ("para", "sub") and not gap and not text[:1].isupper():
            current.para_more[-1].append(text)
        else:
            current.paragraphs.append(clean_inline(text))
            current.para_more.append([])
            current.last = "para"
        gap = False
    close_block()
    if items or not days:
        days.append((day, day_line, items))
    return days


def _translation(current: _Item | None, times, number: str | None, kind: str) -> bool:
    """A document in two languages line by line: an item line with the times (and number) of the item just read,
    nothing under it yet, is that item in the other language. The first language is kept."""
    if current is None or current.parsed.kind != kind or current.last != "title" or current.title_more:
        return False
    if times == (None, None) or current.said != times or current.parsed.number != number:
        return False
    current.bilingual = True
    return True


def _speaker_cell(text: str) -> bool:
    return (len(text.split()) <= 8 and not DIGIT.search(text) and not ROOM_CELL.match(text)
            and "?" not in text and not ends_sentence(text) and text[:1].isupper())


def _annotation(text: str) -> bool:
    """A sentence under an item title ("The Co-Chairs will open the session."): the item's annotation, not more of
    its title."""
    return text.rstrip().endswith(".") and len(text.split()) >= 6 and text[:1].isupper()


def _people_of(text: str) -> list[str]:
    """``Ms A and Mr B`` → two people; a comma keeps a phrase whole (``the Co-Chairs, Belgium and Thailand``)."""
    text = clean_inline(text).rstrip(".;")
    if not text:
        return []
    parts = [p.strip() for p in re.split(r"\s*;\s*", text) if p.strip()]
    out = []
    for p in parts:
        pieces = re.split(r"\s+(?:and|&|et|y)\s+", p)
        if "," not in p and len(pieces) > 1 and all(1 <= len(x.split()) <= 6 for x in pieces):
            out.extend(pieces)
        else:
            out.append(p)
    return out


def _finish_item(it: _Item, day: date) -> ParsedItem:
    """Join what continued over several lines (once, here: joining line by line while reading was quadratic)."""
    p = it.parsed
    if it.title_more:
        p.title = clean_inline(" ".join([p.title] + it.title_more))
    lead = re.match(r"^(\((?:cont(?:inued|['’]d|\.)|suite|continuación)\))\s+(.+)$", p.title, re.I)
    if lead:
        p.title = f"{lead.group(2)} {lead.group(1)}"      # "(cont.) GENERAL EXCHANGE" → "GENERAL EXCHANGE (cont.)"
    refs = _SYMBOL_REFS.search(p.title)
    if refs and refs.start() > 3:
        # "… programme of work (CD/2412, CD/WP.640)": the documents the item takes up, kept in its description
        description_refs = refs.group(1)
        p.title = p.title[:refs.start()].rstrip()
    else:
        description_refs = None
    # "Ouverture de la Réunion." / "Examen de la Convention :": a title, not a sentence
    p.title = re.sub(r"(?<!\.)\.$|\s*[:;]$", "", p.title).strip() or p.title
    for b in it.bullets:
        if b.more:
            b.text = clean_inline(" ".join([b.text] + b.more))
    description = [clean_inline(" ".join([para] + more)) if more else para
                   for para, more in zip(it.paragraphs, it.para_more)]
    if not p.presenters and p.kind == "item":
        # "Welcome and introductions (Ms Rita Alves, Coordinator)": a person in brackets after the title
        bracket = re.match(r"^(?P<t>.*\S)\s+\((?P<who>[^()]+)\)$", p.title)
        if bracket and PERSON_RE.match(bracket.group("who")) and len(bracket.group("t")) >= 3:
            p.title, p.presenters = bracket.group("t"), _people_of(bracket.group("who"))
    if not p.presenters and p.kind == "item" and description:
        # "A presentation will be made by Dr Mariko Tanaka, independent expert.": who presents, said in the annotation
        for para in description:
            said = _MADE_BY.search(para)
            if said:
                p.presenters = [said.group("who").rstrip(".")]
                break
    if not p.presenters and p.kind == "item" and ", " in p.title:
        # "Keynote: Ten years of drones, Dr Lucía Herrera (…)", "Closing, Dr Stefan Wüthrich, Director": a person
        # with an honorific after a comma (", a roundtable" names no one and stays)
        comma = _COMMA_PERSON.search(p.title)
        if comma and len(p.title[:comma.start()]) >= 3:
            p.title, p.presenters = p.title[:comma.start()].strip(), [p.title[comma.start():].lstrip(", ").strip()]
    if not p.presenters and p.kind == "item":
        # "Welcome – Ambassador Karin Holm": the speaker after a dash in the title
        dash = re.match(r"^(?P<t>.*\S)\s+[–—-]\s+(?P<who>\S.*)$", p.title)
        if dash and PERSON_RE.match(dash.group("who")) and len(dash.group("t")) >= 3:
            p.title, p.presenters = dash.group("t"), _people_of(dash.group("who"))
    for b in it.bullets:
        if QUESTION_HINT in b.text or b.asked:
            p.questions.append(b.text)
        elif len(b.text) <= PRESENTER_MAX and not p.questions:
            p.presenters.append(b.text.rstrip("."))
        else:
            description.append(b.text)
    if description_refs:
        description.insert(0, description_refs)
    p.description = "\n\n".join(description) or None
    if p.kind == "break" and p.questions:
        p.kind = "item"              # a "break" that carries discussion questions is an item
    start, end = it.times
    p.start = datetime.combine(it.day or day, start) if start else None
    p.end = datetime.combine(it.day or day, end) if end else None
    if p.start and p.end and p.end <= p.start:
        p.end = None                 # a misread end (a column's number): the start alone is kept
    return p


def _check_numbers(items: list[ParsedItem], notes: list[str] | None = None, counted: int = 0) -> int:
    """Items without numbers are numbered in order (``across`` days: continuing the previous day's numbers); an
    item number met again is the same item taken up again ("(continued)", an annotated agenda repeating its list
    with annotations: merged into the first), else kept, with a note. Returns the last number given."""
    if not any(it.number for it in items):
        n = counted
        for it in items:
            if it.kind == "item":
                n += 1
                it.number = str(n)
        return n
    seen: dict[str, ParsedItem] = {}
    taken = {it.number for it in items if it.number}
    drop: list[ParsedItem] = []
    for it in items:
        if it.kind != "item":
            continue
        if it.number is None:
            if it.questions:
                # questions need a number for their refs: the next free one
                k = 1
                while str(k) in taken:
                    k += 1
                it.number = str(k)
                taken.add(it.number)
                if notes is not None:
                    notes.append(f"the item on line {it.line} has questions but no number: it was numbered {k}")
            continue
        first = seen.get(it.number)
        if first is not None:
            if CONTINUED.search(it.title) and not it.questions:
                continue         # "3. General exchange of views (continued)": the same item, taken up again
            if _same_title(first.title, it.title):
                # an annotated agenda repeats each item with its annotation: one item, its annotation kept
                _merge(first, it)
                drop.append(it)
                continue
            if notes is not None:
                notes.append(f"item number {it.number} appears twice (lines {first.line} and {it.line}): both kept")
            continue
        seen[it.number] = it
    for it in drop:
        items.remove(it)
    return 0


def _same_title(a: str, b: str) -> bool:
    wa, wb = a.lower().split(), b.lower().split()
    k = min(len(wa), len(wb), 4)
    return k > 0 and wa[:k] == wb[:k]


def _merge(first: ParsedItem, again: ParsedItem) -> None:
    if len(again.title) > len(first.title) and again.title.lower().startswith(first.title.lower()):
        first.title = again.title
    for attr in ("start", "end"):
        if getattr(first, attr) is None and getattr(again, attr) is not None:
            setattr(first, attr, getattr(again, attr))
    first.presenters += [p for p in again.presenters if p not in first.presenters]
    first.questions += [q for q in again.questions if q not in first.questions]
    if again.description:
        first.description = "\n\n".join(filter(None, [first.description, again.description]))


def _session_span(pre: _Preamble, items: list[ParsedItem], day: date, multi: bool, line: int,
                  notes: list[str] | None = None):
    if pre.span and not multi:
        start = datetime.combine(day, pre.span[0])
        end = datetime.combine(day, pre.span[1])
        if end > start:
            return start, end, False
        if notes is not None:
            notes.append("the session's range ends before it starts: the items' times were taken instead")
    starts = [it.start for it in items if it.start]
    ends = [t for it in items for t in (it.end, it.start) if t]
    if not starts:
        # A provisional agenda without times: the whole day, until --start places it.
        return datetime.combine(day, time(0, 0)), datetime.combine(day, time(23, 59)), True
    start, end = min(starts), max(ends)
    if end <= start:
        end = start.replace(hour=min(23, start.hour + 1))
    return start, end, False
