"""From what secretariats publish to lines the agenda reader understands, keeping every line's number.

Real programmes arrive as tables flattened to text, with French and Spanish dates, a.m./p.m. times, items
written five ways and columns glued together. This pass rewrites each line into one plain shape — cells on lines
of their own, a time before its title, ``HH:MM`` 24-hour times, English dates, ``N. Title`` items, ``Presented by``
people — and says which lines it recognised as page debris, so that the reader can report honestly which lines it
did not use. It never invents content: a line it cannot place is passed on unchanged.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta

from commands.importers.textutil import ROOM_WORD, TIME, match_date

# --- words of other languages -------------------------------------------------------------------

MONTHS_FR_ES = {
    "janvier": "January", "février": "February", "fevrier": "February", "mars": "March", "avril": "April",
    "mai": "May", "juin": "June", "juillet": "July", "août": "August", "aout": "August", "septembre": "September",
    "octobre": "October", "novembre": "November", "décembre": "December", "decembre": "December",
    "enero": "January", "febrero": "February", "marzo": "March", "abril": "April", "mayo": "May", "junio": "June",
    "julio": "July", "agosto": "August", "septiembre": "September", "setiembre": "September", "octubre": "October",
    "noviembre": "November", "diciembre": "December",
}
WEEKDAYS_FR_ES = {
    "lundi": "Monday", "mardi": "Tuesday", "mercredi": "Wednesday", "jeudi": "Thursday", "vendredi": "Friday",
    "samedi": "Saturday", "dimanche": "Sunday",
    "lunes": "Monday", "martes": "Tuesday", "miércoles": "Wednesday", "miercoles": "Wednesday", "jueves": "Thursday",
    "viernes": "Friday", "sábado": "Saturday", "sabado": "Saturday", "domingo": "Sunday",
}
_FOREIGN_DATE = re.compile(
    r"(?<![\w-])(?:(?P<wd>" + "|".join(WEEKDAYS_FR_ES) + r")\.?,?\s+)?(?P<day>[0-3]?\d)(?:er|º|°)?(?:\s*[-–—]\s*[0-3]?\d)?\s+(?:de\s+)?"
    r"(?P<month>" + "|".join(MONTHS_FR_ES) + r")(?:\s+(?:de\s+)?(?P<year>(?:19|20)\d\d))?\b", re.I)

# --- times --------------------------------------------------------------------------------------

_MER = r"(?P<{}>[ap])\.?\s?m\.?(?![a-z])"
_CLOCK = r"(?P<h{0}>[01]?\d|2[0-3])(?:[:.h]\s?(?P<min{0}>[0-5]\d))?"
_MERIDIEM_RANGE = re.compile(
    _CLOCK.format("a") + r"\s*(?:" + _MER.format("mera") + r")?\s*(?:-|–|—|to|until|till)\s*"
    + _CLOCK.format("b") + r"\s*" + _MER.format("merb"), re.I)
_MERIDIEM_ONE = re.compile(r"(?<![\d:.])" + _CLOCK.format("a") + r"\s*" + _MER.format("mera"), re.I)
_MILITARY_RANGE = re.compile(r"\b(?P<h1>[01]\d|2[0-3])(?P<m1>[0-5]\d)\s*(?:-|–|—|to)\s*(?P<h2>[01]\d|2[0-3])(?P<m2>[0-5]\d)"
                             r"\s*(?:hrs?|hours|h)\b\.?", re.I)
_HRS = re.compile(r"(?<=\d)\s*(?:hrs|hours)\b\.?", re.I)
_NUMERIC_DATE = re.compile(r"^(?P<pre>.{0,30}?)\b(?P<d>[0-3]?\d)[./](?P<m>[01]?\d)[./](?P<y>(?:19|20)\d\d)\b(?P<post>.{0,30})$")
_NOON = re.compile(r"\b(?:12\s*)?noon\b", re.I)
_SPACED_H = re.compile(r"\b(?P<h>[01]?\d|2[0-3])\s?h\s?(?P<m>[0-5]\d)\b")
_PART_OF_DAY_RANGE = re.compile(
    r"^(?:morning|afternoon|evening|matin|après-midi|apres-midi|mañana|tarde)(?:\s+session)?\s*[(:,–—-]?\s*"
    rf"(?P<r>{TIME}\s*(?:-|–|—|to)\s*{TIME})\)?$", re.I)
_RANGE_PART_OF_DAY = re.compile(
    rf"^(?P<r>{TIME}\s*(?:-|–|—|to)\s*{TIME})\s+(?:morning|afternoon|evening|matin|après-midi|apres-midi|mañana|tarde|"
    r"noche)(?:\s+session)?$", re.I)
_PART_OF_DAY = re.compile(r"^(?:morning|afternoon|evening|matin|après-midi|apres-midi|mañana|tarde|noche)"
                          r"(?:\s+session)?\s*:?$", re.I)

# --- items and people ---------------------------------------------------------------------------

_ITEM_FORMS = [
    re.compile(r"^(?:agenda\s+)?item\s+(?P<n>\d{1,2}(?:\.\d{1,2})?)\s*[:.–—-]?\s*(?P<t>.*)$", re.I),
    re.compile(r"^(?:topic|point|punto|tema|session|séance|sesión|module|módulo)\s+(?P<n>\d{1,2})\s*[:.–—-]\s*(?P<t>.+)$",
               re.I),
    # "Point 9 de l'ordre du jour : Débat général", "Tema 3 del programa: …"
    re.compile(r"^(?:point|punto|tema)\s+(?P<n>\d{1,2}(?:\s?bis|\s?ter)?)\s+(?:de\s+l['’]ordre\s+du\s+jour|"
               r"del\s+(?:orden\s+del\s+d[ií]a|programa))\s*[:.–—-]\s*(?P<t>.+)$", re.I),
    re.compile(r"^(?P<n>\d{1,2})\.(?P<t>[A-Za-zÀ-ÿ“\"(].*)$"),          # 1.Title (no space)
    re.compile(r"^(?P<n>\d{1,2})\)\s+(?P<t>[A-Za-zÀ-ÿ“\"(].*)$"),       # 1) Title
    re.compile(r"^(?P<r>(?:X{0,1}(?:IX|IV|V?I{0,3})))\.\s+(?P<t>[A-Z].*)$"),   # II. Title (Roman)
]
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10, "XI": 11,
          "XII": 12, "XIII": 13, "XIV": 14, "XV": 15, "XVI": 16, "XVII": 17, "XVIII": 18, "XIX": 19}
PEOPLE_LABEL = re.compile(
    r"^(?P<label>chair(?:ed by)?|co-chairs?|chairs?|chairperson|president|moderat(?:or|ors|ed by)|"
    r"facilitat(?:or|ors|ed by|rice|rices|eur|eurs)|animat(?:rice|eur)s?|rapporteurs?|speakers?|panel(?:l?ists)?|"
    r"presenters?|introduced by|"
    r"presented by|presentation by|presentations by|opening statements?(?: by)?|keynote(?: speaker| address by)?|"
    r"(?:welcome |opening |closing |introductory )?remarks by|discussants?|lead discussants?|introduction by|"
    r"(?:welcome|opening|closing|introductory|keynote) (?:remarks|statements?|address)|leads?|resource persons?|"
    r"palabras de bienvenida|discurso inaugural|allocution d['’]ouverture|mot de bienvenue|d[ée]claration liminaire|"
    r"with|président(?:e)?|modérat(?:eur|rice)|présenté(?:e)? par|présidé(?:e)? par|animé(?:e)? par|modéré(?:e)? par|"
    r"intervenant(?:e)?s?|presidente|moderador(?:a)?|presentado(?:a)? por|presidido(?:a)? por|moderado(?:a)? por|"
    r"ponentes?|oradores?|expositor(?:a|es|as)?|disertantes?|intervienen|interviene|presenta|presentan)"
    r"\s*(?::|-|–)?\s*(?P<who>.*)$", re.I)
_LABELS_NEED_COLON = re.compile(r"^(?:chairs?|co-chairs?|chairperson|president|speakers?|panel(?:l?ists)?|leads?|"
                                r"resource persons?|(?:welcome|opening|closing|introductory|keynote) (?:remarks|statements?|address)(?!\s+by)|"
                                r"palabras de bienvenida|discurso inaugural|allocution d['’]ouverture|mot de bienvenue|"
                                r"d[ée]claration liminaire|"
                                r"intervenant(?:e)?s?|ponentes?|oradores?|presidente|président(?:e)?|intervienen|interviene|presenta|presentan|"
                                r"presenters?|with|keynote(?: speaker)?|rapporteurs?|discussants?|lead discussants?)\b",
                                re.I)
SUB_ITEM = re.compile(r"^\((?P<m>[a-z]|ii|iii|iv|vi|vii|viii|ix)\)\s+(?P<t>.+)$|^(?P<m2>[a-z])\)\s+(?P<t2>.+)$")

# --- debris ---------------------------------------------------------------------------------------

_NAVIGATION = re.compile(
    r"^(?:available languages?:?.*|languages?:|skip to (?:main )?content|menu|search|home|print|share|"
    r"english|français|francais|español|espanol|русский|中文|عربي|download(?: pdf)?|back to top|"
    r"(?:share|print|email|bookmark)(?: this)?(?: page)?|(?:©|copyright|\(c\)\s*(?:19|20)\d\d)\s.*|.+\s>\s.+\s>\s.+|"
    r"(?:english\s*)?(?:\|?\s*(?:français|español|русский|中文|عربي)\s*)+)$", re.I)
# UN document furniture: job numbers (GE.21-12345(E)), barcodes, "Please recycle", distribution lines.
_UN_FURNITURE = re.compile(r"^(?:(?:GE|NY|V|[A-Z]{1,3})\.\d{2}-\d{4,6}\s*(?:\([A-Z]\))?.*|\*\d{6,8}\*|please recycle.*|"
                           r"distr\.?:?\s*(?:general|limited|restricted).*|original:\s*\w+.*)$", re.I)
_URL = re.compile(r"^(?:https?://|www\.)\S+$|^\S+@\S+\.\w+$", re.I)
_MOJIBAKE = re.compile("[ÃÂâ][\u0080-\u00bf\u2018-\u203a€™]|Â")


_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Line:
    n: int          # 1-based line number in the document
    text: str


_CP1252_TAIL = ("\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
                "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122")
_MOJIBAKE_SEQ = re.compile(f"[\u00c2-\u00f4][{_CP1252_TAIL}]{{1,3}}")


def repair_mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252 (``Ã©`` for ``é``, ``â€™`` for ``’``, a stray ``Â`` before a space), undone one
    sequence at a time where the round trip is exact (so a line that mixes both is repaired too)."""
    if not _MOJIBAKE.search(text):
        return text

    def fix(m):
        seq = m.group()
        for n in range(len(seq), 1, -1):
            try:
                return seq[:n].encode("cp1252").decode("utf-8") + seq[n:]
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
        return seq
    text = _MOJIBAKE_SEQ.sub(fix, text)
    return re.sub(r"Â(?=[\s\u00a0]|$)", "", text).replace("\u00a0", " ")


