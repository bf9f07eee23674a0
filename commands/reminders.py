"""Reminders and deadlines: what the bot will post, to whom, and the commands that steer it.

Platform-neutral: this module computes due times from storage and builds the Replies; the
scheduler (bot/scheduler.py) decides when to call it and the adapters deliver the result.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from commands.words import count
from commands import timefmt
from commands.agenda import excerpt
from commands.args import take_word
from commands.contract import FrontEnds
from commands import operations as ops
from commands.core import Context, UserError
from commands.durations import DurationError, parse_offsets
from commands.registry import subcommand
from commands.reply import Code, Reply, Section, Strong, When, line
from commands.submitted import due_for, submitted
from commands.selectors import find_list, input_session, is_session_selector, require_session, select_session
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import reminders as reminder_store

LOOKBACK = timedelta(days=7)      # how far back missed reminders are still recorded (as skipped)
AGENDA_IN_BRIEF = 10
OPEN_QUESTIONS_IN_NUDGE = 12


@dataclass(frozen=True)
class Planned:
    kind: str            # session | deadline
    session_id: int
    group_id: int
    offset: str          # canonical text, e.g. "1d"
    due: datetime        # UTC
    event: datetime      # the session start or the deadline (UTC)
    tz: str
    changed_at: datetime | None = None   # when the session (its time or deadline) last changed

    @property
    def job_id(self) -> str:
        return f"reminder:{self.kind}:{self.session_id}:{self.offset}"

    def key(self, target: str) -> str:
        return f"{self.kind}:{self.session_id}:{self.offset}@{self.due.isoformat()}#{target}"


@lru_cache(maxsize=1024)
def _offsets(text: str) -> tuple:
    try:
        return tuple(parse_offsets(text))
    except DurationError:
        return ()


DST_SLACK = timedelta(hours=3)   # calendar days may be an hour longer or shorter than 24 h


class Unplannable(Exception):
    """A group's data cannot be planned (a session in an unknown zone, a broken time): that group is skipped."""

    def __init__(self, group_id: int, session_id: int, reason: str):
        super().__init__(reason)
        self.group_id, self.session_id, self.reason = group_id, session_id, reason


def plan(db, now: datetime, *, lookback: timedelta = LOOKBACK, until: datetime | None = None,
         group_id: int | None = None, problems: list | None = None) -> list[Planned]:
    """Every reminder of every session whose start or deadline is after ``now - lookback``;
    with ``until``, only those due by then (cheaply skipping events far ahead).

    Each group is planned on its own: a session that cannot be planned (unknown zone, unreadable time)
    leaves its whole group out, recorded in ``problems`` (an ``Unplannable`` each), and every other
    group's reminders are planned as usual. Without ``problems`` the first one is raised."""
    out: list[Planned] = []
    bad: set[int] = set()
    rows = [(row, False) for row in reminder_store.reminder_candidates(db, now - lookback, group_id=group_id)]
    rows += [(row, True) for row in reminder_store.list_deadline_candidates(db, now - lookback, group_id=group_id)]
    for row, is_list in rows:
        if row["group_id"] in bad:
            continue
        try:
            out += _plan_row(row, now, lookback, until, is_list=is_list)
        except Exception as e:
            problem = Unplannable(row["group_id"], row["session_id"], f"session #{row['session_id']}: {e}")
            if problems is None:
                raise problem
            problems.append(problem)
            bad.add(row["group_id"])
    out = [p for p in out if p.group_id not in bad]
    out.sort(key=lambda p: (p.due, p.job_id))
    return out


def _plan_row(row, now: datetime, lookback: timedelta, until: datetime | None, *, is_list: bool = False
              ) -> list[Planned]:
    """A session's reminders (before it starts, before its deadline), or those before a question list's own deadline
    (``is_list``: the row's ``session_id`` is the list's id, its kind ``listdeadline``)."""
    from storage.db import from_iso
    out: list[Planned] = []
    tz = timefmt.check_zone(row["timezone"])
    start, deadline = from_iso(row["start"]), from_iso(row["deadline"])
    kinds = ((reminder_store.LIST_KIND, deadline, row["deadline_offsets"]),) if is_list else (
        ("session", start, row["session_offsets"]), ("deadline", deadline, row["deadline_offsets"]))
    for kind, event, offsets in kinds:
        if event is None or event <= now - lookback:
            continue
        offs = _offsets(offsets)
        if not offs or (until is not None and event - offs[0].approx - DST_SLACK > until):
            continue
        for off in offs:
            due = off.before(event, tz)
            if until is not None and due > until:
                continue
            out.append(Planned(kind, row["session_id"], row["group_id"], off.text, due, event, tz,
                               from_iso(row["updated_at"])))
    return out


