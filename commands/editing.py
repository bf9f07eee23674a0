"""Correcting an agenda in place: one function per edit, shared by the typed commands (every front end), the
Slack edit form and the CLI, so they accept, refuse and record the same.

Each edit runs in one transaction, is audited, and records what it corrected by hand (``commands.rules.corrections``)
so that a re-import keeps it. Questions keep their row through every edit, and so their inputs; their refs follow
the items' order and numbers. An edit that would take answered questions off the agenda is refused until it is
confirmed, and then retires them as a re-import does (kept with their inputs, listed in the compilation under
"Questions withdrawn from the agenda"). Each raises ``UserError`` (with the form field at fault) and changes
nothing when it refuses.
"""
from __future__ import annotations

import re
from datetime import datetime

from commands.core import UserError
from commands.operations import move_session, record_audit
from commands.rules import corrections
from commands.rules.corrections import Slot
from commands.text import timefmt
from commands.text.args import shown
from commands.text.names import clean_name
from commands.text.words import count
from storage import agenda as agenda_store
from storage import agenda_edits as store
from storage.db import write_tx
from storage.models import Group, Item, Question, Session

TITLE_MAX = 1000          # as an import takes them
PRESENTER_MAX = 300
QUESTION_MAX = 5000
TIME = re.compile(r"^(?P<start>\d{1,2}[:.h]\d{2})(?:\s*[-–—]\s*(?P<end>\d{1,2}[:.h]\d{2}))?$")
ITEM_TIME = re.compile(r"^\d{1,2}[:.h]\d{2}$")


# --- reading what is typed --------------------------------------------------------------------

def find_item(db, session: Session, word: str, *, field: str | None = None) -> Item:
    """An item of the session by its number (``2``, ``3.1``) or, for breaks and unnumbered items, its start
    (``11:00``)."""
    items = agenda_store.items_of_session(db, session.id)
    word = (word or "").strip().rstrip(".")
    found = [it for it in items if it.number and it.number.casefold() == word.casefold()]
    if not found and ITEM_TIME.match(word):
        hm = _hm(word)
        found = [it for it in items if it.start and timefmt.hm(it.start, session.timezone) == hm]
    if len(found) == 1:
        return found[0]
    numbers = ", ".join(it.number for it in items if it.number) or "none"
    if len(found) > 1:
        raise UserError(f"Several items start at {shown(word)}: name the item by its number ({numbers}).",
                        field=field)
    raise UserError(f"There is no item {shown(word)} on the agenda of “{session.title}” (#{session.id}). Items: "
                    f"{numbers}; a break or an unnumbered item is named by its start time (11:00).", field=field)


def _hm(text: str) -> str:
    h, m = re.split(r"[:.h]", text)
    return f"{int(h):02d}:{m}"


def parse_time(text: str, session: Session, item: Item | None, *, field: str | None = "time"
               ) -> tuple[datetime, datetime | None]:
    """``HH:MM`` or ``HH:MM-HH:MM``, wall-clock in the session's zone on the item's day (else the session's):
    UTC out. A time that does not exist (the clocks skip it) or happens twice is refused, as is an end before
    the start."""
    m = TIME.match((text or "").strip())
    if m is None:
        raise UserError(f"'{shown(text)}' is not a time I can read: write HH:MM or HH:MM-HH:MM (for example "
                        "10:00-11:30), in the session's time zone.", field=field)
    tz = session.timezone
    day = timefmt.to_local((item.start if item and item.start else session.start), tz).date()

    def at(hm: str) -> datetime:
        h, mi = (int(x) for x in re.split(r"[:.h]", hm))
        if h > 23 or mi > 59:
            raise UserError(f"{hm} is not a time of day: write HH:MM between 00:00 and 23:59.", field=field)
        try:
            return timefmt.localize(datetime(day.year, day.month, day.day, h, mi), tz)
        except timefmt.TimeError as e:
            raise UserError(f"{e}.", field=field)

    start = at(m.group("start"))
    end = at(m.group("end")) if m.group("end") else None
    if end is not None and end <= start:
        raise UserError(f"The end ({timefmt.hm(end, tz)}) must come after the start ({timefmt.hm(start, tz)}).",
                        field=field)
    return start, end