def _to_24(h: int, m: int, mer: str | None) -> str:
    if mer:
        mer = mer.lower()
        if mer == "p" and h < 12:
            h += 12
        if mer == "a" and h == 12:
            h = 0
    return f"{h:02d}:{m:02d}"


_WORD_RANGE = re.compile(rf"(?P<a>{TIME}|\b(?:[01]?\d|2[0-3])\s*h(?:eures?)?(?:\s*[0-5]\d)?)\s+(?:a|à|al|au|hasta|jusqu['’]à)\s+"
                         rf"(?P<b>{TIME}|(?:[01]?\d|2[0-3])\s*h(?:eures?)?(?:\s*[0-5]\d)?\b)", re.I)
_HEURES = re.compile(r"\b(?P<h>[01]?\d|2[0-3])\s*(?:heures?|horas?)(?:\s*(?P<m>[0-5]\d))?\b", re.I)


def _word_ranges(text: str) -> str:
    """``9:00 a 9:30``, ``de 10 heures à 13 heures`` → ``09:00 - 09:30``, ``10:00 - 13:00``."""
    if not _DIGIT.search(text):
        return text
    if "heure" in text or "hora" in text:
        text = _HEURES.sub(lambda m: f"{int(m.group('h')):02d}:{m.group('m') or '00'}", text)
    if not any(w in text for w in _RANGE_WORDS):
        return text
    return _WORD_RANGE.sub(lambda m: f"{m.group('a')} - {m.group('b')}", text)