def coordinators_of(db, group_id: int) -> list[str]:
    return [m.user for m in group_store.coordinators(db, group_id)]


def problem_report(db, problem: Unplannable) -> Reply:
    """What the coordinators of a group the scheduler had to skip are told (once)."""
    group = group_store.group_by_id(db, problem.group_id)
    name = group.name if group else f"group {problem.group_id}"
    return Reply(text=f"Reminders for {name} are paused: its data cannot be planned", status="error", sections=[
        Section(body=[line(Strong(f"Reminders for {name} are paused."), " Convene could not plan them: ",
                           problem.reason, "."),
                      line("Other groups are not affected. Correct the session (for example ",
                           Code(f"reschedule #{problem.session_id} YYYY-MM-DD HH:MM"),
                           ", or remove and re-import it); reminders resume by themselves.")])])


def planned_one(db, now: datetime, kind: str, session_id: int, offset: str) -> Planned | None:
    for p in plan(db, now):
        if (p.kind, p.session_id, p.offset) == (kind, session_id, offset):
            return p
    return None


NOWHERE = FrontEnds()      # no front end known: commands as typed, without a prefix


# --- what gets posted ------------------------------------------------------------------

def _cmd(target: str, text: str, front_ends: FrontEnds) -> str:
    """How the addressee types ``text``: as the front end that owns their address says."""
    from commands.families import default_registry
    return front_ends.of(target).typed(text, default_registry().head_names())


def _moved(p: Planned) -> bool:
    """The reminder is late because its session or deadline was set or changed after it would have gone out (not
    because the bot was down)."""
    return p.changed_at is not None and p.changed_at > p.due


def _late_note(p: Planned):
    if _moved(p):
        what = "session was scheduled or moved" if p.kind == "session" else "deadline was set or changed"
        return line(f"(Sent now: the {what} after this reminder would have gone out.)")
    return line("(Sent late: Convene was not running when this reminder was due.)")


def session_reminder(db, p: Planned, now: datetime, late: bool, target: str,
                     front_ends: FrontEnds = NOWHERE) -> Reply:
    s = agenda_store.session_by_id(db, p.session_id)
    rel = timefmt.relative(now, s.start, s.timezone)
    body = [line("Starts ", rel, ": ", When(s.start, s.timezone, "datetime"), "–", When(s.end, s.timezone),
                 f" {timefmt.zone_label(s.timezone)}")]
    if s.venue:
        body.append(line("Venue: ", s.venue))
    if s.deadline and s.deadline > now:
        body.append(line("Written input due ", When(s.deadline, s.timezone, "datetime")))
    if late:
        body.append(_late_note(p))
    sections = [Section(body=body)]
    items = [it for it in agenda_store.items_of_session(db, s.id) if it.kind == "item"]
    if items:
        brief = [line(f"{it.number}. " if it.number else "", excerpt(it.title, 120)) for it in items[:AGENDA_IN_BRIEF]]
        if len(items) > AGENDA_IN_BRIEF:
            brief.append(line(f"… and {len(items) - AGENDA_IN_BRIEF} more"))
        sections.append(Section(heading=line(Strong("Agenda in brief")), body=brief))
    suffix = ("" if _moved(p) else " (late reminder)") if late else ""
    return Reply(text=f"Reminder: {s.title} starts {rel}" + suffix,
                 title=f"Reminder: {s.title}", sections=sections, public=True,
                 context=[line("Full agenda: ", Code(_cmd(target, "agenda", front_ends)), " · an item: ",
                               Code(_cmd(target, "agenda 2", front_ends)), " · questions: ",
                               Code(_cmd(target, "questions", front_ends)))])


def _session_questions(db, session_id: int):
    return agenda_store.questions_of_session(db, session_id)


def delegations_in(db, group_id: int, session_id: int) -> set[str]:
    """Delegations (casefolded) that have submitted for the session (commands.submitted: the one definition)."""
    return submitted(db, session=agenda_store.session_by_id(db, session_id))


