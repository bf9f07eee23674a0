"""Lettered ((a)…(n)) and numbered ((1)…(n)) question lists inside a longer document.

The working paper kind: numbered paragraphs with the number on its own line, a running
header carrying the document symbol, page numbers, and list entries that PDF extraction
split, or split *and swapped* (entry (f) arrives as "funding;" then "Taking steps … mine
action"). The list is named by the document symbol; its refs are the letters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from commands.importers.model import DocumentError, ParsedDocument, ParsedList
from commands.importers.textutil import LETTERHEAD, SYMBOL_RE, clean_inline, ends_sentence, is_debris, running_symbols

LETTER_MARK = re.compile(r"^\((?P<m>[a-z])\)\s*(?P<rest>.*)$|^(?P<m2>[a-z])[).]\s+(?P<rest2>.*)$")
NUMBER_MARK = re.compile(r"^\((?P<m>\d{1,2})\)\s*(?P<rest>.*)$|^(?:Q\.?\s?)?(?P<m2>\d{1,2})[.):]?\s+(?P<rest2>\D.*)$")
BULLET_MARK = re.compile(r"^(?P<m>[•·▪●◦■□➢►–—-]|\*)\s+(?P<rest>.*\?\s*)$")
PARA_NUMBER = re.compile(r"^\d{1,3}\.$")
# A heading between questions ("States Parties:", "Survivors and their organisations:"): not part of a question.
SECTION_HEADING = re.compile(r"^[A-ZÀ-Ý][^.?!]{0,80}:$")


@dataclass
class _Mark:
    index: int        # line index
    label: str
    rest: str


def short_name(symbol: str) -> str:
    """The last segment of a document symbol: APLC/MSP.10/2010/WP.15 → WP.15."""
    parts = [p for p in symbol.strip("/").split("/") if p]
    if len(parts) > 1 and parts[-1].isdigit():
        return "/".join(parts[-2:])      # APLC/CG/2026/1 → 2026/1: a bare number says too little
    return parts[-1] if parts else symbol


def looks_like_list(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines()]
    if any(re.match(r"^\(a\)", ln) for ln in lines) and any(re.match(r"^\(b\)", ln) for ln in lines):
        return True
    return list_weight(text) >= 2


def list_weight(text: str) -> int:
    """How much of a question list the text holds: marked entries ("1. What …?", "Q2. How …", "b. Quelles …",
    "• Should …?") that ask, on their line or the next."""
    lines = [ln.strip() for ln in text.splitlines()]
    asked = 0
    for i, ln in enumerate(lines):
        if (NUMBER_MARK.match(ln) or LETTER_MARK.match(ln) or BULLET_MARK.match(ln)) and (
                "?" in ln or (i + 1 < len(lines) and "?" in lines[i + 1] and not NUMBER_MARK.match(lines[i + 1])
                              and not LETTER_MARK.match(lines[i + 1]))):
            asked += 1
    return asked


def parse_question_list(text: str, *, symbol: str | None = None, name: str | None = None) -> ParsedDocument:
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    found_symbols = running_symbols(raw)
    if symbol is None:
        counts = {s: sum(1 for ln in raw if ln.strip() == s) for s in found_symbols}
        symbol = max(counts, key=counts.get) if counts else None
    lines_plain = [ln.strip() for ln in raw]
    if symbol is None:
        # No symbol: the list is named by --name or the document's title, and written by its initials.
        title = name or _title(lines_plain)
        if title is None:
            raise DocumentError("expected a document symbol such as APLC/MSP.10/2010/WP.15 (a running header "
                                "line), a title, or --symbol / --name", 1)
        name = name or title
        symbol = title
    if not SYMBOL_RE.match(symbol) and "/" not in symbol and "." not in symbol:
        pass  # a free-form name given by the user is fine
    lines = ["" if is_debris(ln, found_symbols) else ln.strip() for ln in raw]
    # Debris lines became blanks; squeeze runs of blanks that debris created around a page break.
    marks = _longest_run(lines, LETTER_MARK, lambda k: chr(ord("a") + k))
    numbered = _longest_run(lines, NUMBER_MARK, lambda k: str(k + 1))
    if len(marks) < 2 or (len(numbered) > len(marks) and _asks(numbered) > _asks(marks)):
        marks = numbered
    if _asks(marks) < 2:
        # numbered paragraphs that do not ask: the questions are the bullets that do
        bullets = [_Mark(i, str(k + 1), BULLET_MARK.match(ln).group("rest"))
                   for k, (i, ln) in enumerate((i, ln) for i, ln in enumerate(lines) if BULLET_MARK.match(ln))]
        if len(bullets) >= 2:
            marks = bullets
    if len(marks) < 2:
        raise DocumentError("expected a list of questions marked (a), (b), (c)… or (1), (2), (3)… "
                            "each at the start of a line", 1)
    questions = []
    for k, mark in enumerate(marks):
        stop = marks[k + 1].index if k + 1 < len(marks) else _list_end(lines, mark.index)
        body = [ln for ln in lines[mark.index + 1:stop] if not SECTION_HEADING.match(ln)]
        fragments = _fragments([mark.rest] + body)
        if not fragments:
            raise DocumentError(f"entry ({mark.label}) is empty: expected its text after the marker",
                                mark.index + 1)
        questions.append((mark.label, _repair(fragments)))
    list_name = name or _heading_before(lines, marks[0].index) or _heading_above(lines, marks[0].index) or "Questions"
    description = _lead_in(lines, marks[0].index)
    short = short_name(symbol) if "/" in symbol or SYMBOL_RE.match(symbol) else initials(symbol)
    return ParsedDocument(lists=[ParsedList(name=list_name, symbol=symbol, short=short,
                                            questions=questions, description=description)])


_SMALL = {"a", "an", "and", "the", "of", "on", "for", "to", "in", "by", "with", "de", "des", "la", "le", "les", "et",
          "du", "el", "los", "las", "y", "en", "del"}


def initials(title: str) -> str:
    """A short name for a list without a symbol: "Guiding questions on victim assistance" → "GQVA"."""
    words = [w for w in re.findall(r"[A-Za-zÀ-ÿ0-9]+", title) if w.lower() not in _SMALL]
    short = "".join(w[0].upper() for w in words)[:6]
    return short or "Q"


def _heading_above(lines: list[str], index: int) -> str | None:
    """Back from the first question, past section headings ("States Parties:") and the lead-in sentence, to the first
    heading-like line: the paper's own title ("Cuestionario sobre cooperación y asistencia")."""
    for ln in reversed(lines[:index]):
        if not ln or SECTION_HEADING.match(ln) or ends_sentence(ln) or SYMBOL_RE.match(ln) or PARA_NUMBER.match(ln):
            continue
        if 2 <= len(ln.split()) <= 15 and "?" not in ln and not LETTERHEAD.match(ln):
            return clean_inline(ln)
    return None