_RANGE_WORDS = (" a ", " à ", " al ", " au ", " hasta ", " jusqu", " A ", " À ")
_H_HINT = re.compile(r"\d\s?h|hrs|hours", re.I)
_MER_HINT = re.compile(r"\d\s*[ap]\.?\s?m(?![a-z])", re.I)


_GLUED_FOOTNOTE = re.compile(r"(?<=[a-zé]\s)((?:19|20)\d\d)(?:\d{1,2}|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,2}|\*{1,3})(?=\s*$)", re.I)


def unglue_footnote(text: str) -> str:
    """``Wednesday, 17 June 20263`` (footnote 3 glued to the year) → ``Wednesday, 17 June 2026``."""
    if not _DIGIT.search(text[-6:]):
        return text
    return _GLUED_FOOTNOTE.sub(r"\1", text)


def normalise_times(text: str) -> str:
    """``9:00 a.m.`` → ``09:00``, ``1:00 - 3:00 p.m.`` → ``13:00 - 15:00`` (the meridiem of the end applies to the
    start unless that would put the start after the end), ``noon`` → ``12:00``, ``15h 30`` → ``15:30``."""
    if not _DIGIT.search(text) and "noon" not in text.lower():
        return text                     # no time here (most lines): nothing to do
    text = _word_ranges(text)
    lower = text.lower()
    if "noon" in lower:
        text = _NOON.sub("12:00", text)
    if "h" in lower and _H_HINT.search(text):               # "1000-1130 hrs", "15h 30"
        text = _MILITARY_RANGE.sub(lambda m: f"{m.group('h1')}:{m.group('m1')} - {m.group('h2')}:{m.group('m2')}",
                                   text)
        text = _HRS.sub("", text)
        text = _SPACED_H.sub(lambda m: f"{int(m.group('h')):02d}:{m.group('m')}", text)
    if "m" not in lower or not _MER_HINT.search(text):           # no a.m. / p.m.
        return text

    def one_range(m):
        ha, ma, hb, mb = int(m.group("ha")), int(m.group("mina") or 0), int(m.group("hb")), int(m.group("minb") or 0)
        end = _to_24(hb, mb, m.group("merb"))
        start = _to_24(ha, ma, m.group("mera") or m.group("merb"))
        if not m.group("mera") and start > end:
            start = _to_24(ha, ma, None)      # 11:00 - 1:00 p.m.: the morning start keeps its hour
        return f"{start} - {end}"
    text = _MERIDIEM_RANGE.sub(one_range, text)
    text = _MERIDIEM_ONE.sub(lambda m: _to_24(int(m.group("ha")), int(m.group("mina") or 0), m.group("mera")), text)
    return text


