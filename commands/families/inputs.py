"""submit and inputs: written input from delegations, one current input per question and delegation."""
from __future__ import annotations

from commands.text.words import count
from commands.text import timefmt
from commands.text.args import shown
from commands.text.words import excerpt, excerpt_lines
from commands.text.args import take_word
from commands.contract import ActionError, QuestionRef
from commands.core import Context, UserError
from commands.registry import head, subcommand
from commands.reply import Choice, Code, Field, Form, Quote, Reply, Section, Strong, When, info, line
from commands.rules import visibility
from commands.rules.lateness import is_late, late_ids
from commands.rules.submitted import due_for
from commands.rules.targets import (
    withdrawn_label,
    Target, example_ref, input_session, is_session_selector, questions_command, session_ref, lists, list_target, resolve_ref, select_session, take_target,
    typed_ref,
)
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import roster as roster_store
from storage import submissions as sub_store

MAX_INPUT_CHARS = 20_000
MAX_NOTE_CHARS = 500
FLAG_COORDINATORS = "--coordinators"
FORM_ID = "submit_input"


def require_delegation(ctx: Context) -> str:
    group = ctx.require_group()
    if not ctx.delegation:
        waiting = roster_store.pending_of(ctx.db, group.id, ctx.request.user)
        if waiting is not None:
            who = "a coordinator or a member of that delegation" if waiting.reason == "join" else "a coordinator"
            raise UserError(f"Your request to register with {waiting.delegation} (#{waiting.id}) is waiting for "
                            f"approval: you can send input once {who} approves it. Nothing was saved: send it "
                            "again then.")
        raise UserError("Tell me your delegation first, then send your input again: "
                        f"{ctx.cmd('iam COUNTRY')} (for example {ctx.cmd('iam Chile')}).")
    return ctx.delegation


def check_text(text: str, *, so_far: int = 0, field: str | None = None, typed: str = "submit REF") -> str:
    """The input's text, or a refusal; ``typed`` is the command as the person would retype it (``submit #2 1.1``)."""
    text = (text or "").strip()
    if not text:
        if field:
            raise UserError("Write your delegation's input here: it cannot be empty.", field=field)
        raise UserError(f"Your input is empty: write the reference, then your text, for example {typed} We "
                        "support coherence between both Conventions.")
    if so_far + len(text) > MAX_INPUT_CHARS:
        total = so_far + len(text)
        raise UserError(f"That is too long: an input holds up to {MAX_INPUT_CHARS:,} characters in all, and this "
                        f"would make {total:,}. Shorten it, or send a summary and attach the full statement "
                        "to an e-mail to the coordinators. Nothing was saved.", field=field)
    return text


# --- the submit form (adapters that can show forms: Slack modals) -------------------

def question_value(target: Target) -> str:
    """The value a form, a button or a reply-prompt carries for a question (commands.contract.QuestionRef)."""
    if target.qlist is not None:
        return QuestionRef(target.question.ref, list_id=target.qlist.id).encode()
    return QuestionRef(target.question.ref, session_id=target.session.id).encode()


def target_from_value(ctx: Context, value: str, *, field: str | None = None) -> Target:
    """The question a carried value names, checked again here: it must be of this group and still exist."""
    try:
        q = QuestionRef.decode(value)
    except ActionError as e:
        raise UserError(str(e), field=field)
    try:
        if q.session_id is not None:
            return resolve_ref(ctx, q.ref, select_session(ctx, f"#{q.session_id}"))
        for lst in lists(ctx):
            if lst.id == q.list_id:
                return list_target(ctx, lst, q.ref)
    except UserError as e:
        raise UserError(e.message, *e.hints, field=field)
    raise UserError("That question list is no longer in this group: choose a question from the list.", field=field)


def question_choices(ctx: Context) -> list[Choice]:
    out = []
    session = input_session(ctx)
    if session is not None:
        for q in agenda_store.questions_of_session(ctx.db, session.id):
            out.append(Choice(f"{q.ref} — {excerpt(q.text, 200)}", QuestionRef(q.ref, session_id=session.id).encode()))
    for lst in lists(ctx):
        if lst.is_open:
            for q in agenda_store.questions_of_list(ctx.db, lst.id):
                out.append(Choice(f"{lst.short}:{q.ref} — {excerpt(q.text, 200)}",
                                  QuestionRef(q.ref, list_id=lst.id).encode()))
    return out


