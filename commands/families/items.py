"""convene item … / question … / session date: correcting an agenda in chat, without re-importing it.

Typed the same everywhere (``/convene item edit 2 title …`` in Slack, ``!item edit …`` or ``item edit …`` in Matrix
and at the console, ``convene item edit SLUG …`` in the CLI). Where forms exist (Slack) ``item edit`` alone, and
the Edit button under an agenda or an import, open a form with the items and their questions; submitting it runs the
same edits (``commands.editing``). Coordinators only.
"""
from __future__ import annotations

from commands import editing
from commands.contract import ActionError, EditAgenda, EditField
from commands.core import Context, Request, UserError
from commands.registry import subcommand
from commands.reply import Choice, Code, Field, Form, Reply, Section, Strong, info, line
from commands.rules import corrections
from commands.rules.sessions import Purpose
from commands.rules.targets import SESSION_REF, is_session_selector, require_session, resolve_ref, select_session
from commands.text import timefmt
from commands.text.args import shown, take_word
from commands.text.words import count
from storage import agenda as agenda_store
from storage.db import write_tx
from storage.models import Item, Member, Session

EDIT_USAGE = ("item edit [SESSION] ITEM title TEXT | time HH:MM[-HH:MM] | presenters TEXT | break | item")
FIELDS = ("title", "time", "presenters", "break", "item")
FORM_ID = "agenda_edit"
MODAL_BLOCKS = 100          # Slack's cap on a modal's blocks; above it the form edits one item at a time
PER_ITEM = 4                # title, time, presenters, break or item


def _session(ctx: Context, text: str) -> tuple[Session, str]:
    """``[SESSION] rest`` → the session meant (named, else the one being read about) and the rest."""
    word, rest = take_word(text)
    if word and is_session_selector(word):
        return select_session(ctx, word), rest
    return require_session(ctx, None, purpose=Purpose.READ)[0], text


def _confirmed(text: str) -> tuple[str, bool]:
    words = text.split()
    if words and words[-1].lower() == "confirm":
        return " ".join(words[:-1]), True
    return text, False


def _session_question(ctx: Context, text: str, usage: str):
    """``[SESSION] REF rest`` for an agenda question (``2.1``): (session, question, rest)."""
    word, rest = take_word(text)
    session = None
    if word and is_session_selector(word):
        session = select_session(ctx, word)
        word, rest = take_word(rest)
    if not word:
        raise UserError(usage)
    if not SESSION_REF.match(word.rstrip(":,")):
        raise UserError(f"'{shown(word)}' is not an agenda question: write ITEM.N, such as 2.1 (questions of a list "
                        "are corrected by importing the list again).")
    if session is None:
        session = require_session(ctx, None, purpose=Purpose.READ)[0]
    target = resolve_ref(ctx, word, session)
    return session, target.question, rest


def _done(ctx: Context, session: Session, message: str) -> Reply:
    return info(message[:1].upper() + message[1:] + ".", line("See it: ", Code(ctx.cmd(f"agenda #{session.id}"))),
                public=False)


@subcommand("item edit", EDIT_USAGE,
            "Correct an item: its title, time, presenters, or make it a break (or a break an item).",
            coordinator=True,
            details="ITEM is the item's number, or for a break its start (11:00). Times are HH:MM in the session's "
                    "zone. Several presenters are separated by ';' ('none' for nobody). Where forms exist, "
                    "'item edit' alone opens a form with the whole agenda.")
def item_edit(ctx: Context, text: str) -> Reply:
    if any(k.startswith(("i", "q", "pick")) and _is_edit_field(k) for k in ctx.request.options):
        return _apply_form(ctx)
    session, rest = _session(ctx, text)
    word, rest = take_word(rest)
    if word is None:
        if ctx.front_end.forms:
            return edit_form(ctx, session)
        raise UserError(f"Say which item and what to correct: {ctx.cmd(EDIT_USAGE)}.")
    item = editing.find_item(ctx.db, session, word)
    what, value = take_word(rest)
    if what is None:
        if ctx.front_end.forms:
            return edit_form(ctx, session, item)
        raise UserError(f"Say what to correct: {ctx.cmd(f'item edit {word} title TEXT')}, "
                        f"{ctx.cmd(f'item edit {word} time 10:00-11:00')}, "
                        f"{ctx.cmd(f'item edit {word} presenters NAME; NAME')}, {ctx.cmd(f'item edit {word} break')}.")
    what = what.lower()
    if what not in FIELDS:
        raise UserError(f"I can correct an item's title, time or presenters, or make it a break or an item — not "
                        f"'{shown(what)}'. For example {ctx.cmd(f'item edit {word} title New title')}.")
    if what in ("break", "item") and value.strip():
        raise UserError(f"'item edit {word} {what}' takes nothing after it.")
    if what not in ("break", "item") and not value.strip():
        raise UserError(f"Say the new {what}: {ctx.cmd(f'item edit {word} {what} …')}.")
    done = editing.edit_item(ctx.db, ctx.group, session, item, what, value, ctx.request.user, ctx.now)
    return _done(ctx, session, done)