def parse_presenters(text: str, *, field: str | None = "presenters") -> list[str]:
    """People separated by ';' (a name may hold a comma: "Ms A, Director"); 'none' or '-' for nobody."""
    text = (text or "").strip()
    if text.lower() in ("none", "nobody", "-", "—"):
        return []
    out = []
    for part in text.split(";"):
        if part.strip():
            try:
                out.append(clean_name(part, "presenter", PRESENTER_MAX))
            except UserError as e:
                raise UserError(e.message, field=field)
    if not out:
        raise UserError("Say who presents (several people separated by ';'), or 'none'.", field=field)
    return out


def clean_title(text: str, *, field: str | None = "title") -> str:
    try:
        return clean_name(text, "title", TITLE_MAX)
    except UserError as e:
        raise UserError(e.message, field=field)


def clean_question(text: str, *, field: str | None = None) -> str:
    text = (text or "").strip()
    if not text:
        raise UserError("Say the question's text.", field=field)
    if len(text) > QUESTION_MAX:
        raise UserError(f"That question is {len(text):,} characters long; at most {QUESTION_MAX:,}.", field=field)
    return text


# --- the edits ----------------------------------------------------------------------------------

def _label(item: Item) -> str:
    return f"item {item.number}" if item.number else f"“{item.title}”"


def _questions_of(db, session: Session, item: Item) -> list[Question]:
    return [q for q in agenda_store.questions_of_session(db, session.id) if q.item_id == item.id]


def _renumber(db, session: Session, order: list[Item], needs: set[int] = frozenset(),
              breaks: set[int] = frozenset()) -> None:
    """Put the items in ``order``, numbered by ``corrections.renumber``, and give the questions their new refs."""
    slots = [Slot(it.number, it.kind == "break" or it.id in breaks, it.id in needs) for it in order]
    numbers = corrections.renumber(slots)
    store.reorder(db, session.id, [(it.id, n) for it, n in zip(order, numbers)])
    store.relabel_questions(db, session.id)


def _fit_session(db, session: Session, old_items: list[Item], now: datetime) -> None:
    """After a time correction the session spans its items (``corrections.fit``). Where the document placed it moves
    by as much, so a re-import does not take the correction for a reschedule."""
    start, end = corrections.fit(session.start, session.end, old_items,
                                 agenda_store.items_of_session(db, session.id))
    if (start, end) == (session.start, session.end):
        return
    import_start = session.import_start + (start - session.start) if session.import_start else None
    store.set_session_bounds(db, session.id, start=start, end=end, import_start=import_start, at=now)