def submit_form(ctx: Context, preselect: Target | None = None) -> Reply:
    delegation = require_delegation(ctx)
    choices = question_choices(ctx)
    if not choices:
        raise UserError(f"{ctx.group.name} has no questions open for input yet.")
    initial_text = None
    disclosure = "group"
    if preselect is not None:
        current = sub_store.current_for(ctx.db, preselect.question.id, delegation)
        if current is not None and current.status == "current":
            initial_text, disclosure = current.text, current.disclosure
    form = Form(
        id=FORM_ID, title="Submit input", submit_label="Submit", command="submit",
        intro=f"Written input of {delegation} to {ctx.group.name}.",
        fields=[
            Field("question", "Question", "select", choices=choices,
                  initial=question_value(preselect) if preselect else None),
            Field("text", "Your delegation's input", "multiline", initial=initial_text, max_length=MAX_INPUT_CHARS,
                  hint=f"Up to {MAX_INPUT_CHARS:,} characters. A second submission replaces the first; "
                       "the history keeps every version."),
            Field("disclosure", "Who may read it", "radio", initial=disclosure,
                  choices=[Choice("The whole group", "group"), Choice("Coordinators only", "coordinators")]),
            Field("note", "Note to the coordinators (optional)", "text", optional=True, max_length=MAX_NOTE_CHARS),
        ])
    return Reply(text="Opening the submission form…", form=form)


def _parse_ref_and_text(ctx: Context, text: str) -> tuple[Target, str, bool | None]:
    """``[SESSION] REF [--coordinators] TEXT`` → (target, text, coordinators_only: True when asked, None when not
    said — an input's visibility is sticky: a re-submit without the flag keeps it). The flag may also come first
    (``submit --coordinators 3.5 TEXT``, ``submit #2 --coordinators 3.5 TEXT``)."""
    coordinators_only = None
    first, after_first = take_word(text)
    if first and is_session_selector(first):
        second, after_second = take_word(after_first)
        if (second or "").lower() == FLAG_COORDINATORS:
            coordinators_only, text = True, f"{first} {after_second}"
    elif (first or "").lower() == FLAG_COORDINATORS:
        coordinators_only, text = True, after_first
    target, rest = take_target(ctx, text, lambda: (
        f"Say which question: submit REF TEXT, for example {ctx.cmd('submit ' + example_ref(ctx))} We support …",
        line("See the refs with ", Code(ctx.cmd(questions_command(ctx))))))
    flag, after = take_word(rest)
    if (flag or "").lower() == FLAG_COORDINATORS:
        coordinators_only, rest = True, after
    return target, rest, coordinators_only


def _is_late(ctx: Context, target: Target) -> bool:
    """Whether a change now is late (commands.rules.submitted says when input is due); refused when the group does not
    accept late input (coordinators may still act), and on a closed question list."""
    if target.qlist is not None and not target.qlist.is_open and not ctx.is_coordinator:
        raise UserError(f"The question list {target.qlist.short} is closed: it takes no more input. "
                        "Please contact the coordinators. Nothing was changed.")
    due = due_for(ctx.db, session=target.session, qlist=target.qlist, group_timezone=ctx.group.timezone)
    if due is None or not is_late(ctx.now, due.deadline):
        return False
    if ctx.group.late_policy == "refuse" and not ctx.is_coordinator:
        raise UserError(f"The deadline for written input to {due.name} has passed "
                        f"({timefmt.short_datetime(due.deadline, due.timezone)} {timefmt.zone_label(due.timezone)}), "
                        "and this group does not accept late input. Please contact the coordinators. "
                        "Nothing was changed.")
    return True


def _reply_prompt(ctx: Context, target: Target) -> Reply:
    """``submit REF`` alone, where answers can come as replies: show the question and wait for the reply."""
    delegation = require_delegation(ctx)
    current = sub_store.current_for(ctx.db, target.question.id, delegation)
    body = [line(target.question.text)]
    if current is not None and current.status == "current":
        body.append(line(f"{delegation} has already sent {len(current.text):,} characters; a reply replaces them "
                         "(the history keeps the old version)."))
    return Reply(text=f"Reply to this message with {delegation}'s input on {target.label}",
                 sections=[Section(heading=line(Strong("Question "), Code(target.named)), body=body)],
                 context=[line("Reply to this message with your delegation's input: any length up to "
                               f"{MAX_INPUT_CHARS:,} characters, several paragraphs welcome.")],
                 expects=question_value(target))


