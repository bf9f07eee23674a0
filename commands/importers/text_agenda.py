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
from datetime import date, datetime, time

from commands.importers.model import DocumentError, ParsedDocument, ParsedItem, ParsedSession
from commands.importers.normalise import SUB_ITEM, normalise
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
    rf"(?:(?:item\s+)?(?P<num>\d{{1,2}}\.\d{{1,2}}(?=\.?\s)|\d{{1,2}}(?=[.)]\s))[.)]?\s+)?(?P<title>\S.*)$", re.I)
BREAK_RE = re.compile(
    r"^(?:(?:coffee|tea|lunch|networking|refreshments?|health|comfort)(?:\s*(?:and|&|/)\s*\w+)?\s*(?:break)?|"
    r"break|pause|pause[\s-]*(?:café|cafe|déjeuner|dejeuner)|déjeuner|dejeuner|"
    r"(?:registration|welcome|arrival)\s*(?:and|&|/)\s*(?:coffee|tea|refreshments)|welcome\s+coffee|"
    r"pausa(?:\s+(?:para\s+el\s+)?(?:café|cafe|almuerzo))?|almuerzo|receso)"
    r"[\s.:;,-]*(?:\(.*\))?$", re.I)
BULLET_RE = re.compile(r"^\s*(?:[-•–—▪◦·●○■□➢►]|\*(?=\s)|o(?=\s))\s+(?P<text>.*)$")
PRESENTER_RE = re.compile(
    r"^[*_]*(?:introduced by|presentation by|presented by|chaired by|moderated by|facilitated by|"
    r"presenters?\s*:|speakers?\s*:|chair\s*:|moderators?\s*:|facilitators?\s*:)\s*(?P<who>.+?)[*_]*$", re.I)
PEOPLE_ONLY = re.compile(r"^Presented by:?$")        # a label whose names follow on their own lines
# A person on a line of their own: an honorific, or "Firstname Lastname, role".
PERSON_RE = re.compile(
    r"^(?:H\.?\s?E\.?|Mr|Mrs|Ms|Mme|Mlle|M\.|Dr|Prof(?:essor)?|Ambassador|Minister|Sir|Dame|Judge|Sr|Sra|Dña?|"
    r"Excellency|His Excellency|Her Excellency)\.?\s+\S|"
    r"^[A-Z][a-zà-ÿ'’-]+(?:\s+(?:[A-Z][a-zà-ÿ'’-]+|de|da|van|von|del|la|le)){1,3},\s+\S")
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


def looks_like_agenda(text: str) -> bool:
    lines = [ln.text for ln in normalise(text)[0]]
    heading = any(AGENDA_HEADING.match(ln) and len(ln) < 100 for ln in lines)
    timed = sum(1 for ln in lines if TIMED_LINE.match(ln))
    numbered = sum(1 for ln in lines if NUMBERED_LINE.match(ln))
    return (heading and (timed or numbered >= 2)) or timed >= 2


def parse_text_agenda(text: str, *, default_date: date | None = None,
                      fallback_date: date | None = None) -> ParsedDocument:
    if not text.strip():
        raise DocumentError("the document is empty: expected an agenda (a title, a date and numbered items)", 1)
    normal, _furniture = normalise(text)
    symbols = running_symbols([ln.text for ln in normal])
    lines: list[_Line | None] = []
    for ln in normal:
        if is_debris(ln.text, symbols):
            lines.append(None)          # page debris: gone, but it is not a paragraph break either
        else:
            lines.append(_Line(ln.n, ln.text))
    unused: set[int] = set()
    start = _agenda_start(lines)
    if start is None:
        first = next((ln for ln in lines if ln and ln.text), None)
        if first is None:
            raise DocumentError("the document holds nothing but page headers and numbers: expected an agenda", 1)
        raise DocumentError("expected agenda items: a heading such as 'Agenda' followed by numbered or timed "
                            "items ('10:00 1. Opening', '09.15 - 12.15 Title')", first.n)
    pre = _read_preamble([ln for ln in lines[:start] if ln is not None], unused)
    doc_symbol = next(iter(sorted(symbols)), None) if len(symbols) == 1 else None
    notes: list[str] = []
    yearless = pre.date_match is not None and pre.date_match[2] is None
    year_notes: list[str] = []
    inferred = _year_in(normal, year_notes) if (default_date is None and fallback_date is None
                                                and (yearless or pre.date_match is None)) else None
    doc_date = _resolve_doc_date(pre, default_date or (fallback_date if pre.date_match is None or yearless else None)
                                 or (inferred if yearless else None))
    year_hint = default_date or fallback_date or inferred
    if yearless and inferred is not None:
        notes.extend(year_notes)
    items_by_day = _read_items([ln for ln in lines[start:] if ln is not None], pre, doc_date, year_hint, unused,
                               year_notes if not yearless else [], notes)
    sessions = []
    multi = len(items_by_day) > 1
    for index, (day, day_line, items) in enumerate(items_by_day, start=1):
        if day is None:
            raise DocumentError("expected a date for these agenda items: a day heading such as "
                                "'Monday, 21 June 2010' or --date YYYY-MM-DD", day_line)
        parsed_items = [_finish_item(it, day) for it in items]
        _check_numbers(parsed_items)
        s_start, s_end, untimed = _session_span(pre, parsed_items, day, multi, day_line)
        title = pre.title if not multi else f"{pre.title} — {day.strftime('%A')} {day.day} {day.strftime('%B')}"
        key = f"{slugify(pre.title)}@{(doc_date or day).isoformat()}" + (f"/day{index}" if multi else "")
        sessions.append(ParsedSession(
            title=title, start=s_start, end=s_end, items=parsed_items, key=key,
            symbol=doc_symbol, background=pre.background or None, venue=pre.venue, untimed=untimed))
    return ParsedDocument(sessions=sessions, unused_lines=sorted(unused), notes=notes)


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
    return bool(m and (m.group("a") or m.group("num"))) or bool(RANGE_ONLY.match(text))