def edit_item(db, group: Group, session: Session, item: Item, what: str, text: str, actor: str,
              now: datetime) -> str:
    """``what``: title | time | presenters | break | item. Returns what changed, for people."""
    what = what.lower()
    tz = session.timezone
    with write_tx(db):
        if what == "title":
            title = clean_title(text)
            store.update_item(db, item.id, title=title, manual=corrections.mark(item, "title", tz))
            done = f"{_label(item)} is now “{title}”"
        elif what == "time":
            start, end = parse_time(text, session, item)
            if end is None and item.start and item.end:
                end = start + (item.end - item.start)        # the same length, moved
            before = agenda_store.items_of_session(db, session.id)
            store.update_item(db, item.id, start=start, end=end, manual=corrections.mark(item, "time", tz))
            _fit_session(db, session, before, now)
            done = f"{_label(item)} is now at {corrections.time_value(start, end, tz).replace('-', '–')}"
        elif what == "presenters":
            people = parse_presenters(text)
            store.update_item(db, item.id, presenters=people, manual=corrections.mark(item, "presenters", tz))
            done = f"{_label(item)} is presented by {'; '.join(people) or 'nobody'}"
        elif what in ("break", "item"):
            kind = what
            if item.kind == kind:
                raise UserError(f"{_label(item).capitalize()} is already {'a break' if kind == 'break' else 'an item'}.",
                                field="kind")
            if kind == "break" and _questions_of(db, session, item):
                n = len(_questions_of(db, session, item))
                raise UserError(f"{_label(item).capitalize()} has {count(n, 'discussion question')}, and a break has "
                                "none: remove them first (question remove REF), then make it a break.", field="kind")
            store.update_item(db, item.id, kind=kind, manual=corrections.mark(item, "kind", tz))
            order = agenda_store.items_of_session(db, session.id)
            _renumber(db, session, order, needs={item.id} if kind == "item" else set(),
                      breaks={item.id} if kind == "break" else set())
            now_item = next(it for it in agenda_store.items_of_session(db, session.id) if it.id == item.id)
            done = (f"“{item.title}” is now a break" if kind == "break"
                    else f"“{item.title}” is now item {now_item.number}")
        else:
            raise UserError(f"I can correct an item's title, time, presenters, or make it a break or an item, not "
                            f"'{shown(what)}'.")
        store.touch_session(db, session.id, now)
        record_audit(db, group, actor, "item edit", f"#{session.id}: {done}", now)
    return done


def add_item(db, group: Group, session: Session, after: Item | None, when: str | None, title: str, actor: str,
             now: datetime) -> Item:
    """A new item (after ``after``, else at the end), numbered in order; later items are renumbered and their
    questions relabelled."""
    title = clean_title(title)
    start, end = parse_time(when, session, after) if when else (None, None)
    with write_tx(db):
        items = agenda_store.items_of_session(db, session.id)
        new_id = store.insert_item(db, session.id, number=None, title=title, kind="item", start=start, end=end,
                                   manual={"added": True})
        new = next(it for it in agenda_store.items_of_session(db, session.id) if it.id == new_id)
        at = items.index(next(it for it in items if it.id == after.id)) + 1 if after else len(items)
        _renumber(db, session, items[:at] + [new] + items[at:], needs={new_id})
        if start is not None:
            _fit_session(db, session, items, now)
        store.touch_session(db, session.id, now)
        new = next(it for it in agenda_store.items_of_session(db, session.id) if it.id == new_id)
        record_audit(db, group, actor, "item add", f"#{session.id}: {_label(new)} “{title}”", now)
    return new


def _retire_or_delete(db, questions: list[Question], confirmed: bool, what: str, now: datetime) -> int:
    """Questions leaving the agenda: deleted when nobody answered them, retired (with their inputs) when somebody
    did — which needs ``confirmed``. Returns how many inputs stay with retired questions."""
    answered = {qid: current + withdrawn
                for qid, (current, withdrawn) in agenda_store.answered_counts(db, [q.id for q in questions]).items()}
    inputs = sum(answered.values())
    if inputs and not confirmed:
        refs = ", ".join(q.ref for q in questions if answered[q.id])
        raise UserError(f"{what} has {count(inputs, 'input')} (on {refs}): removing it takes answered questions off "
                        "the agenda. Their inputs stay with them, listed in the compilation under “Questions "
                        "withdrawn from the agenda”. To do it, add 'confirm' at the end.")
    for q in questions:
        if answered[q.id]:
            store.retire_question(db, q.id, now)
        else:
            store.delete_question(db, q.id)
    return inputs


def remove_item(db, group: Group, session: Session, item: Item, confirmed: bool, actor: str, now: datetime) -> int:
    with write_tx(db):
        inputs = _retire_or_delete(db, _questions_of(db, session, item), confirmed,
                                   _label(item).capitalize(), now)
        store.delete_item(db, item.id)
        _renumber(db, session, agenda_store.items_of_session(db, session.id))
        store.touch_session(db, session.id, now)
        record_audit(db, group, actor, "item remove", f"#{session.id}: {_label(item)} “{item.title}” "
                                                      f"({count(inputs, 'input')} kept with withdrawn questions)", now)
    return inputs


