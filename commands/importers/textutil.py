"""Shared helpers for reading text extracted from PDFs: dates, times, debris lines."""
from __future__ import annotations

import re
from datetime import date, time

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({name[:3]: n for name, n in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![a-zà-ÿ])\.?"
_WEEKDAY = r"(?:(?P<weekday>Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"

# "Friday 25 June 2010", "25 June", "Monday, 21 June", "21-25 June 2010" (first day kept)
DATE_DMY = re.compile(_WEEKDAY + _DAY + r"(?:\s*[-–—]\s*[0-3]?\d)?\s+" + _MONTH + _YEAR, re.I)
# "June 25, 2010", "Friday, June 25"
DATE_MDY = re.compile(_WEEKDAY + _MONTH + r"\s+" + _DAY + r"(?:\s*[-–—]\s*[0-3]?\d)?" + _YEAR, re.I)
DATE_ISO = re.compile(r"(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)")

# 10:00, 09.15, 15h 30, 15h30, 15h
TIME = r"(?:[01]?\d|2[0-3])(?:\s?[:.h]\s?[0-5]\d|h)(?![\d])"
TIME_RE = re.compile(TIME)
RANGE_SEP = r"\s*(?:-|–|—|to|until|till)\s*"
TIME_RANGE = re.compile(rf"(?P<a>{TIME}){RANGE_SEP}(?P<b>{TIME})", re.I)

# Letterheads and distribution lines above a document's title: never its title, never content left unused.
LETTERHEAD = re.compile(r"^(?:united nations|nations unies|naciones unidas|organisation des nations unies|"
                        r"implementation support unit|convention on .{0,80}|unog|ohchr|distr\.?:?.*|general|"
                        r"original\s*:.*|english only|restricted|limited|unedited.*|advance (?:unedited )?version|"
                        r"distribution\s*(?:générale|generale|limitée|limitee|restreinte|general).*|"
                        r"distribución\s*(?:general|limitada|reservada).*|français|english|español|espanol|"
                        r"check against delivery|page \d+.*)$", re.I)
# Where a meeting takes place, as a column of a programme row ("Plenary", "Room XXI", "Salle 2", "Online").
_ROOM = (r"(?:venue|plenary|plénière|plenaria|(?:conference\s+)?room|salle|sala|hall|building|palais|assembly hall|"
         r"online|virtual|webex|zoom)")
ROOM_CELL = re.compile(rf"^{_ROOM}\b", re.I)              # a cell that starts like a place
ROOM_WORD = re.compile(rf"^{_ROOM}(?:\s+\S+)?$", re.I)    # a cell that is only a place
SYMBOL_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:/[A-Za-z0-9.()\-]+){2,}$")
PAGE_NUMBER_RE = re.compile(r"^(?:-\s*)?\d{1,3}(?:\s*-)?$|^page\s+\d+(?:\s+of\s+\d+)?$", re.I)
TERMINAL = tuple('.?!:;"”’)')


def parse_time(text: str) -> time:
    digits = re.findall(r"\d+", text)
    hour = int(digits[0])
    minute = int(digits[1]) if len(digits) > 1 else 0
    return time(hour, minute)


_DIGIT = re.compile(r"\d")
_MONTHISH = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d-[01]\d-", re.I)


def match_date(text: str, *, whole: bool = False):
    """Find a date in ``text``. Returns (match, day, month, year-or-None, weekday-or-None) or None.

    With ``whole``, the date must be (nearly) the whole text: a heading, not a date inside prose.
    """
    if not _DIGIT.search(text) or not _MONTHISH.search(text):
        return None                # every date has a day number and a month (most lines have neither: the fast path)
    for pattern in (DATE_ISO, DATE_DMY, DATE_MDY):
        m = pattern.search(text)
        if not m:
            continue
        if whole:
            rest = (text[:m.start()] + text[m.end():]).strip(" ,.;:()–-")
            rest = TIME_RANGE.sub("", rest).strip(" ,.;:()–-")
            if rest and not re.fullmatch(r"\(?(?:(?:morning|afternoon|evening)(?:\s+sessions?)?|am|pm|mon|tues?|"
                                         r"wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\)?", rest, re.I):
                continue
        month = m.group("month")
        month_n = int(month) if month.isdigit() else MONTHS[month.lower()[:3]]
        year = m.group("year")
        weekday = m.groupdict().get("weekday")
        return m, int(m.group("day")), month_n, int(year) if year else None, weekday
    return None


def weekday_index(name: str | None) -> int | None:
    if not name:
        return None
    name = name.lower()
    for i, full in enumerate(WEEKDAYS):
        if full.startswith(name[:3]):
            return i
    return None


def is_debris(line: str, symbols: set[str]) -> bool:
    """Page numbers and running headers that PDF extraction leaves between paragraphs."""
    s = line.strip()
    if not s:
        return False
    if PAGE_NUMBER_RE.match(s) and not s.endswith("."):
        return True
    return s in symbols


def running_symbols(lines: list[str]) -> set[str]:
    return {ln.strip() for ln in lines if SYMBOL_RE.match(ln.strip())}


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(TERMINAL)


def clean_inline(text: str) -> str:
    """Collapse white space and strip the markdown-ish italics PDF converters leave."""
    text = " ".join(text.split())
    # *italic* or _italic_ wrapping the whole text, or stray asterisks at the ends of a fragment
    if text[:1] in ("*", "_") or text[-1:] in ("*", "_"):
        text = text.strip("*_").strip()
    return text


def make_date(day: int, month: int, year: int, line: int):
    from commands.importers.model import DocumentError
    try:
        return date(year, month, day)
    except ValueError:
        raise DocumentError(f"{day} {month}/{year} is not a date on the calendar", line)
