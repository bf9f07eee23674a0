"""note …, notes, rapporteur …: what the meeting agreed, the actions it gave, the points it noted (issue 27).

The Chair (a coordinator) or a rapporteur records notes on the agenda item in progress — the item whose floor is
open, else the item under way by the clock; everyone in the group reads them (``notes [ITEM]``). Who may record is
declared here (``role="rapporteur"``) and enforced by ``commands.dispatch`` with ``commands.rules.roles``. An action
with a date is reminded once to whoever holds it (``commands.notices``, kind ``action``).
"""
from __future__ import annotations

import re

from commands.core import Context, UserError
from commands.operations import record_audit
from commands.registry import find_subcommand, head, subcommand
from commands.reply import Code, Reply, Section, Strong, When, info, line
from commands.rules import delegations as deleg
from commands.rules.targets import current_session
from commands.text import timefmt
from commands.text.args import record_number, shown, take_word
from commands.text.people import display, resolve_person
from storage import agenda as agenda_store
from storage import floor as floor_store
from storage import notes as store
from storage import roster as roster_store
from storage.db import write_tx

KIND_LABELS = {"agreed": "Agreed", "action": "Action", "info": "Noted"}
MAX_NOTE = 2000
BY_DATE = re.compile(r"\s+by\s+(?P<when>\d{4}-\d{2}-\d{2}(?:[ T][0-9:]+\s*(?:[ap]m)?)?(?:\s+[A-Za-z_]+/[A-Za-z_/]+)?)"
                     r"\s*$", re.IGNORECASE)
DAY_ENDS = "18:00"           # an action due on a date alone is due at the end of that working day


def _text(ctx: Context, text: str, usage: str) -> str:
    text = text.strip()
    if not text:
        raise UserError(f"Write {ctx.cmd(usage)}.")
    if len(text) > MAX_NOTE:
        raise UserError(f"A note is at most {MAX_NOTE} characters ({len(text)} given): nothing was recorded.")
    return text


def item_in_progress(ctx: Context):
    """(session id, item id, number, title) of the item notes go to: the floor's, else the clock's."""
    lst = floor_store.active_list(ctx.db, ctx.group.id)
    if lst is not None:
        return lst.session_id, lst.item_id, lst.item_number, lst.item_title
    session, _ = current_session(ctx)
    if session is not None:
        items = [i for i in agenda_store.items_of_session(ctx.db, session.id) if i.kind != "break"]
        now = [i for i in items if i.start and i.end and i.start <= ctx.now < i.end]
        if now:
            return session.id, now[0].id, now[0].number, now[0].title
    raise UserError("No agenda item is in progress, so I can't tell which item the note belongs to: open the "
                    f"floor on it ({ctx.cmd('floor open ITEM')}) and record the note again. Nothing was recorded.")


def _record(ctx: Context, kind: str, text: str, **holder) -> Reply:
    session_id, item_id, number, title = item_in_progress(ctx)
    with write_tx(ctx.db):
        note = store.add(ctx.db, ctx.group.id, session_id=session_id, item_id=item_id, item_number=number,
                         item_title=title, kind=kind, text=text, by=ctx.request.user, now=ctx.now, **holder)
        record_audit(ctx.db, ctx.group, ctx.request.user, f"note {kind}", f"{note.number} on {note.item_label}: "
                     f"{text[:200]}", ctx.now)
    ctx.queued = ctx.queued or note.due_at is not None
    return Reply(text=f"Note {note.number} recorded on {note.item_label}", sections=[Section(body=[
        line("Note ", Strong(str(note.number)), " on ", Strong(note.item_label), ": ", *_note_line(ctx, note))])],
        context=[line("All notes: ", Code(ctx.cmd("notes")), " · change it: ",
                      Code(ctx.cmd(f"note edit {note.number} TEXT")))])


def _note_line(ctx: Context, note: store.Note) -> list:
    parts: list = [Strong(KIND_LABELS[note.kind] + ": ")]
    if note.kind == "action":
        holder = display(ctx, note.holder) if note.holder_kind == "person" else note.holder
        parts += [holder, " — "]
    parts.append(note.text)
    if note.due_at is not None:
        parts += [" (by ", When(note.due_at, ctx.group.timezone, "datetime"), ")"]
    return parts