def _title_of(content: list[_Line]) -> _Line | None:
    """The document's title: the first heading-like line of the block just above its date or its 'Agenda'
    heading (the title is rarely the first line of a published document: navigation, letterheads and symbols
    come first), else the first such line of the document."""
    def fit(ln: _Line, words: int = 2) -> bool:
        t = ln.text
        return (len(t) <= 200 and len(t.split()) >= words and not LETTERHEAD.match(t) and not match_date(t, whole=True)
                and not _is_item_line(t) and not VENUE_RE.match(t) and not SYMBOL_RE.match(t)
                and not (AGENDA_HEADING.match(t) and len(t.split()) <= 5) and any(c.isalpha() for c in t))

    def dated(t: str) -> bool:
        found = match_date(t, whole=True) or (match_date(t) if len(t) <= 100 else None)
        return bool(found) and (found[3] is not None or match_date(t, whole=True) is not None)
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
    if not content:
        raise DocumentError("expected the session title at the top of the document", 1)
    first = _title_of(content)
    if first is None:
        raise DocumentError("expected the session title at the top of the document, before the date",
                            content[0].n)
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


def _resolve_doc_date(pre: _Preamble, default_date: date | None) -> date | None:
    if pre.date_match is None:
        return default_date
    day, month, year, weekday, line, text = pre.date_match
    if year is not None and default_date is not None:
        raise DocumentError(f"the document is dated ('{text}'); --date only fills in a missing date. "
                            "Use --start to move the session", line)
    if year is None:
        if default_date is None:
            raise DocumentError(f"the date '{text}' has no year: pass --date YYYY-MM-DD", line)
        year = default_date.year
    found = make_date(day, month, year, line)
    wd = weekday_index(weekday)
    if wd is not None and wd != found.weekday():
        raise DocumentError(f"'{text}' does not match the calendar: {found.isoformat()} is a "
                            f"{found.strftime('%A')}", line)
    return found


# --- agenda items -----------------------------------------------------------------

