"""Importing from chat: a coordinator sends the document, sees what it would create or change, then presses Import
or Cancel (buttons in Slack, a reply in Matrix, a command at the console).

The front end hands the core the document's bytes (read from the platform with the bot's own token — never from
an address someone typed) as ``options["document"]`` with its ``filename``; at the console a path on the bot's
machine works too. The bytes wait in ``pending_imports`` between the preview and the decision, so what is imported
is exactly what was previewed; the plan is made again when it is applied, and if answered questions would leave the
agenda by then, that needs its own confirmation.
"""
from __future__ import annotations

import os

from commands.operations import record_audit
from commands.text import timefmt
from commands.text.args import record_number, shown, split_options, take_word
from commands.contract import EditAgenda, ImportDecision
from commands.core import Context, UserError
from commands.families.items import edit_form
from commands.importers import MAX_DOCUMENT_BYTES, MAX_OFFICE_BYTES, DocumentError, read_path
from commands.importers.apply import ImportPlan, apply_plan, plan_document, start_date
from commands.importers.sandbox import read_bytes_bounded
from commands.registry import subcommand
from commands.reply import Button, Code, Field, Form, Reply, Section, Strong, info, line
from commands.text.words import count
from storage import groups as group_store
from storage import imports as pending_store
from storage.db import write_tx

ACCEPTED = (".pdf", ".docx", ".txt", ".text", ".md", ".yaml", ".yml")
OPTIONS = {"date": True, "start": True, "venue": True, "kind": True, "symbol": True, "name": True,
           "dry-run": False, "accept-changes": False, "session": True}
PREVIEW_LINES = 60
FORM_ID = "import"


def _coordinated_group(ctx: Context, slug: str | None):
    """Outside a group's room (a direct message): the group the person coordinates (named, or the only one)."""
    groups = [g for g in group_store.groups_of_user(ctx.db, ctx.request.user)
              if (m := group_store.member(ctx.db, g.id, ctx.request.user)) and m.is_coordinator]
    if slug:
        found = [g for g in groups if g.slug == slug.lower()]
        if not found:
            raise UserError(f"You coordinate no group called {shown(slug)}"
                            + (f" (yours: {', '.join(g.slug for g in groups)})." if groups else "."))
        return found[0]
    if len(groups) == 1:
        return groups[0]
    if not groups:
        raise UserError("Only coordinators import documents, and you coordinate no group yet.")
    raise UserError("You coordinate several groups: say which, as the file's caption: import "
                    + " or import ".join(g.slug for g in groups) + ".")


def _enter_group(ctx: Context, text: str) -> str:
    """Make sure the command acts in a group the person coordinates; returns the text without a leading slug."""
    if ctx.group is None:
        word, rest = take_word(text)
        slug = word if word and not word.startswith("-") and word.lower() not in ("apply", "cancel", "decide") \
            and os.path.sep not in word and "." not in word else None
        ctx.group = _coordinated_group(ctx, slug)
        ctx.refresh_member()
        if slug:
            text = rest
    if not ctx.is_coordinator:
        raise UserError("Only coordinators import documents.")
    return text


@subcommand("import", "import [PATH] [--date D] [--start DT] [--venue V] [--dry-run] | import apply ID [confirm] "
                      "[reading N] | import cancel ID",
            "Import an agenda, programme or question list: send the document (PDF, Word, text, YAML), see what it "
            "would create or change, then Import or Cancel.", needs_group=False,
            details="Send the document to the bot as a file with the caption 'import' (where forms exist, 'import' "
                    "alone opens one; at the bot's terminal, import PATH). Only coordinators.")
def import_command(ctx: Context, text: str) -> Reply:
    text = _enter_group(ctx, text)
    word, rest = take_word(text)
    verb = (word or "").lower()
    if verb == "decide":               # a Matrix reply to a preview: "import decide ID import|cancel|confirm"
        number, answer = take_word(rest)
        said = (answer.split() or [""])[0].lower()
        verb = {"import": "apply", "yes": "apply", "apply": "apply", "ok": "apply", "confirm": "confirm",
                "cancel": "cancel", "no": "cancel"}.get(said, "")
        if not verb:
            raise UserError("Reply import (or confirm, to import although answered questions leave the agenda) or "
                            "cancel.")
        rest = number
    if verb in ("apply", "cancel", "confirm", "edit"):
        number, more = take_word(rest)
        pid = record_number(number)
        if pid is None:
            raise UserError(f"Say which preview: import {verb} ID (the number under the preview).")
        extra = more.lower().split()
        confirmed = verb == "confirm" or "confirm" in extra
        reading = 1
        if "reading" in extra:
            # "import apply ID reading 2": another reading of the document the preview offered
            at = extra.index("reading")
            reading = record_number(extra[at + 1]) if at + 1 < len(extra) else None
            if reading is None:
                raise UserError(f"Say which reading: import apply {pid} reading 2 (the preview numbers them).")
        return _decide(ctx, pid, verb if verb in ("cancel", "edit") else ("confirm" if confirmed else "apply"),
                       reading)
    words, opts = split_options(text, OPTIONS)
    data, filename = ctx.request.options.get("document"), ctx.request.options.get("filename")
    if data is None:
        if not words and ctx.front_end.forms:
            return _import_form(ctx)
        if not words or not ctx.front_end.local_files:
            raise UserError(_how_to_send(ctx))
        data, filename = _read_local(words[0]), os.path.basename(words[0])
    return _preview(ctx, data, filename or "document", opts)