_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"]


def translate_date(text: str) -> str:
    """``Mardi 29 mars`` → ``Tuesday 29 March``; ``Miércoles 29 de marzo de 2023`` → ``Wednesday 29 March 2023``;
    ``22.06.2021`` or ``22/06/2021`` (day first, as UN documents write it) → ``22 June 2021``."""
    if not _DIGIT.search(text):
        return text                     # a date has a day number
    num = _NUMERIC_DATE.match(text) if len(text) < 60 and (text.count(".") >= 2 or text.count("/") >= 2) else None
    if num and 1 <= int(num.group("m")) <= 12:
        text = f"{num.group('pre')}{int(num.group('d'))} {_MONTH_NAMES[int(num.group('m')) - 1]} {num.group('y')}" \
               f"{num.group('post')}"
    lower = text.lower()
    if not any(name in lower for name in MONTHS_FR_ES):
        return text
    m = _FOREIGN_DATE.search(text)
    if not m:
        return text
    wd = WEEKDAYS_FR_ES.get((m.group("wd") or "").lower())
    month = MONTHS_FR_ES[m.group("month").lower()]
    english = " ".join(filter(None, [wd, str(int(m.group("day"))), month, m.group("year")]))
    return text[:m.start()] + english + text[m.end():]


_BULLETED_TIME = re.compile(rf"^(?:[•·▪●◦■□➢►✓]|[-–—*])\s*(?={TIME})", re.I)
_BARE_NUMBER = re.compile(r"(?:item\s+)?\d{1,2}(?:\.\d{1,2}){0,2}", re.I)
_TIME_CELL = re.compile(rf"{TIME}(?:\s*(?:-|–|—|to)\s*{TIME})?", re.I)
# "Opening of the meeting ........ 10:00 - 10:30": a time at the end, after leader dots
_TRAILING_TIME = re.compile(rf"^(?P<title>\S.*?\S)\s*(?:\.{{3,}}|…+)\s*(?P<t>{TIME}(?:\s*(?:-|–|—|to)\s*{TIME})?)$", re.I)