# --- the head --------------------------------------------------------------------------------

@head("note", "note agreed TEXT | action DELEGATION|@USER TEXT [by DATE] | info TEXT | edit N TEXT | remove N",
      "Notes of the session on the item in progress: what was agreed, actions, points noted (Chair, rapporteurs).")
def note(ctx: Context, text: str) -> Reply:
    words = text.split()
    cmd, _ = find_subcommand(words, ctx.registry.under.get("note", {})) if words else (None, words)
    if cmd is None:
        said = f"'{shown(words[0])}' is not something note can do. " if words else ""
        raise UserError(f"{said}Write {ctx.cmd('note agreed TEXT')}, {ctx.cmd('note action DELEGATION TEXT')}, "
                        f"{ctx.cmd('note info TEXT')}, {ctx.cmd('note edit N TEXT')} or {ctx.cmd('note remove N')}.",
                        line("The notes: ", Code(ctx.cmd("notes"))))
    raise AssertionError("dispatch resolves note's subcommands")     # pragma: no cover


@subcommand("agreed", "note agreed TEXT", "Record what was agreed on the item in progress.", under="note",
            role="rapporteur")
def note_agreed(ctx: Context, text: str) -> Reply:
    return _record(ctx, "agreed", _text(ctx, text, "note agreed TEXT"))


@subcommand("info", "note info TEXT", "Record a point noted on the item in progress.", under="note",
            role="rapporteur")
def note_info(ctx: Context, text: str) -> Reply:
    return _record(ctx, "info", _text(ctx, text, "note info TEXT"))


def _holder(ctx: Context, text: str) -> tuple[str, str, str]:
    """(holder, delegation|person, the rest): a mention or person's address, else the longest run of first words
    that names a delegation the group knows, else the first word as a delegation's name."""
    word, rest = take_word(text)
    if not word:
        raise UserError(f"Write {ctx.cmd('note action DELEGATION|@USER TEXT [by DATE]')}.")
    if word.startswith("@") or word in ctx.request.mentions or ctx.front_ends.is_user_address(word):
        return resolve_person(ctx, word), "person", rest
    words = text.split()
    known = set(roster_store.keys(ctx.db, ctx.group.id)) | set(deleg._known(ctx))
    for n in range(min(5, len(words) - 1), 0, -1):
        if deleg.key_of(" ".join(words[:n])) in known:
            name = deleg.resolve_delegation(ctx, " ".join(words[:n]))
            rest = text
            for _ in range(n):
                _, rest = take_word(rest)
            return name, "delegation", rest
    return deleg.resolve_delegation(ctx, word), "delegation", rest


@subcommand("action", "note action DELEGATION|@USER TEXT [by DATE]",
            "Record an action on the item in progress, held by a delegation or a person; with a date, they are "
            "reminded the day before.", under="note", role="rapporteur")
def note_action(ctx: Context, text: str) -> Reply:
    holder, kind, rest = _holder(ctx, text)
    due = None
    m = BY_DATE.search(rest)
    if m:
        when = m.group("when").strip()
        try:
            due = timefmt.parse_user_datetime(when, ctx.group.timezone, default_time=DAY_ENDS)
        except timefmt.TimeError as e:
            raise UserError(f"{e}. Nothing was recorded.")
        if due <= ctx.now:
            raise UserError(f"{shown(when)} is in the past: an action's date is ahead. Nothing was recorded.")
        rest = rest[:m.start()]
    body = _text(ctx, rest, "note action DELEGATION|@USER TEXT [by DATE]")
    return _record(ctx, "action", body, holder=holder, holder_kind=kind, due_at=due)


def _numbered(ctx: Context, word: str | None, usage: str) -> store.Note:
    number = record_number(word) if word and word.isdigit() else None
    if not word or not word.isdigit():
        raise UserError(f"Write {ctx.cmd(usage)} with the note's number (see {ctx.cmd('notes')}).")
    found = store.by_number(ctx.db, ctx.group.id, number) if number is not None else None
    if found is None:
        raise UserError(f"There is no note {shown(word)} in {ctx.group.name} (see {ctx.cmd('notes')}). "
                        "Nothing was changed.")
    return found