def _is_edit_field(name: str) -> bool:
    try:
        EditField.decode(name)
        return True
    except ActionError:
        return False


@subcommand("item add", "item add [SESSION] [after ITEM] [HH:MM[-HH:MM]] TITLE",
            "Add an item (after ITEM, else at the end); the items after it are renumbered.", coordinator=True)
def item_add(ctx: Context, text: str) -> Reply:
    session, rest = _session(ctx, text)
    after = None
    word, more = take_word(rest)
    if word and word.lower() == "after":
        which, rest = take_word(more)
        if not which:
            raise UserError("Say after which item: item add after ITEM TITLE.")
        after = editing.find_item(ctx.db, session, which)
    word, more = take_word(rest)
    when = None
    if word and editing.TIME.match(word):
        when, rest = word, more
    if not rest.strip():
        raise UserError(f"Say the new item's title: {ctx.cmd('item add [after ITEM] [HH:MM[-HH:MM]] TITLE')}.")
    new = editing.add_item(ctx.db, ctx.group, session, after, when, rest, ctx.request.user, ctx.now)
    where = f"item {new.number}" if new.number else "an item"
    return _done(ctx, session, f"added {where}: “{new.title}”")


@subcommand("item remove", "item remove [SESSION] ITEM [confirm]",
            "Remove an item; answered questions under it need 'confirm' and are then withdrawn with their inputs.",
            coordinator=True)
def item_remove(ctx: Context, text: str) -> Reply:
    session, rest = _session(ctx, text)
    rest, confirmed = _confirmed(rest)
    word, more = take_word(rest)
    if not word or more.strip():
        raise UserError("Say which item: item remove ITEM (its number, or for a break its start time).")
    item = editing.find_item(ctx.db, session, word)
    inputs = editing.remove_item(ctx.db, ctx.group, session, item, confirmed, ctx.request.user, ctx.now)
    kept = f"; its answered questions are withdrawn with their {count(inputs, 'input')}" if inputs else ""
    return _done(ctx, session, f"removed “{item.title}”{kept}")


@subcommand("item move", "item move [SESSION] ITEM after ITEM",
            "Move an item after another; items are renumbered and their questions' refs follow.", coordinator=True)
def item_move(ctx: Context, text: str) -> Reply:
    session, rest = _session(ctx, text)
    words = rest.split()
    if len(words) != 3 or words[1].lower() != "after":
        raise UserError("Say which item goes after which: item move ITEM after ITEM (for example item move 4 after 2).")
    item = editing.find_item(ctx.db, session, words[0])
    after = editing.find_item(ctx.db, session, words[2])
    moved = editing.move_item(ctx.db, ctx.group, session, item, after, ctx.request.user, ctx.now)
    now = f"item {moved.number}" if moved.number else "there"
    return _done(ctx, session, f"“{item.title}” now follows “{after.title}” ({now})")


@subcommand("question add", "question add [SESSION] ITEM TEXT", "Add a discussion question under an item.",
            coordinator=True)
def question_add(ctx: Context, text: str) -> Reply:
    session, rest = _session(ctx, text)
    word, question = take_word(rest)
    if not word or not question.strip():
        raise UserError("Say the item and the question: question add ITEM TEXT.")
    item = editing.find_item(ctx.db, session, word)
    q = editing.add_question(ctx.db, ctx.group, session, item, question, ctx.request.user, ctx.now)
    return _done(ctx, session, f"added question {q.ref} under item {item.number}")


@subcommand("question edit", "question edit REF TEXT",
            "Reword a question: it stays the same question (its inputs stay), the old wording is kept in its history.",
            coordinator=True)
def question_edit(ctx: Context, text: str) -> Reply:
    session, q, rest = _session_question(ctx, text, "Say which question and its new text: question edit REF TEXT.")
    if not rest.strip():
        raise UserError(f"Say the new text: question edit {q.ref} TEXT.")
    new = editing.edit_question(ctx.db, ctx.group, session, q, rest, ctx.request.user, ctx.now)
    return _done(ctx, session, f"question {new.ref} now reads “{_short(new.text)}”; its inputs stay with it")


@subcommand("question remove", "question remove REF [confirm]",
            "Remove a question; one with inputs needs 'confirm' and is then withdrawn with them (in the compilation "
            "under “Questions withdrawn”).", coordinator=True)