def _how_to_send(ctx: Context) -> str:
    return ctx.front_end.send_document or f"Write {ctx.cmd('import PATH')} at the bot's own terminal."


def _read_local(path: str) -> bytes:
    try:
        return read_path(path)
    except DocumentError as e:
        raise UserError(f"I could not import {shown(path)}: {e}.")


def check_document(filename: str, size: int) -> None:
    """The type and size limits, said before anything is read."""
    ext = os.path.splitext(filename)[1].lower()
    if ext not in ACCEPTED:
        raise UserError(f"{shown(filename)} is not a document I read: send a PDF, a Word file (.docx), text (.txt) "
                        "or the YAML agenda format (.yaml).")
    limit = MAX_OFFICE_BYTES if ext in (".pdf", ".docx") else MAX_DOCUMENT_BYTES
    if size > limit:
        raise UserError(f"{shown(filename)} is {size / 1e6:.1f} MB; I read documents up to {limit // 1_000_000} MB.")


def _parse(ctx: Context, data: bytes, filename: str, opts: dict) -> ImportPlan:
    check_document(filename, len(data))
    try:
        day = timefmt.parse_user_date(opts["date"]) if opts.get("date") else None
        start = opts.get("start")
        fallback = start_date(start, day)
        # An untrusted document: read in a worker process within a time and memory budget (importers/sandbox.py)
        doc = read_bytes_bounded(data, os.path.splitext(filename)[1].lower(), kind=opts.get("kind"),
                                 default_date=day, symbol=opts.get("symbol"), name=opts.get("name"),
                                 fallback_date=fallback, today=timefmt.to_local(ctx.now, ctx.group.timezone).date(),
                                 reading=int(opts.get("reading") or 1))
        if doc.reading > 1 and doc.reading > 1 + len(doc.readings()):
            raise UserError(f"This document has no reading {doc.reading}: its preview offers "
                            f"{1 + len(doc.readings())}.")
        session_id = record_number(str(opts["session"])) if opts.get("session") else None
        if opts.get("session") and session_id is None:
            raise UserError(f"--session takes a session number such as 3 (see session list), not "
                            f"{shown(str(opts['session']))}.")
        return plan_document(ctx.db, ctx.group, doc, start=start, venue=opts.get("venue"), session_id=session_id)
    except DocumentError as e:
        raise UserError(f"I could not read {shown(filename)}: {e}. Nothing was changed.")
    except (timefmt.TimeError, ValueError) as e:
        raise UserError(str(e))


