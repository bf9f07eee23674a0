"""reminders, deadline, reschedule, upcoming, late: the commands that steer what the bot posts and when
(the plan and the posts themselves are commands.notices)."""
from __future__ import annotations


from commands import notices
from commands.text.words import count
from commands.text import timefmt
from commands.text.words import excerpt
from commands.text.people import display
from commands.text.args import take_word
from commands import operations as ops
from commands.core import Context, UserError
from commands.registry import subcommand
from commands.reply import Code, Reply, Section, Strong, When, line
from commands.rules.submitted import due_for
from commands.rules.targets import find_list, input_session, is_session_selector, select_session
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import notes as notes_store
from storage import reminders as reminder_store

@subcommand("reminders", "reminders [session|deadline OFFSETS | status coordinators|room|off]",
            "Show or set when reminders go out: before sessions (default 1d,1h) and before deadlines (default 3d,1d,2h).",
            coordinator=True,
            details="OFFSETS are comma-separated durations in d, h, m, s (2d,1h,15m); 'off' disables. d counts "
                    "calendar days in the session's time zone. 'status' says where the status before a deadline "
                    "(which delegations have sent input) goes: the coordinators (default), the room, or nowhere.")
def reminders_command(ctx: Context, text: str) -> Reply:
    which, rest = take_word(text)
    g = ctx.group
    if which is None:
        return Reply(text="Reminder settings", sections=[Section(heading=line(Strong(f"Reminders in {g.name}")), body=[
            line("Before sessions: ", Code(g.session_offsets or "off")),
            line("Before input deadlines: ", Code(g.deadline_offsets or "off")),
            line("Status before a deadline (who has sent input) goes to: ", Code(g.status_posts)),
        ])], context=[line("Change: ", Code(ctx.cmd("reminders session 2d,1h,15m")), " · what is planned: ",
                           Code(ctx.cmd("upcoming")))])
    which = which.lower()
    value = ops.set_reminders(ctx.db, g, which, rest)
    if which == "status":
        msg = {"coordinators": "Before a deadline, the status (who has sent input) goes to the coordinators only.",
               "room": "Before a deadline, the status (who has sent input, who has not) is posted in this group's "
                       "rooms, for everyone in them.",
               "off": "No status is sent before deadlines (delegations without input still get their reminder)."}
        return Reply(text=msg[value], sections=[Section(body=[line(msg[value])])],
                     context=[line("See what is planned: ", Code(ctx.cmd("upcoming")))])
    what = "sessions" if which == "session" else "input deadlines"
    return Reply(text=f"Reminders before {what}: {value}", sections=[Section(body=[
        line(f"Reminders before {what} in {g.name}: ", Code(value), ".")])],
        context=[line("See what is planned: ", Code(ctx.cmd("upcoming")))])


@subcommand("deadline", "deadline [SESSION|LIST] DATETIME [ZONE] [confirm] | deadline LIST #ID | deadline [SESSION|LIST] off",
            "Set the input deadline of the next session, or of a question list (alone: show the deadlines).",
            coordinator=True,
            details="For example: deadline 2026-12-01 17:00, deadline #3 2026-12-01 17:00 America/New_York, "
                    "deadline WP.15 2026-12-10 17:00 (the list's own deadline), deadline WP.15 #3 (the list "
                    "belongs to session #3 and shares its deadline).")