def _split_cells(text: str) -> list[str]:
    """A table row flattened to text (``| | 09.15 - 12.15 | Topic 1 : … |`` or tab-separated) → its cells, a
    time cell or a number cell joined to the cell after it (they are one item: its time, its title)."""
    if "|" not in text and "\t" not in text:
        return [text]
    cells = [c.strip() for c in re.split(r"\s*(?:\||\t+)\s*", text)]
    cells = [c for c in cells if c]
    # A room column beside the time ("10.00-13.00 | Plenary | Agenda item 1 …") goes last: the time is the item's.
    cells = [c for c in cells if not ROOM_WORD.match(c)] + [c for c in cells if ROOM_WORD.match(c)]
    timed = [i for i, c in enumerate(cells) if _TIME_CELL.fullmatch(c)]
    if len(timed) == 1 and timed[0] > 0 and not _TIME_CELL.fullmatch(cells[0]):
        # the time in a column after the title ("Opening | 10:00 - 10:30"): it is the item's time all the same
        cells.insert(0, cells.pop(timed[0]))
    out: list[str] = []
    for c in cells:
        if out and _LEAD_CELL.fullmatch(out[-1]):
            last = out[-1].split()[-1]
            dot = "." if (_BARE_NUMBER.fullmatch(last) and not _TIME_CELL.fullmatch(last)
                          and not _TIME_CELL.fullmatch(c)) else ""
            out[-1] = f"{out[-1]}{dot} {c}"
        else:
            out.append(c)
    return out


# Cells that lead a row and join the cell after them: a time, an item number or code ("3 bis", "4.1.1", "A1"), or
# both ("09:30 1.")
_CODE = r"(?:(?:item\s+)?\d{1,2}(?:\.\d{1,2}){0,2}[.)]?(?:\s?(?:bis|ter|quater))?|[A-Z]\.?\d{1,2}[.)]?)"
_LEAD_CELL = re.compile(rf"(?:{TIME}(?:\s*(?:-|–|—|to)\s*{TIME})?)(?:\s+{_CODE})?|{_CODE}(?:\s+{TIME}(?:\s*(?:-|–|—|to)\s*{TIME})?)?",
                        re.I)


