"""iCalendar (icalendar library): sessions with their real time zones (VTIMEZONE), the agenda in the
description, input deadlines as events, and alarms matching the group's reminder offsets."""
from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

from commands.text import timefmt
from commands.text.durations import DurationError, parse_offsets
from storage import agenda as agenda_store
from storage.models import Group, Session


def _alarms(offsets_text: str, what: str) -> list[Alarm]:
    try:
        offsets = parse_offsets(offsets_text) if offsets_text else []
    except DurationError:
        offsets = []
    out = []
    for off in offsets:
        a = Alarm()
        a.add("action", "DISPLAY")
        a.add("description", f"{what} ({off.text} before)")
        a.add("trigger", -timedelta(days=off.days, seconds=off.seconds))
        out.append(a)
    return out


def agenda_text(db, s: Session) -> str:
    lines = []
    for it in agenda_store.items_of_session(db, s.id):
        when = timefmt.hm(it.start, s.timezone) + "  " if it.start else ""
        label = f"({it.title})" if it.kind == "break" else (f"{it.number}. {it.title}" if it.number else it.title)
        lines.append(f"{when}{label}")
        for p in it.presenters:
            lines.append(f"    {p}")
    qs = agenda_store.questions_of_session(db, s.id)
    if qs:
        lines.append("")
        lines.append(f"{len(qs)} discussion questions; written input with Convene: submit REF TEXT.")
    return "\n".join(lines)


REFRESH = timedelta(hours=1)   # how often subscribed calendars should poll the feed (REFRESH-INTERVAL, X-PUBLISHED-TTL)


def build_ics(db, group: Group, sessions: list[Session], now: datetime, *, feed: bool = False) -> bytes:
    """The calendar. UIDs are stable per session and SEQUENCE is the session's revision, so a subscribed
    calendar moves a rescheduled session instead of duplicating it. DTSTAMP is the session's last change
    (not the build time), so the same data always gives the same bytes (and the same ETag).
    ``feed``: a subscription (adds the refresh hints calendar clients honour)."""
    cal = Calendar()
    cal.add("prodid", "-//Convene//Contact group calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", " ".join(group.name.split()))
    if feed:
        cal.add("method", "PUBLISH")
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
    for s in sessions:
        tz = timefmt.zone(s.timezone)
        ev = Event()
        ev.add("uid", f"session-{s.id}-{group.slug}@convene")
        ev.add("dtstamp", s.updated_at)
        ev.add("sequence", s.revision)
        ev.add("dtstart", s.start.astimezone(tz))
        ev.add("dtend", s.end.astimezone(tz))
        ev.add("summary", s.title)
        if s.venue:
            ev.add("location", s.venue)
        ev.add("description", agenda_text(db, s))
        ev.add("last-modified", s.updated_at)
        for a in _alarms(group.session_offsets, s.title):
            ev.add_component(a)
        cal.add_component(ev)
        if s.deadline:
            dl = Event()
            dl.add("uid", f"deadline-{s.id}-{group.slug}@convene")
            dl.add("dtstamp", s.updated_at)
            dl.add("sequence", s.revision)
            dl.add("dtstart", s.deadline.astimezone(tz))
            dl.add("dtend", s.deadline.astimezone(tz))
            dl.add("summary", f"Written input due: {s.title}")
            dl.add("transp", "TRANSPARENT")
            dl.add("description", f"Deadline for written input to “{s.title}” of {group.name}.")
            for a in _alarms(group.deadline_offsets, f"Written input due: {s.title}"):
                dl.add_component(a)
            cal.add_component(dl)
    cal.add_missing_timezones()
    return cal.to_ical()
