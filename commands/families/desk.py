"""The coordinators' desk: status grid, compiled exports, history, disclosure, roles."""
from __future__ import annotations

import csv
import io
import re

from commands.operations import record_audit
from commands.rules.delegations import resolve_delegation, take_confirm
from commands.text.words import count
from commands.text.args import shown
from commands.text.words import excerpt
from commands.text.args import take_word
from commands.core import Context, UserError
from commands.exports import FORMATS, export_filename, render
from commands.text.people import display, mention_name, named, resolve_person
from commands.registry import subcommand
from commands.reply import Attachment, Code, Reply, Section, Strong, Table, When, line
from commands.rules.targets import (example_ref, find_list, input_session, is_session_selector, select_session, take_target,
                                typed_ref)
from commands.exports.csv_export import csv_cell
from commands.rules import visibility
from commands.rules.lateness import late_ids
from commands.rules.submitted import due_for, inputs_for, lists_of_session, not_submitted, submitted
from commands.rules.sessions import Purpose
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import submissions as sub_store
from storage.db import write_tx

GRID_MAX_QUESTIONS = 30
STATUS_MAX_DELEGATIONS = 30     # more, and the reply summarises; the whole grid comes as a CSV file


def slug_of(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "list"


def status_csv(delegations: list[str], qs, cell, late: set[int]) -> bytes:
    """The whole grid, delegations × questions: "x", "late", "coordinators" (or both), empty for nothing."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Delegation", "Inputs", *[label for label, _ in qs]])
    for d in delegations:
        marks = []
        for _, q in qs:
            s = cell.get((d.casefold(), q.id))
            marks.append("" if s is None else " ".join(filter(None, ["late" if s.id in late else "x",
                                                                     "coordinators" if visibility.is_restricted(s)
                                                                     else ""])))
        w.writerow([csv_cell(d), sum(1 for m in marks if m), *marks])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _session_arg(ctx: Context, text: str):
    word, rest = take_word(text)
    if word and is_session_selector(word):
        return select_session(ctx, word), rest
    return input_session(ctx, Purpose.COMPILE), text


@subcommand("status", "inputs status [SESSION|LIST]",
            "Who has submitted what: delegations × questions, counts per question, who has nothing in yet.",
            coordinator=True, under="inputs",
            details="A session's status counts its questions and those of the question lists that belong to it; "
                    "a list with its own deadline has its own status (inputs status WP.15).")
def inputs_status(ctx: Context, text: str) -> Reply:
    word, _ = take_word(text)
    qlist = find_list(ctx, word) if word and not is_session_selector(word) else None
    session = None
    if qlist is not None:
        cols = [(f"{qlist.short}:{q.ref}", q) for q in agenda_store.questions_of_list(ctx.db, qlist.id)]
        heading = [line(f"Question list {qlist.short} ({qlist.symbol}): {qlist.name}")]
        due = due_for(ctx.db, qlist=qlist, group_timezone=ctx.group.timezone)
    else:
        session, _ = _session_arg(ctx, text)
        if session is None:
            raise UserError(f"{ctx.group.name} has no sessions yet.")
        cols = [(q.ref, q) for q in agenda_store.questions_of_session(ctx.db, session.id)]
        for lst in lists_of_session(ctx.db, ctx.group.id, session.id):
            cols += [(f"{lst.short}:{q.ref}", q) for q in agenda_store.questions_of_list(ctx.db, lst.id)]
        heading = [line(f"#{session.id} {session.title}")]
        due = due_for(ctx.db, session=session)
    subs = inputs_for(ctx.db, session=session, qlist=qlist)
    late = late_ids(ctx.db, subs)
    registered = group_store.delegations(ctx.db, ctx.group.id)
    by_key: dict[str, str] = {d.casefold(): d for d in registered}
    for s in subs:
        by_key.setdefault(s.delegation.casefold(), s.delegation)
    delegations = sorted(by_key.values(), key=str.casefold)
    cell: dict[tuple[str, int], object] = {(s.delegation.casefold(), s.question_id): s for s in subs}
    shown_cols = cols[:GRID_MAX_QUESTIONS]
    sections = []
    # "2.1: 1 · 2.2: 0": readable where runs of spaces collapse (HTML, Slack), not only in a terminal.
    per_q = [line(Code(label), f": {sum(1 for d in delegations if (d.casefold(), q.id) in cell)}")
             for label, q in shown_cols]
    sections.append(Section(heading=line(Strong("Inputs per question")), body=[line(*[
        p for i, ln in enumerate(per_q) for p in ((" · ",) if i else ()) + tuple(ln)])]))
    rows = []
    large = len(delegations) > STATUS_MAX_DELEGATIONS or len(cols) > GRID_MAX_QUESTIONS
    for d in delegations if len(delegations) <= STATUS_MAX_DELEGATIONS else []:
        marks = []
        for label, q in shown_cols:
            s = cell.get((d.casefold(), q.id))
            if s is None:
                continue
            marks.append(label + ("·late" if s.id in late else "") + ("·c" if visibility.is_restricted(s) else ""))
        rows.append([d, str(len(marks)), ", ".join(marks) if marks else "—"])
    if rows:
        sections.append(Section(heading=line(Strong("By delegation")),
                                table=Table(["Delegation", "Inputs", "Questions"], rows)))
    elif delegations:
        answered = [sum(1 for _, q in cols if (d.casefold(), q.id) in cell) for d in delegations]
        sections.append(Section(heading=line(Strong("By delegation")), body=[
            line(f"{count(sum(1 for n in answered if cols and n == len(cols)), 'delegation')} answered every "
                 f"question, {count(sum(1 for n in answered if 0 < n < len(cols)), 'delegation')} some, "
                 f"{count(sum(1 for n in answered if n == 0), 'delegation')} none yet."),
            line("The whole grid (every delegation × every question) is in the attached CSV file.")]))
    else:
        sections.append(Section(heading=line(Strong("By delegation")), body=[line("No delegation yet.")]))
    missing = not_submitted(registered, submitted(ctx.db, session=session, qlist=qlist))
    n_in = len(registered) - len(missing)
    sections.append(Section(heading=line(Strong(f"{n_in} of {count(len(registered), 'registered delegation')} "
                                                f"{'has' if n_in == 1 else 'have'} sent input")),
                            body=[line("Nothing yet: ", ", ".join(missing))] if missing else [line("Everyone is in.")]))
    retired = sum(1 for s in subs if s.question_retired)
    ctxl = [line("·late = after the deadline, ·c = coordinators only. Compilation: ",
                 Code(ctx.cmd("inputs export docx")))]
    if retired:
        ctxl.append(line(f"{count(retired, 'input')} on questions withdrawn from the agenda "
                         f"{'counts' if retired == 1 else 'count'} too (shown apart in the compilation)."))
    if len(cols) > GRID_MAX_QUESTIONS:
        ctxl.append(line(f"{count(len(cols) - GRID_MAX_QUESTIONS, 'more question')} "
                         f"{'is' if len(cols) - GRID_MAX_QUESTIONS == 1 else 'are'} in the attached CSV file and in "
                         "the export."))
    deadline = [line("Deadline: ", When(due.deadline, due.timezone, "datetime"))] if due else []
    sections.insert(0, Section(body=[*heading, *deadline]))
    files = []
    if large:
        stem = f"{ctx.group.slug}-session-{session.id}" if session else f"{ctx.group.slug}-{slug_of(qlist.short)}"
        files.append(Attachment(f"{stem}-status.csv", status_csv(delegations, cols, cell, late), "text/csv; charset=utf-8",
                                "Input status — " + (f"#{session.id} {session.title}" if session else qlist.short)))
    return Reply(text=f"Input status: {len(registered) - len(missing)} of {count(len(registered), 'delegation')}",
                 title=f"Input status — {ctx.group.name}", sections=sections, context=ctxl, files=files)


@subcommand("export", "inputs export [SESSION] docx|md|csv|json [full] [letter]",
            "The compilation of written inputs as a file (DOCX, Markdown, CSV), or the whole group as JSON.",
            coordinator=True, under="inputs",
            details="The compilation is the public edition, without coordinators-only inputs (what may be "
                    "forwarded to governments); add 'full' for the edition with them, marked restricted on every "
                    "page. DOCX is on A4 paper; add 'letter' for US Letter.")
def inputs_export(ctx: Context, text: str) -> Reply:
    session, rest = _session_arg(ctx, text)
    words = rest.strip().lower().split()
    paper = "a4"
    edition = None
    while words[-1:] and words[-1] in ("full", "public", "letter", "a4"):
        if words[-1] in ("letter", "a4"):
            paper = words.pop()
        else:
            edition = words.pop()
    fmt = (" ".join(words) or "docx").lstrip(".")
    if fmt not in FORMATS or fmt == "ics":
        raise UserError(f"'{shown(fmt)}' is not an export format: choose docx, md, csv or json "
                        f"(a calendar is {ctx.cmd('agenda ics')}).")
    group, now = ctx.group, ctx.now
    ext, mime = FORMATS[fmt]
    stem = f"{group.slug}-session-{session.id}" if (session and fmt != "json") else group.slug
    edition = edition or ("full" if fmt == "json" else "public")
    filename = (f"{group.slug}{'-public' if edition == 'public' else ''}.json" if fmt == "json"
                else export_filename(stem, ext, edition))
    if session is None and fmt != "json" and not agenda_store.lists_of_group(ctx.db, group.id):
        raise UserError(f"{group.name} has no sessions or question lists yet: nothing to compile.")
    sid = session.id if session else None

    def build(db):
        s = agenda_store.session_by_id(db, sid) if sid else None
        return render(db, group_store.group_by_id(db, group.id), fmt, s, now, edition=edition, paper=paper).content

    what = ("the whole group (settings, members, sessions, inputs with history"
            + (", without coordinators-only inputs)" if edition == "public" else ")")) if fmt == "json" else \
        (f"the compilation of written inputs{f' for “{session.title}”' if session else ''}, "
         + ("full edition: coordinators-only inputs included, marked restricted" if edition == "full" else
            "public edition: without coordinators-only inputs (add 'full' for them)"))
    return Reply(text=f"Preparing {filename}…", sections=[Section(body=[
        line(f"Preparing {fmt.upper()}: ", what, ". It arrives as a file, only for you.")])],
        files=[Attachment(filename, None, mime, f"{group.name} — {fmt.upper()} export"
                          + (" (full edition)" if edition == "full" and fmt != "json" else ""), build=build)])


@subcommand("history", "inputs history REF",
            "Every version of the inputs to a question: who changed what, and when.", under="inputs")
def inputs_history(ctx: Context, text: str) -> Reply:
    target, _ = take_target(ctx, text, "Say which question: inputs history REF (for example "
                                       f"{ctx.cmd('inputs history ' + example_ref(ctx))}).")
    entries = sub_store.history_of_question(ctx.db, target.question.id)
    if not ctx.is_coordinator:
        own = (ctx.delegation or "").casefold()
        entries = [(s, h) for s, h in entries if s.delegation.casefold() == own]
    tz = ctx.group.timezone
    sections = []
    for sub, versions in entries:
        rows = [[line(When(h.at, tz, "datetime")), h.action, display(ctx, h.author), f"{len(h.text):,}",
                 "" if h.action == "withdraw" else excerpt(h.text, 300)] for h in versions]
        state = "withdrawn" if sub.status == "withdrawn" else "current"
        sections.append(Section(heading=line(Strong(sub.delegation), f" ({state})"),
                                table=Table(["When", "Change", "By", "Characters", "Text"], rows)))
    if not sections:
        msg = "No inputs on this question yet." if ctx.is_coordinator else \
            "Your delegation has no inputs on this question (coordinators see everyone's history)."
        sections = [Section(body=[line(msg)])]
    wordings = [line(When(at, tz, "datetime"), f" · until then {ref}: ", excerpt(old, 200))
                for ref, old, at in agenda_store.question_revisions(ctx.db, target.question.id)]
    if wordings:
        sections.append(Section(heading=line(Strong("Earlier wordings of this question")), body=wordings))
    return Reply(text=f"History of {target.short}", title=f"History — {target.named}", sections=sections,
                 timezone=tz, context=[line("Question: ", excerpt(target.question.text, 200))])


@subcommand("question", "inputs question REF",
            "What delegations submitted on a question (coordinators also see coordinators-only inputs).",
            under="inputs")
def inputs_question(ctx: Context, text: str) -> Reply:
    target, _ = take_target(ctx, text, "Say which question: inputs question REF (for example "
                                       f"{ctx.cmd('inputs question ' + example_ref(ctx))}).")
    subs = sub_store.of_question(ctx.db, target.question.id)
    late = late_ids(ctx.db, subs)
    hidden = 0
    visible = []
    for s in sorted(subs, key=lambda s: s.delegation.casefold()):
        if not visibility.may_read(s, coordinator=ctx.is_coordinator, delegation=ctx.delegation):
            hidden += 1
            continue
        visible.append(s)
    tz = ctx.group.timezone
    sections = [Section(heading=line(Code(target.label)), body=[line(target.question.text)])]
    for s in visible:
        marks = (" · late" if s.id in late else "") + (" · coordinators only" if visibility.is_restricted(s) else "")
        sections.append(Section(heading=line(Strong(s.delegation), " — ", When(s.updated_at, tz, "datetime"), marks),
                                body=[line(excerpt(s.text, 2500))]))
    ctxl = []
    if not visible:
        ctxl.append(line("No inputs visible to you yet."))
    if hidden:
        ctxl.append(line(f"{count(hidden, 'more input')} {'is' if hidden == 1 else 'are'} for the coordinators only."))
    ctxl.append(line("Send your delegation's input: ", Code(ctx.cmd(f"submit {typed_ref(ctx, target)} TEXT"))))
    return Reply(text=f"Inputs on {target.label}: {len(visible)}", sections=sections, timezone=tz, context=ctxl)


# --- roles -------------------------------------------------------------------------

@subcommand("coordinator add", "coordinator add @USER", "Make someone a coordinator of this group.", coordinator=True)
def coordinator_add(ctx: Context, text: str) -> Reply:
    word, _ = take_word(text)
    user = resolve_person(ctx, word)
    group_store.set_coordinator(ctx.db, ctx.group.id, user, True, mention_name(ctx, user, word))
    who = named(ctx, user)
    return Reply(text=f"{who} is now a coordinator.", public=True, sections=[Section(body=[
        line(Strong(who), f" is now a coordinator of {ctx.group.name}.")])])


@subcommand("coordinator remove", "coordinator remove @USER", "Remove someone's coordinator role.",
            coordinator=True)
def coordinator_remove(ctx: Context, text: str) -> Reply:
    word, _ = take_word(text)
    user = resolve_person(ctx, word)
    m = group_store.member(ctx.db, ctx.group.id, user)
    if m is None or not m.is_coordinator:
        raise UserError(f"{named(ctx, user)} is not a coordinator of {ctx.group.name}.")
    if len(group_store.coordinators(ctx.db, ctx.group.id)) == 1:
        raise UserError("That is the group's last coordinator: add another one first "
                        f"({ctx.cmd('coordinator add @USER')}).")
    group_store.set_coordinator(ctx.db, ctx.group.id, user, False)
    who = named(ctx, user)
    return Reply(text=f"{who} is no longer a coordinator.", public=True, sections=[Section(body=[
        line(Strong(who), f" is no longer a coordinator of {ctx.group.name}.")])])


@subcommand("member", "member @USER DELEGATION [confirm]", "Assign or correct a delegate's delegation.", coordinator=True)
def member_command(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    user = resolve_person(ctx, word)
    name, confirmed = take_confirm(rest)
    delegation = resolve_delegation(ctx, name, confirmed=confirmed, command=f"member {word}")
    with write_tx(ctx.db):
        m = group_store.set_delegation(ctx.db, ctx.group.id, user, delegation, mention_name(ctx, user, word))
        record_audit(ctx.db, ctx.group, ctx.request.user, "registration", f"{user} with {m.delegation}", ctx.now)
    who = named(ctx, user)
    return Reply(text=f"{who} is registered with {m.delegation}.", sections=[Section(body=[
        line(Strong(who), " is registered with the delegation of ", Strong(m.delegation), ".")])])



def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(inputs_status, inputs_export, inputs_history, inputs_question, coordinator_add, coordinator_remove,
                 member_command)
