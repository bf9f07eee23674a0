"""Tables (Word tables, ruled PDF tables, columns set apart by position) to the lines the agenda reader takes.

A cell's wrapped lines are one value ("Summing up and" / "next steps" is one title); a line inside a cell that
starts something of its own (a bullet, a person with an honorific, "Moderator:", "Guiding question:") is a part of
its own. Columns are recognised by what they hold — by their header when there is one ("Time", "Speakers",
"Salle"), else by their cells: times, numbers, people, rooms, and the title (the longest text) — however many
there are and in whatever order. Each row becomes ``| time | number title | room |``, then the title's further
parts, then the people as ``Speaker: …`` lines, which the normaliser and the reader already understand.
"""
from __future__ import annotations

import re

from commands.importers.normalise import normalise_times
from commands.importers.textutil import ROOM_CELL, TIME

_TIME_CELL = re.compile(rf"^{TIME}(?:\s*(?:-|–|—|to|à|a)\s*{TIME})?$|^{TIME}\s*(?:[ap]\.?m\.?)?"
                        rf"(?:\s*(?:-|–|—|to)\s*{TIME}\s*(?:[ap]\.?m\.?)?)?$", re.I)
_NUMBER_CELL = re.compile(r"^(?:item\s+|point\s+|punto\s+)?\d{1,2}(?:\.\d{1,2})?[.)]?(?:\s*(?:bis|ter))?$", re.I)
_PERSON = re.compile(
    r"^(?:H\.?\s?E\.?|Mr|Mrs|Ms|Mme|Mlle|M\.|Dr|Prof(?:essor)?|Ambassador|Ambassadrice|Minister|Sir|Dame|Judge|Sr|"
    r"Sra|Dña?|Excellency|His Excellency|Her Excellency|S\.E\.)\.?\s+\S|"
    r"^[A-ZÀ-Ý][a-zà-ÿ'’-]+(?:\s+(?:[A-ZÀ-Ý][a-zà-ÿ'’-]+|de|da|van|von|del|la|le)){1,3}\s*[,(]\s*\S")
_LABEL = re.compile(r"^(?:[A-ZÀ-Ý][\w()’'-]*(?:\s+[\w()’'-]+){0,3})\s*:\s+\S")
_BULLET = re.compile(r"^(?:[-•–—▪◦·●○■□➢►]|\*)\s+")
_PEOPLE_HEAD = re.compile(r"^(?:speakers?|presenters?|moderators?|chairs?|chairpersons?|facilitators?|panel(?:l?ists)?|"
                          r"intervenant\(?e?\)?s?|orador(?:es|a)?|ponentes?|modérat\w*|moderador\w*|présid\w*|"
                          r"presid\w*|who|resource persons?|introduced by|presented by)\b", re.I)
_ROOM_HEAD = re.compile(r"^(?:room|salle|sala|venue|lieu|lugar|location)\b", re.I)
_TIME_HEAD = re.compile(r"^(?:time|times|hour|horaire|heure|hora|horario)\b", re.I)
_NUMBER_HEAD = re.compile(r"^(?:no\.?|n°|nº|#|item no\.?)$", re.I)


def cell_parts(cell: str) -> list[str]:
    """A cell's lines as its parts: wrapped lines joined, a line that starts something of its own kept apart."""
    parts: list[str] = []
    for raw in cell.split("\n"):
        line = normalise_times(" ".join(raw.split()))        # "3–6 p.m." is a time cell like "15:00 - 18:00"
        if not line:
            continue
        if parts and not _starts_part(line) and not parts[-1].endswith(("?", "!")):
            parts[-1] = f"{parts[-1]} {line}"
        else:
            parts.append(line)
    return parts


def _starts_part(line: str) -> bool:
    return bool(_BULLET.match(line) or _PERSON.match(line) or _LABEL.match(line) or _BY.match(line)
                or _ITEM_START.match(line))


_ITEM_START = re.compile(r"^(?:agenda\s+)?item\s+\d{1,2}\b|^(?:point|punto|tema)\s+\d{1,2}\b|^\d{1,2}(?:\.\d{1,2})*[.)]\s+\S",
                         re.I)