def _late_notices(ctx: Context, target: Target, sub, withdrawn: bool = False) -> list:
    """Coordinators hear of every input that arrives (or is withdrawn) after the deadline, directly."""
    due = due_for(ctx.db, session=target.session, qlist=target.qlist, group_timezone=ctx.group.timezone)
    what = "Late withdrawal" if withdrawn else "Late input"
    out = []
    for m in group_store.coordinators(ctx.db, ctx.group.id):
        if m.user == ctx.request.user:
            continue
        body = [line(Strong(f"{what}: "), Strong(sub.delegation), " on ", Code(target.named),
                     f" in {ctx.group.name}, {'withdrawn' if withdrawn else 'received'} ",
                     When(ctx.now if withdrawn else sub.updated_at, ctx.group.timezone, "datetime"),
                     *((" — the deadline was ", When(due.deadline, due.timezone, "datetime")) if due else ()))]
        if not withdrawn:
            body.append(line("> ", excerpt(sub.text, 200)))
        out.append((m.user, Reply(text=f"{what}: {sub.delegation} on {target.short}", sections=[Section(body=body)])))
    return out


def _received(ctx: Context, target: Target, sub, action: str, verb: str) -> Reply:
    what = {"submit": "Received", "replace": "Received — replaces your earlier input",
            "resubmit": "Received — your withdrawn input is back, with this text",
            "edit": "Updated", "append": "Added"}[action if verb == "submit" else verb]
    body = [line(Strong(sub.delegation), " on ", Code(target.named), f" — {len(sub.text):,} characters, ",
                 When(sub.updated_at, ctx.group.timezone, "datetime"))]
    if sub.late_when_sent:
        body.append(line(Strong("Late:"), " the deadline had passed; the coordinators will see it marked late."))
    if visibility.is_restricted(sub):
        body.append(line("Visible to the coordinators only (", Code(ctx.cmd(f"inputs visibility {typed_ref(ctx, target)} group")),
                         " shares it with the group)."))
    else:
        body.append(line("Visible to the group."))
    body.append(line(Quote(excerpt_lines(sub.text, 300))))
    notices = _late_notices(ctx, target, sub) if sub.late_when_sent else []
    return Reply(notices=notices, text=f"{what}: {sub.delegation} on {target.short}", title=None,
                 recorded={"question": question_value(target), "delegation": sub.delegation, "action": verb},
                 sections=[Section(heading=line(Strong(what)), body=body),
                           Section(body=[line("Question: ", excerpt(target.question.text, 200))])],
                 context=[line("Your inputs: ", Code(ctx.cmd("inputs mine")), " · add more: ",
                               Code(ctx.cmd(f"inputs append {typed_ref(ctx, target)} TEXT")))])


@head("submit", "submit [SESSION] REF [--coordinators] TEXT",
      "Send your delegation's written input on a question (a second submit replaces the first).",
      details="REF is ITEM.N (2.6) or LIST:letter (WP.15:f). Up to 20,000 characters; add more with "
              "inputs append. --coordinators (after the ref, or first) makes it visible to the coordinators only.")
def submit(ctx: Context, text: str) -> Reply:
    opts = ctx.request.options
    note = None
    if "question" in opts and opts.get("action") in ("edit", "withdraw"):
        # The message that carried an input was edited or deleted (Matrix): the same rules as the commands.
        target = target_from_value(ctx, opts["question"])
        if opts["action"] == "withdraw":
            return _withdraw_target(ctx, target)
        return _edit_target(ctx, target, opts.get("text") or "")
    if "question" in opts:      # from the form
        target = target_from_value(ctx, opts["question"], field="question")
        body, coordinators_only = opts.get("text") or "", opts.get("disclosure") == "coordinators"
        note = " ".join((opts.get("note") or "").split()) or None
        if note and len(note) > MAX_NOTE_CHARS:
            raise UserError(f"Keep the note under {MAX_NOTE_CHARS} characters.", field="note")
        field = "text"
    elif opts.get("preselect") or (ctx.request.forms and not text.strip()):
        pre = target_from_value(ctx, opts["preselect"]) if opts.get("preselect") else None
        return submit_form(ctx, pre)
    else:
        target, body, coordinators_only = _parse_ref_and_text(ctx, text)
        field = None
        if not body.strip() and ctx.request.prompts:
            return _reply_prompt(ctx, target)
    delegation = require_delegation(ctx)
    body = check_text(body, field=field, typed=ctx.cmd(f"submit {typed_ref(ctx, target)}"))
    if target.question.retired_at is not None:
        current = sub_store.current_for(ctx.db, target.question.id, delegation)
        if current is None or current.status != "current":
            raise UserError(f"{target.label} was withdrawn from the agenda: it takes no new input. Nothing was "
                            "changed.", line("The questions now: ", Code(ctx.cmd("questions"))), field=field)
    late = _is_late(ctx, target)
    sub, action = sub_store.submit(
        ctx.db, group_id=ctx.group.id, question_id=target.question.id, delegation=delegation,
        author=ctx.request.user, text=body,
        disclosure=None if coordinators_only is None else ("coordinators" if coordinators_only else "group"),
        late=late, at=ctx.now, note=note)
    return _received(ctx, target, sub, action, "submit")