def deadline_command(ctx: Context, text: str) -> Reply:
    if not text.strip():
        return _deadlines(ctx)
    word, rest = take_word(text)
    lst = None if is_session_selector(word) or word[:1].isdigit() else find_list(ctx, word)
    if lst is not None:
        changed = ops.change_list_deadline(ctx.db, ctx.group, word, rest, ctx.request.user, ctx.now)
        lst = changed.qlist
        return Reply(text=f"Deadline of {lst.short} set", sections=[Section(body=[
            _list_due_line(ctx, lst), *_marks_line(changed)])], timezone=ctx.group.timezone)
    # A date followed by a time of day (2026-12-10 17:00, 2026-12-10 5pm) is the deadline, not a session selector.
    dated = word and not word.startswith("#") and rest and timefmt.looks_like_time(rest.split()[0])
    if word and is_session_selector(word) and not dated:
        session = select_session(ctx, word)
    else:
        session, rest = input_session(ctx), text
        if session is None:
            raise UserError(f"{ctx.group.name} has no sessions yet.")
    changed = ops.change_deadline(ctx.db, session, rest, ctx.now)
    session = changed.session
    if session.deadline is None:
        return Reply(text="Deadline removed", sections=[Section(body=[
            line(f"“{session.title}” has no input deadline now."), *_marks_line(changed)])])
    when = session.deadline
    g = ctx.group
    return Reply(text=f"Deadline set: {timefmt.short_datetime(when, session.timezone)}", sections=[Section(body=[
        line("Written input for ", Strong(session.title), f" (#{session.id}) is due ",
             When(when, session.timezone, "datetime"), f" {timefmt.zone_label(session.timezone)}."),
        line("Delegations that have sent nothing get a reminder ", Code(g.deadline_offsets or "never"), " before it."),
        *_marks_line(changed),
    ])], timezone=session.timezone, context=[line("Planned posts: ", Code(ctx.cmd("upcoming")))])


def _marks_line(changed: ops.DeadlineSet) -> list:
    """What the new deadline did to the late marks (they are derived from the deadline in force)."""
    sentence = changed.marks.sentence()
    return [line(Strong("Late marks: "), sentence)] if sentence else []


def _list_due_line(ctx: Context, lst):
    due = due_for(ctx.db, qlist=lst, group_timezone=ctx.group.timezone)
    where = (f" — it belongs to #{lst.session_id}" if lst.session_id else "")
    if due is None:
        return line("The question list ", Strong(lst.short), f" has no deadline{where}.")
    return line("Written input on the question list ", Strong(lst.short), " is due ",
                When(due.deadline, due.timezone, "datetime"), f" {timefmt.zone_label(due.timezone)}{where}.")


def _deadlines(ctx: Context) -> Reply:
    """Bare ``deadline``: the deadlines now in force (the session open for input, and the lists)."""
    body = []
    session = input_session(ctx)
    if session is None:
        body.append(line(f"{ctx.group.name} has no session open for input."))
    elif session.deadline is None:
        body.append(line(Strong(session.title), f" (#{session.id}) has no input deadline."))
    else:
        body.append(line("Written input for ", Strong(session.title), f" (#{session.id}) is due ",
                         When(session.deadline, session.timezone, "datetime"),
                         f" {timefmt.zone_label(session.timezone)}."))
    body += [_list_due_line(ctx, lst) for lst in agenda_store.lists_of_group(ctx.db, ctx.group.id)]
    body.append(line("Late input is ", Strong("accepted" if ctx.group.late_policy == "accept" else "refused"),
                     " (", Code(ctx.cmd("late accept|refuse")), ")."))
    return Reply(text="Deadlines", sections=[Section(heading=line(Strong(f"Deadlines — {ctx.group.name}")),
                                                   body=body)], timezone=ctx.group.timezone,
                 context=[line("Change one: ", Code(ctx.cmd("deadline [SESSION|LIST] DATETIME")))])


@subcommand("reschedule", "reschedule SESSION DATETIME [ZONE] [confirm]",
            "Move a session (and every item with it) to a new start; reminders follow.", coordinator=True,
            details="SESSION is #ID or its date. For example: reschedule #1 2026-12-02 15:00.")