def question_remove(ctx: Context, text: str) -> Reply:
    rest, confirmed = _confirmed(text)
    session, q, more = _session_question(ctx, rest, "Say which question: question remove REF.")
    if more.strip():
        raise UserError(f"'question remove {q.ref}' takes only 'confirm' after it.")
    inputs = editing.remove_question(ctx.db, ctx.group, session, q, confirmed, ctx.request.user, ctx.now)
    fate = (f"withdrawn from the agenda with its {count(inputs, 'input')} (listed in the compilation under "
            "“Questions withdrawn from the agenda”)" if inputs else "removed")
    return _done(ctx, session, f"question {q.ref} is {fate}; the questions after it are renumbered")


@subcommand("session date", "session date [SESSION] YYYY-MM-DD",
            "Put a session on another day (its items keep their times); for a date the importer got wrong.",
            coordinator=True)
def session_date(ctx: Context, text: str) -> Reply:
    words = text.split()
    if len(words) == 2 and is_session_selector(words[0]):
        session, day = select_session(ctx, words[0]), words[1]
    elif len(words) == 1:
        session, day = require_session(ctx, None, purpose=Purpose.READ)[0], words[0]
    else:
        raise UserError("Say the new date: session date [SESSION] YYYY-MM-DD (for example session date #3 2026-12-01).")
    moved = editing.set_session_date(ctx.db, ctx.group, session, day, ctx.request.user, ctx.now)
    return _done(ctx, moved, f"session #{moved.id} “{moved.title}” is now on "
                             f"{timefmt.long_date(moved.start, moved.timezone)}, its items at the same times")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- the form (Slack) ---------------------------------------------------------------------------

def edit_button_value(ctx: Context, session: Session) -> str:
    return EditAgenda(ctx.group.id, session.id).encode()


def _fits(items: list[Item], questions) -> bool:
    return 1 + PER_ITEM * len(items) + len(questions) <= MODAL_BLOCKS


def edit_form(ctx: Context, session: Session, item: Item | None = None) -> Reply:
    """The whole agenda in one form when it fits Slack's 100 blocks, else a choice of the item to correct (then one
    item per form)."""
    items = agenda_store.items_of_session(ctx.db, session.id)
    questions = agenda_store.questions_of_session(ctx.db, session.id)
    if not items:
        raise UserError(f"“{session.title}” (#{session.id}) has no items to correct: add one with "
                        f"{ctx.cmd('item add TITLE')}.")
    if item is None and not _fits(items, questions):
        return Reply(text="Opening the agenda editor…", form=Form(
            id=FORM_ID, title="Correct the agenda", submit_label="Next", command="item edit",
            intro=f"“{session.title}” (#{session.id}) has {count(len(items), 'item')}: choose the one to correct.",
            fields=[Field(EditField("pick").encode(), "Item", "select", placeholder="Choose an item",
                          choices=[Choice(_item_label(it), EditField.item_value(it.id)) for it in items])]))
    shown_items = [item] if item is not None else items
    fields: list[Field] = []
    tz = session.timezone
    for it in shown_items:
        name = _item_label(it)
        fields.append(Field(EditField("i", it.id, "title").encode(), f"{name} — title", "text", initial=it.title,
                            max_length=editing.TITLE_MAX))
        fields.append(Field(EditField("i", it.id, "time").encode(), f"{name} — start–end", "text", optional=True,
                            initial=corrections.time_value(it.start, it.end, tz) or None, max_length=11,
                            hint=f"HH:MM-HH:MM, {tz}"))
        fields.append(Field(EditField("i", it.id, "presenters").encode(), f"{name} — presented by", "text",
                            optional=True, initial="; ".join(it.presenters) or None, max_length=2000,
                            hint="Several people separated by ';'"))
        fields.append(Field(EditField("i", it.id, "kind").encode(), f"{name} — break or item", "radio",
                            choices=[Choice("Agenda item", "item"), Choice("Break", "break")], initial=it.kind))
        for q in questions:
            if q.item_id == it.id:
                fields.append(Field(EditField("q", q.id, "text").encode(), f"Question {q.ref}", "multiline",
                                    optional=True, initial=q.text,
                                    hint="Inputs stay with the question. To reword it by command: "
                                         + ctx.cmd(f"question edit {q.ref} TEXT") + "; to remove it: "
                                         + ctx.cmd(f"question remove {q.ref}"),
                                    too_long="Reword it with " + ctx.cmd(f"question edit {q.ref} TEXT") + "."))
    title = "Correct an item" if item is not None else "Correct the agenda"
    return Reply(text="Opening the agenda editor…", form=Form(
        id=FORM_ID, title=title, submit_label="Save", command="item edit",
        intro=f"“{session.title}” (#{session.id}). Times in {tz}. Inputs stay with their questions; every "
              "correction is recorded, and a later import of a revised document keeps it unless the document says "
              "otherwise.", fields=fields))


def _item_label(it: Item) -> str:
    head = f"{it.number}. " if it.number else ("Break: " if it.kind == "break" else "")
    return _short(head + it.title, 60)


