"""What the bot posts on its own, and when: the reminder plan derived from storage (sessions, deadlines, the
group's offsets), and each reminder's text and addressees — session reminders to the rooms, deadline nudges to the
delegates whose delegation has not submitted (commands.rules.submitted), the status to the coordinators.

Platform-neutral: the scheduler (bot/scheduler.py) decides when to call this, the outbox delivers the result.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from commands.contract import FrontEnds
from commands.registry import HEADS
from commands.reply import Code, Reply, Section, Strong, When, line
from commands.rules.delegations import key_of
from commands.rules.lateness import is_late
from commands.rules.sessions import Purpose, meant
from commands.rules.submitted import not_submitted, submitted
from commands.rules.targets import example_for, in_session
from commands.text import timefmt
from commands.text.durations import DurationError, parse_offsets
from commands.text.words import excerpt
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import notes as notes_store
from storage import reminders as reminder_store
from storage import roster as roster_store
from storage.db import from_iso

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
    out += [p for p in _plan_actions(db, now, lookback, until, group_id) if p.group_id not in bad]
    out.sort(key=lambda p: (p.due, p.job_id))
    return out


ACTION_OFFSET = "1d"     # an action with a date is reminded to whoever holds it once, a day before (at once if later)


def _plan_actions(db, now: datetime, lookback: timedelta, until: datetime | None, group_id: int | None
                  ) -> list[Planned]:
    """The reminders of the actions with a date (notes of the session), one each, in the group's zone."""
    out: list[Planned] = []
    zones: dict[int, str] = {}
    off = _offsets(ACTION_OFFSET)[0]
    for note in notes_store.dated_actions(db, now - lookback, group_id=group_id):
        if note.group_id not in zones:
            group = group_store.group_by_id(db, note.group_id)
            zones[note.group_id] = group.timezone if timefmt.known_zone(group.timezone) else "UTC"
        tz = zones[note.group_id]
        due = off.before(note.due_at, tz)
        if until is not None and due > until:
            continue
        out.append(Planned(reminder_store.ACTION_KIND, note.id, note.group_id, off.text, due, note.due_at, tz,
                           note.created_at))
    return out


def _plan_row(row, now: datetime, lookback: timedelta, until: datetime | None, *, is_list: bool = False
              ) -> list[Planned]:
    """A session's reminders (before it starts, before its deadline), or those before a question list's own deadline
    (``is_list``: the row's ``session_id`` is the list's id, its kind ``listdeadline``)."""
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


def sooner_next(db, p: Planned, now: datetime) -> datetime | None:
    """When a late reminder is not worth sending: the due time of the next reminder of the same event (kind and
    session or list) if it comes sooner than ``p`` is late — after a downtime or a clock jump that ends just before
    the 1-day nudge, the 3-day one would arrive next to it, saying the same. None: send ``p`` (late)."""
    overdue = now - p.due
    for q in plan(db, now, until=now + overdue, group_id=p.group_id):
        if (q.kind, q.session_id) == (p.kind, p.session_id) and q.due > now:
            return q.due if q.due - now < overdue else None
    return None


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
    return front_ends.of(target).typed(text, HEADS)


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
    if s.deadline and not is_late(now, s.deadline):
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
    # The commands name this session's items, with its #ID when a bare command would read another session.
    reading = meant(db, group_store.group_by_id(db, s.group_id), now, Purpose.READ)
    asked = {q.item_id for q in _session_questions(db, s.id)}
    example = next((it for it in items if it.id in asked), items[0] if items else None)
    hints = [("Full agenda: ", Code(_cmd(target, f"agenda {in_session(s, '', reading)}".rstrip(), front_ends)))]
    if example is not None and example.number:
        hints.append((" · an item: ", Code(_cmd(target, f"agenda {in_session(s, example.number, reading)}",
                                                 front_ends))))
    hints.append((" · questions: ", Code(_cmd(target, f"questions {in_session(s, '', reading)}".rstrip(),
                                               front_ends))))
    return Reply(text=f"Reminder: {s.title} starts {rel}" + suffix,
                 title=f"Reminder: {s.title}", sections=sections, public=True,
                 context=[line(*[part for pair in hints for part in pair])])


def _session_questions(db, session_id: int):
    return agenda_store.questions_of_session(db, session_id)


def delegations_in(db, group_id: int, session_id: int) -> set[str]:
    """Delegations (casefolded) that have submitted for the session (commands.rules.submitted: the one definition)."""
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
    group = group_store.group_by_id(db, p.group_id)
    # Refs as the delegate types them now: with the session's #ID when a bare ref would mean another session's.
    sending = meant(db, group, now, Purpose.INPUT)
    if qs:
        shown = [line(Code(in_session(s, q.ref, sending)), " ", excerpt(q.text, 140))
                 for q in qs[:OPEN_QUESTIONS_IN_NUDGE]]
        if len(qs) > OPEN_QUESTIONS_IN_NUDGE:
            reading = meant(db, group, now, Purpose.READ)
            shown.append(line(f"… and {len(qs) - OPEN_QUESTIONS_IN_NUDGE} more: ",
                              Code(_cmd(target, f"questions {in_session(s, '', reading)}".rstrip(), front_ends))))
        sections.append(Section(heading=line(Strong("Open questions")), body=shown))
    example = example_for(db, group, now, s)
    return Reply(text=f"Written input for {s.title} is due {rel}", title=f"Written input due {rel}",
                 sections=sections,
                 context=[line(f"In {group.name}. Send it with ", Code(_cmd(target, "submit REF TEXT", front_ends)),
                               " (for example ", Code(_cmd(target, f"submit {example} Our position is …", front_ends)),
                               ").")])


def deadline_summary(db, p: Planned, now: datetime, late: bool, target: str,
                     front_ends: FrontEnds = NOWHERE) -> Reply | None:
    s = agenda_store.session_by_id(db, p.session_id)
    registered = group_store.delegations(db, p.group_id)
    if not registered:
        return None
    done = delegations_in(db, p.group_id, s.id)
    missing = not_submitted(registered, done)
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
    if p.kind == reminder_store.ACTION_KIND:
        return _action_deliveries(db, p, now, front_ends)
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
    (commands.rules.submitted) is nudged; the status goes where the group's status posts go."""
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
        missing = not_submitted(registered, done)
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


def action_holders(db, note) -> list[str]:
    """Who holds an action: the person named, or every registered member of the delegation named."""
    if note.holder_kind == "person":
        return [note.holder]
    return roster_store.members_of_delegation(db, note.group_id, key_of, key_of(note.holder))


def _action_deliveries(db, p: Planned, now: datetime, front_ends: FrontEnds) -> list[tuple[str, Reply]]:
    """Before an action's date: whoever holds it is told, privately, once."""
    note = notes_store.by_id(db, p.session_id)
    if note is None:
        return []
    group = group_store.group_by_id(db, p.group_id)
    rel = timefmt.relative(now, note.due_at, p.tz)
    out: list[tuple[str, Reply]] = []
    for target in action_holders(db, note):
        whose = f"{note.holder}'s action" if note.holder_kind == "delegation" else "Your action"
        out.append((target, Reply(
            text=f"Reminder: an action is due {rel}", title=f"Action due {rel}",
            sections=[Section(body=[line(Strong(whose), " from ", note.item_label, ": ", note.text),
                                    line("Due ", rel, ": ", When(note.due_at, p.tz, "datetime"),
                                         f" {timefmt.zone_label(p.tz)}.")])],
            context=[line(f"In {group.name}. The notes: ", Code(_cmd(target, "notes", front_ends)))])))
    return out


# --- commands ------------------------------------------------------------------------