def move_item(db, group: Group, session: Session, item: Item, after: Item, actor: str, now: datetime) -> Item:
    if item.id == after.id:
        raise UserError("An item cannot follow itself: name another item after 'after'.")
    with write_tx(db):
        items = [it for it in agenda_store.items_of_session(db, session.id) if it.id != item.id]
        at = items.index(next(it for it in items if it.id == after.id)) + 1
        _renumber(db, session, items[:at] + [item] + items[at:])
        store.touch_session(db, session.id, now)
        moved = next(it for it in agenda_store.items_of_session(db, session.id) if it.id == item.id)
        record_audit(db, group, actor, "item move", f"#{session.id}: {_label(item)} “{item.title}” → after "
                                                    f"“{after.title}”, now {_label(moved)}", now)
    return moved


def add_question(db, group: Group, session: Session, item: Item, text: str, actor: str, now: datetime) -> Question:
    text = clean_question(text)
    if item.kind == "break" or not item.number:
        raise UserError(f"{_label(item).capitalize()} has no number, so its questions would have no ref: questions go "
                        "under a numbered item.")
    with write_tx(db):
        qid = store.add_question(db, session.id, item.id, text)
        store.relabel_questions(db, session.id)
        store.touch_session(db, session.id, now)
        q = agenda_store.question_by_id(db, qid)
        record_audit(db, group, actor, "question add", f"#{session.id} · {q.ref}: “{text[:80]}”", now)
    return q


def edit_question(db, group: Group, session: Session, question: Question, text: str, actor: str,
                  now: datetime, *, field: str | None = None) -> Question:
    """A new wording for the same question: its inputs stay, the old wording is kept in its history."""
    text = clean_question(text, field=field)
    if text == question.text:
        return question
    manual = question.manual if question.manual is not None else question.text
    with write_tx(db):
        store.reword_question(db, question.id, text, manual=manual, at=now)
        store.touch_session(db, session.id, now)
        record_audit(db, group, actor, "question edit",
                     f"#{session.id} · {question.ref}: “{question.text[:60]}” → “{text[:60]}”", now)
    return agenda_store.question_by_id(db, question.id)


def remove_question(db, group: Group, session: Session, question: Question, confirmed: bool, actor: str,
                    now: datetime) -> int:
    with write_tx(db):
        inputs = _retire_or_delete(db, [question], confirmed, f"Question {question.ref}", now)
        store.relabel_questions(db, session.id)
        store.touch_session(db, session.id, now)
        record_audit(db, group, actor, "question remove",
                     f"#{session.id} · {question.ref} “{question.text[:60]}” "
                     + ("withdrawn with its inputs" if inputs else "deleted (nobody answered it)"), now)
    return inputs


def set_session_date(db, group: Group, session: Session, text: str, actor: str, now: datetime) -> Session:
    """The session on another day, at the same wall-clock times (its items move with it); a re-import keeps it as it
    keeps a reschedule, until a document gives another date."""
    try:
        day = timefmt.parse_user_date(text)
        timefmt.check_year(datetime(day.year, day.month, day.day))
    except timefmt.TimeError as e:
        raise UserError(f"{e}.", field="date")
    tz = session.timezone
    local = timefmt.to_local(session.start, tz)
    try:
        new_start = timefmt.localize(datetime.combine(day, local.time()).replace(tzinfo=None), tz)
    except timefmt.TimeError as e:
        raise UserError(f"{e}.", field="date")
    if new_start == session.start:
        raise UserError(f"“{session.title}” (#{session.id}) is already on {day.isoformat()}.", field="date")
    with write_tx(db):
        moved = move_session(db, session, new_start, now)
        record_audit(db, group, actor, "session date", f"#{session.id}: {local.date().isoformat()} → "
                                                       f"{day.isoformat()}", now)
    return moved