_BY = re.compile(r"^(?:presented|introduced|chaired|moderated|facilitated|presentation|introduction|(?:\w+\s)?remarks)"
                 r"\s+by\b|^(?:présenté|présentée|animé|animée|presentado|presentada|moderado|moderada)\s+par\b|"
                 r"^(?:presentado|presentada|moderado|moderada)\s+por\b", re.I)


def _is_header(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    return len(filled) >= 2 and all(len(c.split()) <= 3 and not re.search(r"\d", c) for c in filled) and any(
        _TIME_HEAD.match(c.strip()) or _PEOPLE_HEAD.match(c.strip()) or _ROOM_HEAD.match(c.strip()) for c in filled)


def _roles(header: list[str] | None, rows: list[list[list[str]]]) -> list[str]:
    """Each column's role: time, number, people, room or text (the title is the longest text column)."""
    width = max(len(r) for r in rows)
    roles = []
    for k in range(width):
        head = (header[k].strip() if header and k < len(header) else "")
        cells = [r[k] for r in rows if k < len(r) and r[k]]
        firsts = [c[0] for c in cells]
        n = len(firsts) or 1
        if head and _TIME_HEAD.match(head) or (firsts and sum(bool(_TIME_CELL.match(f)) for f in firsts) / n > 0.6):
            roles.append("time")
        elif head and _NUMBER_HEAD.match(head) or (firsts and all(_NUMBER_CELL.match(f) for f in firsts)):
            roles.append("number")
        elif head and _ROOM_HEAD.match(head) or (firsts and sum(bool(ROOM_CELL.match(f)) for f in firsts) / n > 0.6):
            roles.append("room")
        elif head and _PEOPLE_HEAD.match(head) or (
                firsts and sum(bool(_PERSON.match(p) or _people_label(p)) for c in cells for p in c)
                / max(1, sum(len(c) for c in cells)) > 0.6):
            roles.append("people")
        else:
            roles.append("text")
    texts = [k for k, r in enumerate(roles) if r == "text"] or [k for k, r in enumerate(roles) if r == "people"]
    if texts:
        longest = max(texts, key=lambda k: sum(len(" ".join(r[k])) for r in rows if k < len(r)))
        roles[longest] = "title"
    return roles


def _people_label(part: str) -> bool:
    from commands.importers.normalise import PEOPLE_LABEL
    m = _LABEL.match(part)
    return bool(m and PEOPLE_LABEL.match(part))


def table_lines(table: list[list[str]]) -> list[str]:
    """A table's rows (each a list of cell texts, lines in a cell separated by newlines) as reader lines."""
    table = [list(r) for r in table if any(c and c.strip() for c in r)]
    if not table:
        return []
    header = None
    if _is_header(table[0]):
        header, table = table[0], table[1:]
    rows = [[cell_parts(c or "") for c in r] for r in table]
    if not rows:
        return []
    roles = _roles(header, rows)
    out: list[str] = []
    for row in rows:
        filled = [c for c in row if c]
        if len(filled) == 1 and len(row) > 1:
            out.extend(filled[0])           # a row of one merged cell: a day heading, a section, a break
            continue
        cols = {role: [] for role in ("time", "number", "title", "room", "people", "text")}
        for k, parts in enumerate(row):
            if parts:
                cols[roles[k] if k < len(roles) else "text"].append(parts)
        time = cols["time"][0][0] if cols["time"] else ""
        if not cols["title"] and not cols["text"] and cols["people"] and not any(
                _PERSON.match(p) or _LABEL.match(p) for p in cols["people"][0]):
            cols["title"].append(cols["people"].pop(0))    # a row whose one text ("Pause-café") sits in another column
        title_parts = cols["title"][0] if cols["title"] else (cols["text"].pop(0) if cols["text"] else [])
        title = title_parts[0] if title_parts else ""
        if cols["number"]:
            title = f"{cols['number'][0][0].rstrip('.')}. {title}".strip()
        rooms = [p for c in cols["room"] for p in c]
        cells = [x for x in [time, title] + rooms if x]
        out.append("| " + " | ".join(cells) + " |")
        out.extend(title_parts[1:])
        for parts in cols["text"]:
            out.extend(parts)
        for parts in cols["people"]:
            for p in parts:
                out.append(p if _LABEL.match(p) or p.lower().startswith(("presented by", "introduced by"))
                           else f"Speaker: {p}")
    return out