def deadline_nudge(db, p: Planned, now: datetime, late: bool, member, target: str,
                   front_ends: FrontEnds = NOWHERE) -> Reply:
    s = agenda_store.session_by_id(db, p.session_id)
    rel = timefmt.relative(now, s.deadline, s.timezone)
    qs = _session_questions(db, s.id)
    body = [line(Strong(member.delegation), f" has not sent written input for #{s.id} “{s.title}” yet. It is due {rel}: ",
                 When(s.deadline, s.timezone, "datetime"), f" {timefmt.zone_label(s.timezone)}.")]
    if late:
        body.append(_late_note(p))
    sections = [Section(body=body)]
    if qs:
        shown = [line(Code(q.ref), " ", excerpt(q.text, 140)) for q in qs[:OPEN_QUESTIONS_IN_NUDGE]]
        if len(qs) > OPEN_QUESTIONS_IN_NUDGE:
            shown.append(line(f"… and {len(qs) - OPEN_QUESTIONS_IN_NUDGE} more: ",
                              Code(_cmd(target, "questions", front_ends))))
        sections.append(Section(heading=line(Strong("Open questions")), body=shown))
    group = group_store.group_by_id(db, p.group_id)
    return Reply(text=f"Written input for {s.title} is due {rel}", title=f"Written input due {rel}",
                 sections=sections,
                 context=[line(f"In {group.name}. Send it with ", Code(_cmd(target, "submit REF TEXT", front_ends)),
                               " (for example ", Code(_cmd(target, "submit 2.6 Our position is …", front_ends)), ").")])


def deadline_summary(db, p: Planned, now: datetime, late: bool, target: str,
                     front_ends: FrontEnds = NOWHERE) -> Reply | None:
    s = agenda_store.session_by_id(db, p.session_id)
    registered = group_store.delegations(db, p.group_id)
    if not registered:
        return None
    done = delegations_in(db, p.group_id, s.id)
    missing = [d for d in registered if d.casefold() not in done]
    n_in = len(registered) - len(missing)
    rel = timefmt.relative(now, s.deadline, s.timezone)
    body = [line(f"Written input for #{s.id} “{s.title}” is due {rel} (", When(s.deadline, s.timezone, "datetime"), ")."),
            line(Strong(f"{n_in} of {len(registered)}"),
                 f" registered delegation{'s' if len(registered) != 1 else ''} {'has' if n_in == 1 else 'have'} "
                 "sent input.")]
    if missing:
        body.append(line("Not yet: ", ", ".join(missing)))
    if late:
        body.append(_late_note(p))
    return Reply(text=f"Written input: {n_in} of {len(registered)} delegation{'s' if len(registered) != 1 else ''} in",
                 title="Written input — status", sections=[Section(body=body)], public=True,
                 context=[line("For coordinators. Delegations that have not sent input get a direct reminder.")])


def deliveries(db, p: Planned, now: datetime, late: bool, front_ends: FrontEnds = NOWHERE
               ) -> list[tuple[str, Reply]]:
    """(target, reply) pairs for one reminder: rooms for session reminders; for deadlines a direct
    message to each registered delegate whose delegation has sent nothing, and the status to the coordinators (or
    the rooms, or nobody: the group's ``status_posts``).
    ``front_ends`` say how each addressee types commands."""
    rooms = group_store.rooms_of_group(db, p.group_id)
    out: list[tuple[str, Reply]] = []
    if p.kind == reminder_store.LIST_KIND:
        return _list_deliveries(db, p, now, late, rooms, front_ends)
    if p.kind == "session":
        for room in rooms:
            out.append((room, session_reminder(db, p, now, late, room, front_ends)))
        return out
    done = delegations_in(db, p.group_id, p.session_id)
    for m in group_store.members_of_group(db, p.group_id):
        if m.delegation and m.delegation.casefold() not in done:
            out.append((m.user, deadline_nudge(db, p, now, late, m, m.user, front_ends)))
    # The status names the delegations that have not sent input: by default only the coordinators see it.
    group = group_store.group_by_id(db, p.group_id)
    where = {"room": rooms, "coordinators": coordinators_of(db, p.group_id), "off": []}[group.status_posts]
    for target in where:
        summary = deadline_summary(db, p, now, late, target, front_ends)
        if summary is not None:
            out.append((target, summary))
    return out