@subcommand("edit", "note edit N TEXT", "Change the text of note N.", under="note", role="rapporteur")
def note_edit(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    found = _numbered(ctx, word, "note edit N TEXT")
    body = _text(ctx, rest, "note edit N TEXT")
    with write_tx(ctx.db):
        store.set_text(ctx.db, found.id, body, ctx.now)
        record_audit(ctx.db, ctx.group, ctx.request.user, "note edit", f"{found.number}: {body[:200]}", ctx.now)
    note = store.by_id(ctx.db, found.id)
    return Reply(text=f"Note {note.number} changed", sections=[Section(body=[
        line("Note ", Strong(str(note.number)), " on ", Strong(note.item_label), ": ", *_note_line(ctx, note))])])


@subcommand("remove", "note remove N", "Remove note N.", under="note", role="rapporteur")
def note_remove(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    if rest.strip():
        raise UserError(f"Write {ctx.cmd('note remove N')}.")
    found = _numbered(ctx, word, "note remove N")
    with write_tx(ctx.db):
        store.remove(ctx.db, found.id)
        record_audit(ctx.db, ctx.group, ctx.request.user, "note remove",
                     f"{found.number} ({found.kind}) on {found.item_label}: {found.text[:200]}", ctx.now)
    ctx.queued = ctx.queued or found.due_at is not None
    return info(f"Note {found.number} on {found.item_label} is removed.")


# --- under convene ---------------------------------------------------------------------------------

@subcommand("notes", "notes [ITEM]", "The notes of the session: what was agreed, actions, points noted.")
def notes_command(ctx: Context, text: str) -> Reply:
    word = text.strip()
    notes = store.of_group(ctx.db, ctx.group.id)
    if word:
        number = word.rstrip(".").lower()
        notes = [n for n in notes if (n.item_number or "").lower() == number]
        if not notes:
            return info(f"No notes on item {shown(word)}.", line("All notes: ", Code(ctx.cmd("notes"))))
    if not notes:
        return info("No notes yet.", line("The Chair or a rapporteur records them: ",
                                          Code(ctx.cmd("note agreed TEXT"))))
    sections = []
    by_item: dict[tuple, list[store.Note]] = {}
    for n in notes:
        by_item.setdefault((n.item_id, n.item_number, n.item_title), []).append(n)
    for (_, _, _), group in by_item.items():
        sections.append(Section(heading=line(Strong(group[0].item_label)),
                                body=[line(f"{n.number}. ", *_note_line(ctx, n)) for n in group]))
    return Reply(text=f"Notes — {ctx.group.name}", title=f"Notes — {ctx.group.name}", sections=sections,
                 timezone=ctx.group.timezone)


@subcommand("rapporteur add", "rapporteur add @USER",
            "Make someone a rapporteur: they record the notes of the session with the Chair.", coordinator=True)
def rapporteur_add(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    if rest.strip():
        raise UserError(f"Write {ctx.cmd('rapporteur add @USER')} (one person at a time).")
    user = resolve_person(ctx, word)
    with write_tx(ctx.db):
        added = store.add_rapporteur(ctx.db, ctx.group.id, user, ctx.request.user, ctx.now)
        if added:
            record_audit(ctx.db, ctx.group, ctx.request.user, "rapporteur add", user, ctx.now)
    who = display(ctx, user)
    if not added:
        return info(f"{who} is a rapporteur already.")
    return info(f"{who} is a rapporteur of {ctx.group.name}: they can record notes ({ctx.cmd('note agreed TEXT')}).")


@subcommand("rapporteur remove", "rapporteur remove @USER", "Stop someone being a rapporteur.", coordinator=True)
def rapporteur_remove(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    if rest.strip():
        raise UserError(f"Write {ctx.cmd('rapporteur remove @USER')} (one person at a time).")
    user = resolve_person(ctx, word)
    with write_tx(ctx.db):
        removed = store.remove_rapporteur(ctx.db, ctx.group.id, user)
        if removed:
            record_audit(ctx.db, ctx.group, ctx.request.user, "rapporteur remove", user, ctx.now)
    who = display(ctx, user)
    return info(f"{who} is no longer a rapporteur." if removed else f"{who} is not a rapporteur.")


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(note, note_agreed, note_action, note_info, note_edit, note_remove, notes_command, rapporteur_add,
                 rapporteur_remove)