def _apply_form(ctx: Context) -> Reply:
    """A submitted edit form: every field compared with what is stored, the changed ones applied with the same
    edits as the typed commands, all or nothing; an error names its field."""
    values: dict[EditField, str | None] = {}
    for name, value in ctx.request.options.items():
        if name == "group_id":
            continue
        try:
            values[EditField.decode(name)] = value
        except ActionError as e:
            raise UserError(str(e))
    picked = [v for f, v in values.items() if f.kind == "pick"]
    item_ids = {f.id for f in values if f.kind == "i"}
    question_ids = {f.id for f in values if f.kind == "q"}
    stale = UserError("That form is out of date (the agenda changed since it was opened): please open it again.")
    if picked:
        try:
            item_ids = {EditField.picked(picked[0] or "")}
        except ActionError:
            raise UserError("Choose the item to correct.", field="pick")
    items: dict[int, Item] = {}
    sessions = set()
    for iid in item_ids:
        row = _item_by_id(ctx, iid)
        if row is None:
            raise stale
        items[iid] = row
        sessions.add(row.session_id)
    questions = {}
    for qid in question_ids:
        q = agenda_store.question_by_id(ctx.db, qid)
        if q is None or q.retired_at is not None or q.session_id is None:
            raise stale
        questions[qid] = q
        sessions.add(q.session_id)
    if len(sessions) != 1:
        raise stale
    session = agenda_store.session_by_id(ctx.db, sessions.pop())
    if session is None or session.group_id != ctx.group.id:
        raise stale
    if picked:
        return edit_form(ctx, session, items[next(iter(item_ids))])
    done: list[str] = []
    with write_tx(ctx.db):
        for field, value in values.items():
            if field.kind != "i" or field.name == "kind":
                continue
            it = _item_by_id(ctx, field.id)
            current = corrections.value(it, field.name, session.timezone)
            value = (value or "").strip()
            if field.name == "presenters":
                new = editing.parse_presenters(value or "none", field=field.encode())
                if new == list(it.presenters):
                    continue
                value = "; ".join(new) or "none"
            elif field.name == "time":
                if not value or value.replace("–", "-").replace(" ", "") == current:
                    continue
            elif value == current:
                continue
            done.append(_apply(ctx, session, it, field, value))
        for field, value in values.items():
            if field.kind == "i" and field.name == "kind" and value in ("item", "break"):
                it = _item_by_id(ctx, field.id)
                if value != it.kind:
                    done.append(_apply(ctx, session, it, field, value))
        for field, value in values.items():
            if field.kind == "q" and (value or "").strip() and value.strip() != questions[field.id].text:
                try:
                    q = agenda_store.question_by_id(ctx.db, field.id)
                    editing.edit_question(ctx.db, ctx.group, session, q, value, ctx.request.user, ctx.now,
                                          field=field.encode())
                except UserError as e:
                    raise UserError(e.message, field=field.encode())
                done.append(f"question {q.ref} reworded")
    if not done:
        return info("Nothing changed: the form was saved as it was.")
    return Reply(text=f"Agenda corrected: {count(len(done), 'change')}", sections=[Section(
        heading=line(Strong("Agenda corrected: "), f"#{session.id} ", session.title),
        body=[line(d[:1].upper() + d[1:]) for d in done])],
        context=[line("See it: ", Code(ctx.cmd(f"agenda #{session.id}")))])


def _apply(ctx: Context, session: Session, it: Item, field: EditField, value: str) -> str:
    what = value if field.name == "kind" else field.name
    try:
        return editing.edit_item(ctx.db, ctx.group, session, it, what, "" if field.name == "kind" else value,
                                 ctx.request.user, ctx.now)
    except UserError as e:
        raise UserError(e.message, field=field.encode())


def _item_by_id(ctx: Context, item_id: int) -> Item | None:
    return agenda_store.item_by_id(ctx.db, item_id)


def run_as_operator(db, group, name: str, text: str, now, front_ends) -> Reply:
    """The CLI (``convene item edit SLUG …``): the subcommand ``name`` on ``text``, run for ``group`` by its operator
    (as a coordinator, audited as "cli"), through the same handler as in chat."""
    request = Request(platform="cli", room="cli:", user="cli", command="convene", text=text,
                      front_end=front_ends.of("cli"))
    operator = Member(id=0, group_id=group.id, user="cli", display_name="cli", delegation=None, is_coordinator=True,
                      created_at=now, updated_at=now)
    ctx = Context(db=db, request=request, now=now, group=group, member=operator, front_ends=front_ends)
    handler = {h.command.name: h for h in COMMANDS}[name]
    return handler(ctx, text)


COMMANDS = (item_edit, item_add, item_remove, item_move, question_add, question_edit, question_remove, session_date)


def register(registry) -> None:
    registry.add(*COMMANDS)
