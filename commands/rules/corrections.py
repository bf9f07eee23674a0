"""Corrections made by hand to an imported agenda: how items are numbered after one, and which of them a later
re-import of a revised document keeps.

An item corrected by hand carries ``manual`` markers (storage/schema.py m021): for each field corrected (``title``,
``time``, ``presenters``, ``kind``) what the *document* said at the time, and ``doc``, the item's number and title in
the document (to find it again after a renumbering), or ``added`` for an item added by hand. A question reworded
by hand carries the document's wording of it then ('' for a question added by hand).

On a re-import, each correction is compared with what the revised document says:

- the document still says what it said when the correction was made → the correction is **kept**;
- the document now says what the correction says → nothing to keep (the marker is dropped);
- the document says something else → the document **contradicts** the correction and is followed; the plan
  shows it, so the coordinator can correct it again.

Items and questions added by hand are kept (an item after the item it followed, a question under its item),
unless the document now has them itself.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from commands.rules import questions as qp
from commands.text import timefmt
from storage.models import ImportedItem, Item, Question

FIELDS = ("title", "time", "presenters", "kind")
FIELD_NAMES = {"title": "title", "time": "time", "presenters": "presenters", "kind": "break or item"}


# --- numbering ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    """An item as numbering sees it: its number, whether it is a break, and whether it needs a number it does not
    have yet (added by hand, or a break turned into an item)."""
    number: str | None
    is_break: bool
    needs_number: bool = False


def renumber(slots: list[Slot]) -> list[str | None]:
    """The numbers after an edit. Where every number is a plain integer (1, 2, 3 …) items are numbered again in
    order from the first number, so questions' refs follow the new order; other numberings (2.1, 3bis, II) are
    kept as they are, and an item that needs a number takes the next free integer. (From the first number: the
    smallest, wherever the item that had it went.) Breaks have no number; an item
    the document left unnumbered stays unnumbered."""
    numbered = [s.number for s in slots if s.number and not s.is_break]
    plain = all(n.isdigit() for n in numbered)
    if plain:
        counter = min(int(n) for n in numbered) if numbered else 1
        out: list[str | None] = []
        for s in slots:
            if s.is_break or not (s.number or s.needs_number):
                out.append(None)
                continue
            out.append(str(counter))
            counter += 1
        return out
    taken = {s.number for s in slots if s.number}
    lead = [int(n.split(".")[0]) for n in taken if n and n.split(".")[0].isdigit()]
    counter = max(lead, default=0) + 1
    out = []
    for s in slots:
        if s.is_break:
            out.append(None)
        elif s.number:
            out.append(s.number)
        elif s.needs_number:
            while str(counter) in taken:
                counter += 1
            out.append(str(counter))
            taken.add(str(counter))
        else:
            out.append(None)
    return out


# --- the session around its items ------------------------------------------------------------

def _span(items) -> tuple | None:
    timed = [it for it in items if it.start]
    if not timed:
        return None
    return min(it.start for it in timed), max(it.end or it.start for it in timed)


def fit(start, end, before, after) -> tuple:
    """The session's (start, end) once its items' times changed from ``before`` to ``after``: it stretches to hold
    them, and follows its first (last) item where that item set its start (end)."""
    old, new = _span(before), _span(after)
    if new is None:
        return start, end
    first, last = new
    new_start = first if first < start or (old and old[0] == start) else start
    new_end = last if last > end or (old and old[1] == end) else end
    return new_start, max(new_end, new_start)


# --- field values as corrections compare them -------------------------------------------------

def time_value(start, end, tz: str) -> str:
    """An item's time as a correction records it: wall-clock ``HH:MM-HH:MM`` in the session's zone ('' untimed)."""
    if start is None:
        return ""
    return timefmt.hm(start, tz) + (f"-{timefmt.hm(end, tz)}" if end else "")


def value(item, name: str, tz: str):
    if name == "time":
        return time_value(item.start, item.end, tz)
    if name == "presenters":
        return list(item.presenters)
    return getattr(item, name)


def identity(item: Item) -> dict:
    """How the document named the item: its number and title there."""
    return item.manual.get("doc") or {"number": item.number, "title": item.title}


def mark(item: Item, name: str, tz: str) -> dict:
    """The item's markers once ``name`` is corrected by hand: the document's value is recorded the first time only
    (a second correction of the same field is still a correction of what the document said)."""
    manual = dict(item.manual)
    if not manual.get("added"):
        manual.setdefault("doc", {"number": item.number, "title": item.title})
        manual.setdefault(name, value(item, name, tz))
    return manual


# --- a re-import ------------------------------------------------------------------------------

def _match(stored: list[Item], incoming: list[ImportedItem]) -> dict[int, int]:
    """Stored item index → incoming item index, by the document's number and title, else the title alone, else the
    number alone (each only when it names one item)."""
    out: dict[int, int] = {}
    taken: set[int] = set()
    for rule in ("both", "title", "number"):
        for i, it in enumerate(stored):
            if i in out or it.manual.get("added"):
                continue
            doc = identity(it)
            hits = [j for j, new in enumerate(incoming) if j not in taken and (
                (rule == "both" and new.number == doc["number"] and new.title == doc["title"])
                or (rule == "title" and new.title == doc["title"])
                or (rule == "number" and doc["number"] is not None and new.number == doc["number"]))]
            if len(hits) == 1:
                out[i] = hits[0]
                taken.add(hits[0])
    return out


def _quote(v) -> str:
    if isinstance(v, list):
        v = "; ".join(v) or "nobody"
    return f"“{v}”" if v != "" else "no time"


def _set(item: ImportedItem, name: str, v, tz: str, day) -> None:
    if name == "time":
        if not v:
            item.start = item.end = None
            return
        day = timefmt.to_local(item.start, tz).date() if item.start else day
        start, _, end = v.partition("-")
        item.start = _at(day, start, tz)
        item.end = _at(day, end, tz) if end else None
    elif name == "presenters":
        item.presenters = list(v)
    else:
        setattr(item, name, v)


def _at(day, hm: str, tz: str):
    from datetime import datetime
    return timefmt.localize_lenient(datetime.combine(day, datetime.strptime(hm, "%H:%M").time()), tz)


def carry(stored: list[Item], questions: list[Question], incoming: list[ImportedItem], tz: str, day
          ) -> tuple[list[ImportedItem], list[str]]:
    """The document's items with the corrections by hand it does not contradict, and the plan's lines about each
    correction (kept, or contradicted and followed). ``day``: the session's day in the document (for times)."""
    if not any(it.manual for it in stored) and not any(q.manual is not None for q in questions):
        return incoming, []
    items = [replace(it, questions=list(it.questions), presenters=list(it.presenters)) for it in incoming]
    lines: list[str] = []
    matched = _match(stored, items)
    renumber_needed = False
    for i, old in enumerate(stored):
        if i not in matched:
            if any(name in old.manual for name in FIELDS) and not old.manual.get("added"):
                lines.append(f"“{_short(old.title)}”, corrected by hand, is no longer in the document: the "
                             "document's items are taken")
            continue
        new = items[matched[i]]
        label = f"item {old.number}" if old.number else f"“{old.title}”"
        manual = {"doc": {"number": new.number, "title": new.title}}
        for name in FIELDS:
            if name not in old.manual:
                continue
            said_then, says_now, corrected = old.manual[name], value(new, name, tz), value(old, name, tz)
            if says_now == corrected:
                continue
            if says_now == said_then and not (name == "kind" and corrected == "break" and new.questions):
                _set(new, name, corrected, tz, day)
                manual[name] = said_then
                renumber_needed |= name == "kind"
                if name == "kind":
                    lines.append(f"keeps {label} as {'a break' if corrected == 'break' else 'an item'}, as corrected "
                                 f"by hand (the document still has it as {'a break' if said_then == 'break' else 'an item'})")
                else:
                    lines.append(f"keeps {label} {FIELD_NAMES[name]} {_quote(corrected)}, corrected by hand (the "
                                 f"document still says {_quote(said_then)})")
            else:
                lines.append(f"{label} {FIELD_NAMES[name]}: corrected by hand to {_quote(corrected)}, and the "
                             f"document now says {_quote(says_now)} (it said {_quote(said_then)}): the document's "
                             "is taken")
        new.manual = manual if len(manual) > 1 else {}
    _carry_questions(stored, questions, items, matched, lines)
    items = _carry_added(stored, questions, items, matched, lines)
    if renumber_needed or any(it.manual.get("added") for it in items):
        numbers = renumber([Slot(it.number, it.kind == "break",
                                 bool(it.manual.get("added")) or "kind" in it.manual and it.kind == "item")
                            for it in items])
        for it, n in zip(items, numbers):
            it.number = n
    return items, lines