@head("inputs", "inputs mine | edit REF TEXT | append REF TEXT | withdraw REF",
      "Your delegation's written inputs, and changes to them (history is kept).", default="mine")
def inputs(ctx: Context, text: str) -> Reply:
    # Its actions are resolved, checked and run by dispatch (commands.registry.Registry.resolve): here only what
    # names none.
    words = text.split()
    actions = ", ".join(sorted(ctx.registry.input_actions))
    raise UserError(f"'{shown(words[0])}' is not something inputs can do. Choose one of: {actions}.",
                    line("Example: ", Code(ctx.cmd("inputs mine"))))


@subcommand("mine", "inputs mine", "What your delegation has submitted, with times.", under="inputs")
def inputs_mine(ctx: Context, text: str) -> Reply:
    delegation = require_delegation(ctx)
    subs = sub_store.of_delegation(ctx.db, ctx.group.id, delegation)
    tz = ctx.group.timezone
    if not subs:
        return Reply(text=f"{delegation} has not submitted anything yet.",
                     sections=[Section(body=[line(f"{delegation} has not submitted anything yet in {ctx.group.name}.")])],
                     context=[line("See the questions: ", Code(ctx.cmd(questions_command(ctx))), " · send input: ",
                                   Code(ctx.cmd(f"submit {example_ref(ctx)} TEXT")))])
    sections = []
    sessions_by_id: dict = {}
    late = late_ids(ctx.db, subs)
    for sub in subs:
        q = agenda_store.question_by_id(ctx.db, sub.question_id)
        ref = withdrawn_label(sub.ref, sub.question_retired)
        if sub.list_short:
            label = f"{sub.list_short}:{ref}"
        else:
            session = sessions_by_id.setdefault(sub.session_id, agenda_store.session_by_id(ctx.db, sub.session_id))
            label = session_ref(session, ref)
        meta = [Code(label), "  ", When(sub.updated_at, tz, "datetime")]
        if sub.updated_at != sub.created_at:
            meta += [" (first sent ", When(sub.created_at, tz, "datetime"), ")"]
        if sub.id in late:
            meta.append(" · late")
        if visibility.is_restricted(sub):
            meta.append(" · coordinators only")
        sections.append(Section(heading=line(*meta),
                                body=[line("Q: ", excerpt(q.text, 120),
                                           " (withdrawn from the agenda: reach it as " if sub.question_retired else "",
                                           Code(ref) if sub.question_retired else "",
                                           ")" if sub.question_retired else ""),
                                      line(excerpt(sub.text, 500) + f"  ({len(sub.text):,} characters)")]))
    return Reply(text=f"{delegation}: {count(len(subs), 'input')}", title=f"Inputs of {delegation} — {ctx.group.name}",
                 sections=sections, timezone=tz,
                 context=[line("Change one: ", Code(ctx.cmd("inputs edit REF TEXT")), " · ",
                               Code(ctx.cmd("inputs append REF TEXT")), " · ", Code(ctx.cmd("inputs withdraw REF")))])


def _own_input(ctx: Context, text: str, verb: str):
    delegation = require_delegation(ctx)
    target, rest = take_target(ctx, text, f"Say which question: inputs {verb} REF"
                               + (" TEXT" if verb != "withdraw" else "") + ".")
    sub = sub_store.current_for(ctx.db, target.question.id, delegation)
    return delegation, target, sub, rest


@subcommand("edit", "inputs edit REF TEXT", "Replace the text of your delegation's input.", under="inputs")
def inputs_edit(ctx: Context, text: str) -> Reply:
    delegation, target, sub, rest = _own_input(ctx, text, "edit")
    if sub is not None and sub.status == "current" and not rest.strip() and ctx.request.forms:
        return submit_form(ctx, target)
    return _edit_target(ctx, target, rest)