_STARTS_TIMED = re.compile(rf"^{TIME}", re.I)
_TIME_ANY = re.compile(TIME, re.I)
_SUB_NUMBER = re.compile(r"^\d{1,2}\.\d")
_WIDE_GAP = re.compile(r"(?<=\S) {3,}(?=\S)")
_GLUED_ROW = re.compile(rf"(?<=\S)\s+(?=(?:{TIME})\s*(?:-|–|—|to)\s*(?:{TIME})\s+\S)", re.I)
_GLUED_WORDS = re.compile(r"(?<=[a-zà-ÿ]{3})(?=[A-Z][a-zà-ÿ])|(?<=[ap]\.m\.)(?=[A-Z])")


# "1. Opening session – 09:00 to 09:30", "AGENDA ITEM 2: POST-SHIPMENT COOPERATION, 10:30-12:00": the time after a
# dash or a comma at the end of a title
_DASHED_TIME = re.compile(rf"^(?P<title>\S.*?\S)\s*(?:,|\s[–—-])\s*(?P<t>{TIME}\s*(?:-|–|—|to)\s*{TIME})$", re.I)


def _time_first(text: str) -> str:
    if "..." in text or "…" in text:
        m = _TRAILING_TIME.match(text)
        return f"{m.group('t')} {m.group('title')}" if m else text
    if _DIGIT.search(text[-3:]):
        m = _DASHED_TIME.match(text)
        if m and not _STARTS_TIMED.match(text):
            return f"{m.group('t')} {m.group('title')}"
    return text


def _split_glued(text: str) -> list[str]:
    """Several rows glued into one long line (``09:00 - 10:00 Opening 10:00 - 11:00 Panel``) → one per row;
    columns glued without spaces (``Opening ceremonyConference Room 4``) → apart."""
    parts = [text]
    if _STARTS_TIMED.match(text) and len(_TIME_ANY.findall(text)) >= 4:
        parts = [p.strip() for p in _GLUED_ROW.split(text) if p.strip()]
    out = []
    for p in parts:
        if not _GLUE_HINT.search(p):
            out.append(p)
            continue
        out.extend(s.strip() for s in _GLUED_WORDS.sub("\n", p).split("\n") if s.strip())
    return out


_GLUE_HINT = re.compile(r"[a-zà-ÿ][A-Z]|\.m\.[A-Z]")


_LETTER = re.compile(r"[A-Za-zÀ-ÿ]{3}")
_HEADING_DASH = re.compile(r"\s+[–—-]\s+")


def _split_heading(text: str) -> list[str]:
    """``MONDAY 20 JULY 2026 — AGENDA ITEM 1: …``, ``AFTERNOON SESSION — AGENDA ITEM 3: …``: a day heading (or a
    part of the day) and an item on one line are two lines (the part of the day is dropped below)."""
    if "–" not in text and "—" not in text and " - " not in text:
        return [text]
    pieces = _HEADING_DASH.split(text, maxsplit=1)
    if len(pieces) == 2 and pieces[1] and (_PART_OF_DAY.match(pieces[0]) or (
            _LETTER.search(pieces[0]) and match_date(translate_date(pieces[0]), whole=True))):
        return pieces
    return [text]


_LEADING_TIME = re.compile(rf"^(?P<t>{TIME}(?:\s*(?:-|–|—|to|until|till)\s*{TIME})?)\s+(?P<rest>.+)$", re.I)


_CODE_THEN_TIME = re.compile(rf"^(?P<code>(?:item\s+)?\d{{1,2}}(?:\.\d{{1,2}}){{0,2}}\.?|[A-Z]\.?\d{{1,2}})\s+"
                             rf"(?P<t>{TIME}(?:\s*(?:-|–|—|to)\s*{TIME})?)\s+(?P<rest>\S.*)$", re.I)
_ITEM_HINT = re.compile(r"\d|^[IVX]+\.|^(?:agenda|item|topic|point|punto|tema|session|séance|sesión|module|módulo)\b",
                        re.I)