def _preview(ctx: Context, data: bytes, filename: str, opts: dict) -> Reply:
    plan = _parse(ctx, data, filename, opts)
    lines = plan.preview_lines()
    shown_lines = lines[:PREVIEW_LINES]
    if len(lines) > PREVIEW_LINES:
        shown_lines.append(f"… and {len(lines) - PREVIEW_LINES} more lines (the whole plan: convene import FILE "
                           "--dry-run)")
    body = [line(x) for x in shown_lines]
    if opts.get("dry-run"):
        return Reply(text=f"Preview of {filename} (nothing changed)", sections=[
            Section(heading=line(Strong("Preview (nothing changed): "), filename), body=body)])
    keep = {k: v for k, v in opts.items() if k in ("date", "start", "venue", "kind", "symbol", "name", "session")}
    with write_tx(ctx.db):
        pid = pending_store.add(ctx.db, ctx.group.id, ctx.request.user, filename, data, keep, ctx.now)
    n = len(plan.confirmations)
    verdict = "confirm" if n else "apply"
    label = f"Import ({count(n, 'answered question')} leave the agenda)" if n else "Import"
    decision = lambda v: ImportDecision(ctx.group.id, pid, v).encode()  # noqa: E731
    sections = [Section(heading=line(Strong("Preview: "), filename, f" → {ctx.group.name}"), body=body)]
    if n:
        sections.append(Section(body=[line(Strong(f"{count(n, 'change')}"), " would take answered questions off the "
                                           "agenda; their inputs stay with the withdrawn questions, shown apart in "
                                           "the compilation.")]))
    buttons = [Button(label, ImportDecision.action_id, decision(verdict))]
    if ctx.front_end.forms and plan.sessions:      # something read wrong: import it and correct it at once
        buttons.append(Button("Import and edit", ImportDecision.action_id, decision("edit")))
    buttons.append(Button("Cancel", ImportDecision.action_id, decision("cancel")))
    sections.append(Section(body=[line("Import it as previewed, or cancel? Nothing is changed until you import it.")],
                            actions=buttons))
    apply_cmd = f"import apply {pid}" + (" confirm" if n else "")
    if plan.choices:
        sections.insert(1, Section(body=[line("Another reading? ", Code(ctx.cmd(f"import apply {pid} reading 2")),
                                              " imports reading 2 instead (the readings are numbered above).")]))
    return Reply(text=f"Preview of {filename}: import or cancel", sections=sections,
                 context=[line("Import: ", Code(ctx.cmd(apply_cmd)), " · cancel: ", Code(ctx.cmd(f"import cancel {pid}")),
                               *([" (or reply " + ("confirm" if n else "import") + " or cancel to this message)"]
                                 if ctx.front_end.prompts else []))],
                 reply_command=f"import decide {pid}", reply_group=ctx.group.id)


def _decide(ctx: Context, pid: int, verdict: str, reading: int = 1) -> Reply:
    pending = pending_store.get(ctx.db, pid)
    if pending is None or pending.group_id != ctx.group.id:
        return info(f"There is no document waiting as #{pid} (it was imported or cancelled, or is older than a day).")
    if verdict == "cancel":
        with write_tx(ctx.db):
            pending_store.remove(ctx.db, pid)
        return Reply(text=f"Cancelled: {pending.filename} was not imported", sections=[Section(body=[
            line(Strong("Cancelled: "), pending.filename, " was not imported; nothing changed.")])])
    plan = _parse(ctx, pending.data, pending.filename, {**pending.options, "reading": reading})
    edit = verdict == "edit"
    if plan.confirmations and verdict != "confirm":
        return Reply(text="Not imported yet: answered questions would leave the agenda", sections=[
            Section(heading=line(Strong("Not imported yet")), body=[line(x) for x in plan.change_lines()]),
            Section(body=[line(f"{count(len(plan.confirmations), 'change')} would take answered questions off the "
                               "agenda (their inputs stay with the withdrawn question). To import anyway: ",
                               Code(ctx.cmd(f"import apply {pid} confirm")))])],
            reply_command=f"import decide {pid}", reply_group=ctx.group.id)
    with write_tx(ctx.db):
        result = apply_plan(ctx.db, ctx.group, plan)
        pending_store.remove(ctx.db, pid)
        record_audit(ctx.db, ctx.group, ctx.request.user, "import", pending.filename, ctx.now)
    sections = [Section(heading=line(Strong("Imported: "), pending.filename),
                        body=[line(x) for x in result.summary_lines(ctx.db)])]
    if ctx.front_end.forms:
        sections += [Section(body=[line("Correct ", Strong(f"#{s.id}"), " ", s.title)],
                             button=Button("Edit", EditAgenda.action_id, EditAgenda(ctx.group.id, s.id).encode()))
                     for s, _created in result.sessions]
    reply = Reply(text=f"Imported {pending.filename}", sections=sections,
                  context=[line("Correct what the reader got wrong: ", Code(ctx.cmd("item edit ITEM title TEXT")),
                                " and the other item and question commands (", Code(ctx.cmd("help item edit")), ")")])
    if edit and result.sessions and ctx.front_end.forms:
        reply.form = edit_form(ctx, result.sessions[0][0]).form
    return reply


def _import_form(ctx: Context) -> Reply:
    return Reply(text="Opening the import form…", form=Form(
        id=FORM_ID, title="Import a document", submit_label="Preview", command="import",
        intro=f"A PDF, Word (.docx), text or YAML agenda, programme or question list for {ctx.group.name}. You will "
              "see what it would create or change before anything is imported.",
        fields=[Field("document", "Document", "file", hint="PDF, .docx, .txt or .yaml; up to 20 MB"),
                Field("start", "Move it to start at (optional)", "text", optional=True,
                      hint="YYYY-MM-DD HH:MM in the group's zone, for a document without times or to move it")],
        meta={"group_id": ctx.group.id}))


def register(registry) -> None:
    registry.add(import_command)