def _edit_target(ctx: Context, target: Target, rest: str) -> Reply:
    delegation = require_delegation(ctx)
    sub = sub_store.current_for(ctx.db, target.question.id, delegation)
    if sub is None or sub.status != "current":
        raise UserError(f"{delegation} has no input on {target.short} to edit.",
                        line("Send one with ", Code(ctx.cmd(f"submit {typed_ref(ctx, target)} TEXT"))))
    body = check_text(rest, typed=ctx.cmd(f"inputs edit {typed_ref(ctx, target)}"))
    late = _is_late(ctx, target)
    sub = sub_store.update_text(ctx.db, sub.id, author=ctx.request.user, text=body, action="edit", at=ctx.now,
                                late=late)
    return _received(ctx, target, sub, "edit", "edit")


@subcommand("append", "inputs append REF TEXT", "Add text to your delegation's input (long statements in parts).",
            under="inputs")
def inputs_append(ctx: Context, text: str) -> Reply:
    delegation, target, sub, rest = _own_input(ctx, text, "append")
    if sub is None or sub.status != "current":
        body = check_text(rest, typed=ctx.cmd(f"inputs append {typed_ref(ctx, target)}"))
        late = _is_late(ctx, target)
        sub, action = sub_store.submit(ctx.db, group_id=ctx.group.id, question_id=target.question.id,
                                       delegation=delegation, author=ctx.request.user, text=body, late=late,
                                       at=ctx.now)
        return _received(ctx, target, sub, action, "submit")
    part = check_text(rest, so_far=len(sub.text) + 2, typed=ctx.cmd(f"inputs append {typed_ref(ctx, target)}"))
    late = _is_late(ctx, target)
    sub = sub_store.update_text(ctx.db, sub.id, author=ctx.request.user, text=sub.text + "\n\n" + part,
                                action="append", at=ctx.now, late=late)
    return _received(ctx, target, sub, "append", "append")


@subcommand("visibility", "inputs visibility REF group|coordinators",
            "Who may read your delegation's input: the group, or the coordinators only.", under="inputs",
            details="An input keeps its visibility when it is re-submitted or edited; only this command (or the form's "
                    "choice) changes it. Coordinators-only inputs are left out of the public compilation.")
def inputs_visibility(ctx: Context, text: str) -> Reply:
    delegation, target, sub, rest = _own_input(ctx, text, "visibility")
    choice = rest.strip().lower()
    if choice not in ("group", "coordinators"):
        raise UserError(f"Say who may read it: {ctx.cmd(f'inputs visibility {typed_ref(ctx, target)} group')} or "
                        f"{ctx.cmd(f'inputs visibility {typed_ref(ctx, target)} coordinators')}.")
    if sub is None or sub.status != "current":
        raise UserError(f"{delegation} has no input on {target.short}.")
    if sub.disclosure == choice:
        who = "the group" if choice == "group" else "the coordinators only"
        return info(f"{delegation}'s input on {target.short} is already visible to {who}.")
    sub_store.set_disclosure(ctx.db, sub.id, choice, author=ctx.request.user, at=ctx.now)
    who = "the whole group" if choice == "group" else "the coordinators only"
    return Reply(text=f"Now visible to {who}: {delegation} on {target.short}", sections=[Section(body=[
        line(Strong(delegation), " on ", Code(target.named), f": now visible to {who}."),
        line("The public compilation includes it." if choice == "group" else
             "The public compilation leaves it out; the full edition includes it, marked restricted.")])])


@subcommand("withdraw", "inputs withdraw REF", "Withdraw your delegation's input (it stays in the history).",
            under="inputs")
def inputs_withdraw(ctx: Context, text: str) -> Reply:
    _delegation, target, _sub, _rest = _own_input(ctx, text, "withdraw")
    return _withdraw_target(ctx, target)


def _withdraw_target(ctx: Context, target: Target) -> Reply:
    delegation = require_delegation(ctx)
    sub = sub_store.current_for(ctx.db, target.question.id, delegation)
    if sub is None or sub.status != "current":
        raise UserError(f"{delegation} has no input on {target.short} to withdraw.")
    late = _is_late(ctx, target)      # after the deadline, a withdrawal follows the late policy like any change
    sub_store.withdraw(ctx.db, sub.id, author=ctx.request.user, at=ctx.now)
    return Reply(text=f"Withdrawn: {delegation}'s input on {target.short}",
                 notices=_late_notices(ctx, target, sub, withdrawn=True) if late else [],
                 recorded={"question": question_value(target), "delegation": delegation, "action": "withdraw"},
                 sections=[Section(body=[line(Strong("Withdrawn:"), f" {delegation}'s input on ", Code(target.named),
                                              ". It stays in the history; submitting again brings a new text.")])])


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(submit, inputs, inputs_mine, inputs_edit, inputs_append, inputs_visibility, inputs_withdraw)