_DOC_KIND = re.compile(r"\b(?:paper|questionnaire|questions|note|document de travail|questionnaire|cuestionario|"
                       r"preguntas|document d['’]orientation|survey)\b", re.I)


def _title(lines: list[str]) -> str | None:
    """The heading-like line (short, not a sentence, not a question, not a number) that names what the document is
    ("Discussion paper on …", "Questionnaire on …"), else the first one."""
    found = [ln for ln in lines
             if (ln and 2 <= len(ln.split()) <= 15 and not ends_sentence(ln) and "?" not in ln
                 and not LETTERHEAD.match(ln)
                 and not NUMBER_MARK.match(ln) and not LETTER_MARK.match(ln) and any(c.isalpha() for c in ln))]
    named = [ln for ln in found if _DOC_KIND.search(ln) and not ln.lower().startswith(("prepared", "submitted"))]
    return clean_inline((named or found)[0]) if found else None


def _asks(marks: list[_Mark]) -> int:
    return sum(1 for m in marks if "?" in m.rest)


MAX_SKIP = 2          # marks a list may skip between two entries ((g) then (i): (h) was deleted)


def _longest_run(lines: list[str], pattern, label_for) -> list[_Mark]:
    best: list[_Mark] = []
    at = 0
    run: list[_Mark] = []
    for i, ln in enumerate(lines):
        m = pattern.match(ln)
        if not m:
            continue
        label = m.group("m") or m.group("m2")
        rest = m.group("rest") if m.group("m") else m.group("rest2")
        if label == label_for(0):
            run = [_Mark(i, label, rest or "")]
            at = 0
        elif run and any(label == label_for(at + step) for step in range(1, MAX_SKIP + 2)):
            # The next mark, or one a little further on: a list whose letters skip (an entry deleted from a revised
            # paper) is read as the letters it has, never as one entry swallowing the rest.
            at = next(at + step for step in range(1, MAX_SKIP + 2) if label == label_for(at + step))
            run.append(_Mark(i, label, rest or ""))
        else:
            continue
        if len(run) > len(best):
            best = list(run)
    return best


def _list_end(lines: list[str], start: int) -> int:
    """After the last entry: stop at a blank line once its text has ended a sentence, or at a
    heading or a paragraph number."""
    text_so_far = lines[start]
    i = start + 1
    while i < len(lines):
        ln = lines[i]
        if PARA_NUMBER.match(ln):
            return i
        if not ln:
            if ends_sentence(text_so_far) and text_so_far.rstrip().endswith((".", "?", "!")):
                return i
            i += 1
            continue
        if ends_sentence(text_so_far) and re.match(r"^\d{1,3}\.\s+[A-ZÀ-Ý]", ln):
            return i                     # "3. The co-sponsors …": the next numbered paragraph
        if text_so_far.rstrip().endswith("?") and ln[:1].isupper() and not LETTER_MARK.match(ln):
            return i                     # a new sentence after the question: the list has ended
        text_so_far = ln
        i += 1
    return len(lines)


def _fragments(lines: list[str]) -> list[str]:
    out, current = [], []
    for ln in lines:
        if ln:
            current.append(ln)
        elif current:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return [clean_inline(f) for f in out if clean_inline(f)]


def _repair(fragments: list[str]) -> str:
    """Put split halves back in reading order: the fragment that opens a sentence (capital
    letter) first, the one that closes it (terminal punctuation) last."""
    if len(fragments) > 1:
        opening = [f for f in fragments if f[:1].isupper() or f[:1] in "“\"("]
        closing = [f for f in fragments if f not in opening]
        if opening and closing and not ends_sentence(opening[-1]):
            fragments = opening + closing
    return clean_inline(" ".join(fragments))


def _heading_before(lines: list[str], index: int) -> str | None:
    for i in range(index - 1, -1, -1):
        ln = lines[i]
        if (ln and len(ln) <= 60 and not ends_sentence(ln) and not PARA_NUMBER.match(ln)
                and ln[:1].isupper() and (i == 0 or not lines[i - 1])
                and (i + 1 >= len(lines) or not lines[i + 1] or PARA_NUMBER.match(lines[i + 1]))):
            return ln
    return None


def _lead_in(lines: list[str], index: int) -> str | None:
    """The sentence that introduces the list ("Such issues include:"), back to its paragraph number."""
    chunk = []
    for i in range(index - 1, -1, -1):
        ln = lines[i]
        if PARA_NUMBER.match(ln) or (not ln and chunk):
            break
        if ln:
            chunk.append(ln)
    chunk.reverse()
    return clean_inline(" ".join(chunk)) or None