def _list_deliveries(db, p: Planned, now: datetime, late: bool, rooms: list[str], front_ends: FrontEnds
                     ) -> list[tuple[str, Reply]]:
    """Before a question list's own deadline: each registered delegate whose delegation has not answered the list
    (commands.submitted) is nudged; the status goes where the group's status posts go."""
    lst = agenda_store.list_by_id(db, p.session_id)
    if lst is None:
        return []
    group = group_store.group_by_id(db, p.group_id)
    done = submitted(db, qlist=lst)
    rel = timefmt.relative(now, lst.deadline, p.tz)
    out: list[tuple[str, Reply]] = []
    qs = agenda_store.questions_of_list(db, lst.id)
    for m in group_store.members_of_group(db, p.group_id):
        if not m.delegation or m.delegation.casefold() in done:
            continue
        body = [line(Strong(m.delegation), f" has not answered the question list {lst.short} ({lst.name}) yet. It is "
                     f"due {rel}: ", When(lst.deadline, p.tz, "datetime"), f" {timefmt.zone_label(p.tz)}.")]
        if late:
            body.append(_late_note(p))
        shown = [line(Code(f"{lst.short}:{q.ref}"), " ", excerpt(q.text, 140)) for q in qs[:OPEN_QUESTIONS_IN_NUDGE]]
        out.append((m.user, Reply(
            text=f"Written input on {lst.short} is due {rel}", title=f"Written input due {rel}",
            sections=[Section(body=body), Section(heading=line(Strong("Questions")), body=shown)],
            context=[line(f"In {group.name}. Send it with ",
                          Code(_cmd(m.user, f"submit {lst.short}:{qs[0].ref if qs else 'a'} TEXT", front_ends)),
                          ".")])))
    registered = group_store.delegations(db, p.group_id)
    if registered:
        missing = [d for d in registered if d.casefold() not in done]
        n_in = len(registered) - len(missing)
        body = [line(f"Written input on the question list {lst.short} is due {rel} (",
                     When(lst.deadline, p.tz, "datetime"), ")."),
                line(Strong(f"{n_in} of {len(registered)}"), f" registered delegation{'s' if len(registered) != 1 else ''}"
                     f" {'has' if n_in == 1 else 'have'} sent input.")]
        if missing:
            body.append(line("Not yet: ", ", ".join(missing)))
        summary = Reply(text=f"Written input on {lst.short}: {n_in} of {len(registered)} in",
                        title="Written input — status", sections=[Section(body=body)], public=True)
        where = {"room": rooms, "coordinators": coordinators_of(db, p.group_id), "off": []}[group.status_posts]
        out += [(t, summary) for t in where]
    return out


# --- commands ------------------------------------------------------------------------

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
        lst = ops.change_list_deadline(ctx.db, ctx.group, word, rest, ctx.request.user, ctx.now)
        return Reply(text=f"Deadline of {lst.short} set", sections=[Section(body=[_list_due_line(ctx, lst)])],
                     timezone=ctx.group.timezone)
    if word and is_session_selector(word) and not (rest and rest[:1].isdigit() and ":" in rest.split()[0]):
        session = select_session(ctx, word)
    else:
        session, rest = input_session(ctx), text
        if session is None:
            raise UserError(f"{ctx.group.name} has no sessions yet.")
    session = ops.change_deadline(ctx.db, session, rest, ctx.now)
    if session.deadline is None:
        return Reply(text="Deadline removed", sections=[Section(body=[line(f"“{session.title}” has no input deadline now.")])])
    when = session.deadline
    g = ctx.group
    return Reply(text=f"Deadline set: {timefmt.short_datetime(when, session.timezone)}", sections=[Section(body=[
        line("Written input for ", Strong(session.title), f" (#{session.id}) is due ",
             When(when, session.timezone, "datetime"), f" {timefmt.zone_label(session.timezone)}."),
        line("Delegations that have sent nothing get a reminder ", Code(g.deadline_offsets or "never"), " before it."),
    ])], timezone=session.timezone, context=[line("Planned posts: ", Code(ctx.cmd("upcoming")))])


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
    problems: list[Unplannable] = []
    planned = plan(ctx.db, ctx.now, group_id=g.id, problems=problems)
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
    from commands.operations import LATE_POLICIES
    if choice not in LATE_POLICIES:
        raise UserError("Write late accept (inputs after the deadline are kept, marked late) or late refuse.")
    group_store.update_group(ctx.db, ctx.group.id, late_policy=choice)
    msg = ("Inputs after a deadline are accepted and marked late." if choice == "accept"
           else "Inputs after a deadline are refused (coordinators can still submit).")
    return Reply(text=msg, sections=[Section(body=[line(msg)])])


__all__ = ["Planned", "plan", "planned_one", "deliveries", "require_session"]


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(reminders_command, deadline_command, reschedule_command, upcoming_command, late_command)