def reschedule_command(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    if not word or not is_session_selector(word):
        raise UserError("Say which session and when: reschedule #ID YYYY-MM-DD HH:MM.")
    moved = ops.reschedule(ctx.db, select_session(ctx, word), rest, ctx.now)
    return Reply(text=f"Moved: {moved.title}", public=True, sections=[Section(body=[
        line(Strong(moved.title), f" (#{moved.id}) now takes place ", When(moved.start, moved.timezone, "date"), ", ",
             When(moved.start, moved.timezone), "–", When(moved.end, moved.timezone),
             f" {timefmt.zone_label(moved.timezone)}."),
        line("Every item moved with it; reminders follow the new time."),
    ])], timezone=moved.timezone)


@subcommand("upcoming", "upcoming", "What the bot will post in this group, and when.")
def upcoming_command(ctx: Context, text: str) -> Reply:
    g = ctx.group
    handled = reminder_store.handled_reminders(ctx.db)
    problems: list[notices.Unplannable] = []
    planned = notices.plan(ctx.db, ctx.now, group_id=g.id, problems=problems)
    if problems:
        raise UserError(f"Reminders for {g.name} are paused: {problems[0].reason}. Correct that session and they "
                        "resume by themselves.")
    todo = [p for p in planned if p.due > ctx.now
            and handled.get((p.kind, p.session_id, p.offset)) != p.due]
    if not todo:
        return Reply(text="Nothing planned", sections=[Section(body=[line(
            "No reminders are planned: no session or deadline ahead, or reminders are off.")])],
            context=[line("Settings: ", Code(ctx.cmd("reminders")))])
    rooms = len(group_store.rooms_of_group(ctx.db, g.id))
    body = []
    status_to = {"room": "a status to the room(s)", "coordinators": "a status to the coordinators",
                 "off": "no status"}[g.status_posts]
    for p in todo[:40]:
        if p.kind == reminder_store.ACTION_KIND:
            note = notes_store.by_id(ctx.db, p.session_id)
            who = note.holder if note.holder_kind == "delegation" else display(ctx, note.holder)
            what = f"action {note.number} ({p.offset} before its date) → {who}: {excerpt(note.text, 60)}"
            body.append(line(When(p.due, p.tz, "datetime"), "  ", what))
            continue
        if p.kind == reminder_store.LIST_KIND:
            lst = agenda_store.list_by_id(ctx.db, p.session_id)
            what = f"input deadline {p.offset} before, list {lst.short} → delegations not yet in, and {status_to}"
            body.append(line(When(p.due, p.tz, "datetime"), "  ", what))
            continue
        s = agenda_store.session_by_id(ctx.db, p.session_id)
        if p.kind == "session":
            what = f"reminder {p.offset} before #{s.id} {excerpt(s.title, 60)} → {count(rooms, 'room')}"
        else:
            what = f"input deadline {p.offset} before, #{s.id} → delegations not yet in, and {status_to}"
        body.append(line(When(p.due, p.tz, "datetime"), "  ", what))
    if len(todo) > 40:
        body.append(line(f"… and {len(todo) - 40} more"))
    return Reply(text=f"{count(len(todo), 'post')} planned", title=f"Planned posts — {g.name}",
                 sections=[Section(body=body)], timezone=g.timezone,
                 context=[line("Settings: ", Code(ctx.cmd("reminders")))])


@subcommand("late", "late [accept|refuse]", "After an input deadline: accept inputs marked late, or refuse them "
            "(alone: show the current policy).", coordinator=True)
def late_command(ctx: Context, text: str) -> Reply:
    choice = text.strip().lower()
    if not choice:
        now = ("accepted and marked late" if ctx.group.late_policy == "accept"
               else "refused (coordinators can still submit)")
        return Reply(text=f"Late input is {ctx.group.late_policy}ed", sections=[Section(body=[
            line(f"After a deadline, inputs (new ones, edits and withdrawals) are {now}."),
            line("Change it: ", Code(ctx.cmd("late accept")), " or ", Code(ctx.cmd("late refuse")), ".")])])
    if choice not in ops.LATE_POLICIES:
        raise UserError("Write late accept (inputs after the deadline are kept, marked late) or late refuse.")
    group_store.update_group(ctx.db, ctx.group.id, late_policy=choice)
    msg = ("Inputs after a deadline are accepted and marked late." if choice == "accept"
           else "Inputs after a deadline are refused (coordinators can still submit).")
    return Reply(text=msg, sections=[Section(body=[line(msg)])])


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(reminders_command, deadline_command, reschedule_command, upcoming_command, late_command)