def _item_form(text: str, roman: bool = True) -> str:
    """``Item 10``, ``AGENDA ITEM 1: Title``, ``Topic 1 : Title``, ``1.Title``, ``1) Title`` → ``N. Title`` (after
    a leading time, too)."""
    if not _ITEM_HINT.search(text[:12]):
        return text                     # no number, no numeral, no "Item": no item form to rewrite
    coded = _CODE_THEN_TIME.match(text)
    if coded:                           # "A3 10:50–12:00 Quality management": the time first, then the code
        code = coded.group("code").rstrip(".")
        text = f"{coded.group('t')} {code}{'.' if code[:1].isdigit() else ''} {coded.group('rest')}"
    lead = _LEADING_TIME.match(text)
    if lead:
        inner = _item_form(lead.group("rest"), roman)
        return f"{lead.group('t')} {inner}"
    for form in (_ITEM_FORMS if roman else _ITEM_FORMS[:-1]):
        m = form.match(text)
        if m and not _SUB_NUMBER.match(text):
            title = m.group("t").strip()
            number = m.group("n") if "n" in m.groupdict() else _ROMAN.get(m.group("r"))
            if number is None:
                continue
            return f"{number}. {title}" if title else f"{number}."
    return text


_LABEL_DATE = re.compile(r"^(?:date|dates|fecha|day|jour|time|times|hora|horario|heure|horaire)\s*:\s*(?=\S)", re.I)
_ROOM_LINE = re.compile(r"^(?:(?:conference\s+)?room|salle|sala)\s+(?:[\dIVXLC]+|[A-Z]\b)", re.I)
_MERIDIEM_GLUE = re.compile(r"\b([ap]\.m\.)(?=[A-Za-z0-9])", re.I)


def _people(text: str) -> str | None:
    """``Chair: Ambassador X`` → ``Presented by Ambassador X`` (the form the reader knows); None if not people."""
    m = PEOPLE_LABEL.match(text)
    if not m:
        return None
    label, who = m.group("label"), m.group("who").strip()
    if _LABELS_NEED_COLON.match(label) and not re.match(r"^\S+(?:\s+\S+)?\s*[:–-]", text):
        return None          # "Chair of the Committee …" is a title, not a label
    if len(text) > 250:
        return None
    return f"Presented by {who}" if who else "Presented by:"


def day_base(lines: list[str]) -> date | None:
    """The first full date of the document: what ``Day 1`` counts from."""
    for ln in lines:
        found = match_date(translate_date(ln))
        if found and found[3]:
            _m, d, month, year, _wd = found
            try:
                return date(year, month, d)
            except ValueError:
                continue
    return None


_MEETING = (r"(?:[\w-]+\s+)?(?:plenary\s+meeting|séance\s+plénière|sesión\s+plenaria|reunión\s+plenaria)|"
            r"(?:main\s+committee|grande\s+commission|comisión\s+principal)\s+[IVX]+")
_TIMED_MEETING = re.compile(rf"^(?P<t>{TIME}\s*(?:-|–|—|to)\s*{TIME})\s+(?:{_MEETING})\b[^:]*$", re.I)
_MEETING_HINT = re.compile(r"pl[ée]n|commi|comisi", re.I)
_DAY_PART_INITIALS = "maetn"           # morning, matin, mañana, afternoon, après-midi, evening, tarde, noche
_MEETING_ALONE = re.compile(rf"^(?:{_MEETING})$", re.I)
_ARABIC_ITEM = re.compile(r"^\s*(?:\d{1,2}:\d\d\s+)?\d{1,2}[.)]\s+\S")
_DAY_N = re.compile(r"^(?:day|d[ií]a|jour|journée)\s+(?P<n>\d{1,2})\b\s*[:.–—-]?\s*(?P<rest>.*)$", re.I)