def _carry_questions(stored, questions, items, matched, lines) -> None:
    where = {it.id: matched.get(i) for i, it in enumerate(stored)}
    for q in questions:
        if q.manual is None or q.item_id not in where or where[q.item_id] is None:
            continue
        target = items[where[q.item_id]]
        texts = [qp.normalise(t) for t in target.questions]
        if qp.normalise(q.text) in texts:
            continue                                    # the document says it now too
        if q.manual == "":
            target.questions.append(q.text)
            lines.append(f"keeps question {q.ref}, added by hand: “{_short(q.text)}”")
            continue
        if qp.normalise(q.manual) in texts:
            target.questions[texts.index(qp.normalise(q.manual))] = q.text
            lines.append(f"keeps question {q.ref} as reworded by hand: “{_short(q.text)}”")
        else:
            lines.append(f"question {q.ref}: reworded by hand, and the document no longer has the wording it was "
                         f"corrected from (“{_short(q.manual)}”): the document's questions are taken")


def _carry_added(stored, questions, items, matched, lines) -> list[ImportedItem]:
    """Items added by hand, after the incoming item matching the stored item they followed."""
    out = list(items)
    titles = {qp.normalise(it.title) for it in items}
    for i, old in enumerate(stored):
        if not old.manual.get("added") or qp.normalise(old.title) in titles:
            continue
        before = next((matched[k] for k in range(i - 1, -1, -1) if k in matched), None)
        anchor = out.index(items[before]) + 1 if before is not None else 0
        while anchor < len(out) and out[anchor].manual.get("added"):
            anchor += 1
        added = ImportedItem(number=None, title=old.title, kind=old.kind, start=old.start, end=old.end,
                             presenters=list(old.presenters), description=old.description,
                             questions=[q.text for q in questions if q.item_id == old.id], manual=dict(old.manual))
        out.insert(anchor, added)
        lines.append(f"keeps item “{_short(old.title)}”, added by hand")
    return out


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