def _read_items(lines: list[_Line], pre: _Preamble, doc_date: date | None, default_date: date | None,
                unused: set[int], year_notes: list[str] = (), notes: list[str] | None = None):
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
            last.times = (last.times[0], block[1])
        block, block_items = None, []

    for ln in lines:
        text = ln.text
        if not text:
            gap = True
            names_follow = False
            continue
        found = match_date(text, whole=True) if len(text) < 80 else None
        if found:
            _m, d, month, y, weekday = found
            if y is None:
                if year is None:
                    raise DocumentError(f"the date '{text}' has no year: pass --date YYYY-MM-DD", ln.n)
                y = year
                if notes is not None:
                    notes.extend(n for n in year_notes if n not in notes)   # the year taken from elsewhere is said
            new_day = make_date(d, month, y, ln.n)
            wd = weekday_index(weekday)
            if wd is not None and wd != new_day.weekday():
                raise DocumentError(f"'{text}' does not match the calendar: {new_day.isoformat()} is a "
                                    f"{new_day.strftime('%A')}", ln.n)
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
            current = _Item(ParsedItem(number=None, title=clean_inline(body).rstrip(".:;"), kind="break", line=ln.n),
                            times=times, day=day)
            items.append(current)
            gap, names_follow = False, False
            continue
        if PEOPLE_ONLY.match(text) and current is not None:
            names_follow, gap = True, False
            continue
        presenter = PRESENTER_RE.match(text)
        bullet = BULLET_RE.match(text)
        if presenter and current is not None:
            current.parsed.presenters.extend(_people_of(presenter.group("who")))
            current.last, current.last_line, gap = "presenter", ln.n, False
            continue
        item_match = ITEM_LINE.match(text)
        untimed_title = (block is not None and not block_items and not bullet and current is None
                         and not SUB_ITEM.match(text))
        if not bullet and item_match and (item_match.group("a") or item_match.group("num")) or untimed_title:
            if untimed_title and not (item_match.group("a") or item_match.group("num")):
                a = b = None
                number, title = None, text
            else:
                a, b = item_match.group("a"), item_match.group("b")
                number, title = item_match.group("num"), item_match.group("title")
            times = (_time(a, ln.n) if a else None, _time(b, ln.n) if b else None)
            if a:
                close_block()            # an item with its own time ends the range above it
            if block is not None and times == (None, None):
                times = (block[0], None) if not block_items else (None, None)
            current = _Item(ParsedItem(number=number, title=clean_inline(title), line=ln.n), times=times, day=day)
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
        if sub and not bullet and "?" in text:
            # a lettered question under the item: a question, without its letter
            current.bullets.append(_Bullet(clean_inline(sub.group("t") or sub.group("t2")), ln.n))
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
        if bullet:
            inner = bullet.group("text")
            who = PRESENTER_RE.match(clean_inline(inner))
            if who:
                current.parsed.presenters.extend(_people_of(who.group("who")))
                current.last = "presenter"
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
            current.title_more.append(text)
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
    if not p.presenters and p.kind == "item":
        # "Welcome – Ambassador Karin Holm": the speaker after a dash in the title
        dash = re.match(r"^(?P<t>.*\S)\s+[–—-]\s+(?P<who>\S.*)$", p.title)
        if dash and PERSON_RE.match(dash.group("who")) and len(dash.group("t")) >= 3:
            p.title, p.presenters = dash.group("t"), _people_of(dash.group("who"))
    for b in it.bullets:
        if QUESTION_HINT in b.text:
            p.questions.append(b.text)
        elif len(b.text) <= PRESENTER_MAX and not p.questions:
            p.presenters.append(b.text.rstrip("."))
        else:
            description.append(b.text)
    p.description = "\n\n".join(description) or None
    if p.kind == "break" and p.questions:
        raise DocumentError("a break cannot carry discussion questions", p.line)
    start, end = it.times
    p.start = datetime.combine(it.day or day, start) if start else None
    p.end = datetime.combine(it.day or day, end) if end else None
    if p.start and p.end and p.end <= p.start:
        p.end = None                 # a misread end (a column's number): the start alone is kept
    return p


def _check_numbers(items: list[ParsedItem]) -> None:
    if not any(it.number for it in items):
        n = 0
        for it in items:
            if it.kind == "item":
                n += 1
                it.number = str(n)
        return
    seen: dict[str, int] = {}
    for it in items:
        if it.kind != "item":
            continue
        if it.number is None:
            if it.questions:
                raise DocumentError("this item carries questions but has no number: expected '3. Title'", it.line)
            continue
        if it.number in seen:
            if CONTINUED.search(it.title) and not it.questions:
                continue         # "3. General exchange of views (continued)": the same item, taken up again
            raise DocumentError(f"item number {it.number} appears twice (first on line {seen[it.number]})", it.line)
        seen[it.number] = it.line


def _session_span(pre: _Preamble, items: list[ParsedItem], day: date, multi: bool, line: int):
    if pre.span and not multi:
        start = datetime.combine(day, pre.span[0])
        end = datetime.combine(day, pre.span[1])
        if end <= start:
            raise DocumentError("the session ends before it starts: expected a range such as '10:00 to 13:00'",
                                pre.date_match[4] if pre.date_match else pre.title_line)
        return start, end, False
    starts = [it.start for it in items if it.start]
    ends = [t for it in items for t in (it.end, it.start) if t]
    if not starts:
        # A provisional agenda without times: the whole day, until --start places it.
        return datetime.combine(day, time(0, 0)), datetime.combine(day, time(23, 59)), True
    start, end = min(starts), max(ends)
    if end <= start:
        end = start.replace(hour=min(23, start.hour + 1))
    return start, end, False
