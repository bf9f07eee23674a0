"""The demo group `make run` opens when no chat platform is configured: the bundled seed agenda
and working paper, re-dated so the session is in the coming days and its deadline makes sense."""
from __future__ import annotations

import os
from datetime import datetime, time, timedelta

from commands.importers.apply import import_file
from commands.text import timefmt
from storage import agenda as agenda_store
from storage import groups as group_store

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Contact Group on Cooperation and Assistance"
DEMO_ROOM = "console:main"
HERE = os.path.join(os.path.dirname(__file__), "demo")
AGENDA = os.path.join(HERE, "special_session_agenda.txt")
PAPER = os.path.join(HERE, "wp15_working_paper.txt")


def next_session_day(now: datetime, tz: str) -> datetime:
    """Two days ahead at 10:00, moved off the weekend: the demo session's new start (wall clock)."""
    day = timefmt.to_local(now, tz).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10, 0))


def is_demo(group) -> bool:
    return group.slug == DEMO_SLUG and group.name == DEMO_NAME


def operator_groups(db) -> list:
    """The groups of this database that are not the demo's: when there is one, the database is an operator's, and
    the demo group is never added to it (it is for the no-credentials console on a fresh database)."""
    return [g for g in group_store.all_groups(db) if not is_demo(g)]


def ensure_demo(db, now: datetime, user: str) -> object:
    """Create the demo group (or re-date it when its session is over); make ``user`` a coordinator."""
    group = group_store.group_by_slug(db, DEMO_SLUG)
    if group is None:
        group = group_store.create_group(db, DEMO_SLUG, DEMO_NAME, "Europe/Zurich")
    if group_store.group_for_room(db, DEMO_ROOM) is None:
        group_store.bind_room(db, group.id, DEMO_ROOM)
    sessions = agenda_store.sessions_of_group(db, group.id)
    if not sessions or all(s.end <= now for s in sessions):
        start = next_session_day(now, group.timezone)
        result = import_file(db, group, AGENDA, start=start.strftime("%Y-%m-%dT%H:%M"), venue="Palais des Nations, Geneva")
        session = result.sessions[0][0]
        deadline = timefmt.localize(datetime.combine(start.date() - timedelta(days=1), time(17, 0)), group.timezone)
        agenda_store.set_deadline(db, session.id, deadline)
    if not agenda_store.lists_of_group(db, group.id):
        import_file(db, group, PAPER)
    group_store.set_coordinator(db, group.id, user, True)
    return group