@lru_cache(maxsize=2)
def normalise(text: str) -> tuple[list[Line], set[int]]:
    """The document's lines, rewritten (a line may become several, each keeping its number), and the numbers of
    the lines recognised as navigation or repeated page furniture (understood, not content)."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    raw = [repair_mojibake(ln) for ln in raw]
    repeated = {s for s, k in Counter(ln.strip() for ln in raw if len(ln.strip()) > 3).items()
                if k >= 3 and not re.search(TIME, s) and len(s) < 80 and not s.endswith("?")}
    base = day_base(raw)
    # Roman numerals number the items, unless Arabic numbers do (then "I. Provisional agenda", "II. Annotations"
    # are the document's parts)
    roman = sum(1 for ln in raw if _ARABIC_ITEM.match(ln)) < 2
    out: list[Line] = []
    furniture: set[int] = set()
    for n, ln in enumerate(raw, start=1):
        # Spacing is normalised inside each cell: tabs separate cells and must survive until they are split.
        # Three spaces or more between words are a column gap (pdftotext -layout, copied tables): a cell boundary.
        ln = ln.replace("\u00a0", " ")
        if "   " in ln:
            ln = _WIDE_GAP.sub("\t", ln)
        s = "\t".join(" ".join(part.split()) for part in ln.split("\t")).strip("\t ")
        if not s:
            out.append(Line(n, ""))
            continue
        if _NAVIGATION.match(s) or _URL.match(s) or _UN_FURNITURE.match(s) \
                or (s in repeated and not s.startswith(("-", "•"))):
            furniture.add(n)
            out.append(Line(n, ""))
            continue
        cells = _split_cells(s)
        if len(cells) >= 3 and all(len(c.split()) <= 3 and not re.search(r"\d", c) for c in cells):
            furniture.add(n)             # a navigation bar or a table's header row: understood, not content
            out.append(Line(n, ""))
            continue
        for cell in cells:
            if "m." in cell or "M." in cell:
                cell = _MERIDIEM_GLUE.sub(r"\1 ", cell)
            for part in (p for piece in _split_heading(unglue_footnote(cell))
                         for p in _split_glued(_time_first(normalise_times(translate_date(piece))))):
                low = part[:4].lower()
                day = _DAY_N.match(part) if low[:3] in ("day", "día", "dia", "jou") else None
                if day and match_date(day.group("rest")):
                    part = day.group("rest")             # "DAY 1 – TUESDAY, 22 JUNE 2021": the date says it
                    day = None
                if day and base is not None and not match_date(part):
                    when = base + timedelta(days=int(day.group("n")) - 1)
                    out.append(Line(n, f"{when.strftime('%A')} {when.day} {when.strftime('%B')} {when.year}"))
                    if day.group("rest") and not re.fullmatch(r"[A-Za-z]+day", day.group("rest"), re.I):
                        out.append(Line(n, day.group("rest")))
                    continue
                if _MEETING_HINT.search(part):
                    if _MEETING_ALONE.match(part):
                        furniture.add(n)                          # "Troisième séance plénière" in its own column
                        continue
                    meeting = _TIMED_MEETING.match(part)
                    if meeting:
                        out.append(Line(n, meeting.group("t")))  # "10:00 – 13:00 Fourth plenary meeting": a range
                        continue                                  # over the agenda items listed under it
                if low[:1].isdigit():
                    ranged = _RANGE_PART_OF_DAY.match(part)
                    if ranged:
                        out.append(Line(n, ranged.group("r")))  # "10:00–13:00 Morning": a range heading
                        continue
                if low[:1] in _DAY_PART_INITIALS:
                    ranged = _PART_OF_DAY_RANGE.match(part)
                    if ranged:
                        out.append(Line(n, ranged.group("r")))  # "Morning session (10:00 – 13:00)": a range heading
                        continue
                    if _PART_OF_DAY.match(part):
                        furniture.add(n)
                        continue
                if ":" in part:
                    part = _LABEL_DATE.sub("", part)
                if not part[:1].isalnum():
                    part = _BULLETED_TIME.sub("", part)      # "• 09:00 – 09:15 Opening": an item, not a bullet
                if low[:1] in "rsc" and _ROOM_LINE.match(part):
                    part = "Venue: " + part
                people = _people(part)
                if people:
                    out.append(Line(n, people))
                    continue
                out.append(Line(n, _item_form(part, roman)))
    return out, furniture
