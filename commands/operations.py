"""The operations behind the commands, shared by every front end: chat commands and the ``convene`` CLI call these,
so they take the same decisions with the same checks and cannot disagree.

Each raises ``UserError`` with a message for the person when it refuses, and changes nothing then.
"""
from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime

from commands.text import timefmt
from commands.text.args import record_number, shown
from commands.contract import FrontEnds, platform_of
from commands.core import UserError
from commands.text.words import count
from commands.text.durations import DurationError, format_offsets, parse_offsets
from commands.text.slugs import slugify
from commands.reply import info
from commands.rules.lateness import MarkChange, marks_changed
from commands.rules.sessions import Ambiguous, choose
from commands.text.names import clean_name
from storage import agenda as agenda_store
from storage import audit
from storage import feeds as feed_store
from storage import leases
from storage import submissions as sub_store
from storage.backups import replace_with, stage_restore
from storage.db import backup as copy
from storage.db import StorageError, write_tx
from storage import groups as group_store
from storage.models import Group, QuestionList, Session

MAX_GROUP_NAME = 120


# --- moving sessions and setting deadlines ---------------------------------------------

def move_session(db, session: Session, new_start: datetime, now: datetime | None = None) -> Session:
    """Move ``session`` to start at ``new_start`` (UTC), shifting every item by the same wall-clock amount
    in the session's zone (as ``import --start`` does), so 10:00–13:00 stays a three-hour morning."""
    tz = session.timezone
    old_local = timefmt.to_local(session.start, tz).replace(tzinfo=None)
    new_local = timefmt.to_local(new_start, tz).replace(tzinfo=None)
    delta = new_local - old_local

    def shift(moment):
        return None if moment is None else timefmt.localize_lenient(
            timefmt.to_local(moment, tz).replace(tzinfo=None) + delta, tz)

    items = [(it.id, shift(it.start), shift(it.end)) for it in agenda_store.items_of_session(db, session.id)]
    agenda_store.shift_session(db, session.id, delta, new_start=new_start, new_end=shift(session.end),
                               item_times=items, at=now)
    return agenda_store.session_by_id(db, session.id)


def set_deadline(db, session: Session, deadline: datetime | None, now: datetime | None = None) -> Session:
    agenda_store.set_deadline(db, session.id, deadline, at=now)
    return agenda_store.session_by_id(db, session.id)


# --- groups -------------------------------------------------------------------------------

def find_group(db, slug: str) -> Group:
    group = group_store.group_by_slug(db, slug)
    if group is None:
        known = ", ".join(g.slug for g in group_store.all_groups(db)) or "none yet"
        raise UserError(f"there is no group '{slug}' (groups: {known}); create it with: "
                        f"convene group create {slug} --name NAME")
    return group


def all_groups(db) -> list[tuple[Group, list[str]]]:
    return [(g, group_store.rooms_of_group(db, g.id)) for g in group_store.all_groups(db)]


def create_group(db, slug: str, name: str, timezone: str, *, registration: str | None = None) -> Group:
    if slugify(slug) != slug:
        raise UserError(f"'{slug}' is not a slug: use lowercase letters, digits and hyphens "
                        f"(for example {slugify(slug)})")
    return group_store.create_group(db, slug, clean_name(name, "group name", MAX_GROUP_NAME),
                                    timefmt.check_zone(timezone), registration=registration)


def bind_room(db, group: Group, room: str, front_ends: FrontEnds | None = None) -> None:
    """Bind ``room`` to ``group``; with ``front_ends``, the room must be on one of them."""
    known = front_ends.all() if front_ends else []
    if not platform_of(room) or (known and platform_of(room) not in {f.platform for f in known}):
        examples = front_ends.room_examples() if known else "PLATFORM:ID"
        raise UserError(f"'{room}' is not a room: write {examples}")
    group_store.bind_room(db, group.id, room)


def room_group(db, room: str) -> Group | None:
    return group_store.group_for_room(db, room)


def make_coordinator(db, group: Group, user: str, name: str | None = None) -> None:
    group_store.set_coordinator(db, group.id, user, True, name)


STATUS_POSTS = ("coordinators", "room", "off")


def set_reminders(db, group: Group, which: str, offsets: str) -> str:
    """``which`` is session or deadline (``offsets`` then are durations), or status (``offsets`` then says where
    the before-deadline status goes: coordinators, room or off). Returns the setting as it is now written."""
    if which == "status":
        where = offsets.strip().lower()
        if where not in STATUS_POSTS:
            raise UserError("Say where the status before a deadline goes: reminders status coordinators (only them), "
                            "room (everyone in the group's rooms) or off.")
        group_store.update_group(db, group.id, status_posts=where)
        return where
    if which not in ("session", "deadline"):
        raise UserError("Say which reminders: reminders session OFFSETS, reminders deadline OFFSETS or "
                        "reminders status coordinators|room|off.")
    try:
        value = format_offsets(parse_offsets(offsets))
    except DurationError as e:
        raise UserError(str(e))
    group_store.update_group(db, group.id, **{f"{which}_offsets": "" if value == "off" else value})
    return value


# --- sessions -----------------------------------------------------------------------------

def sessions(db, group: Group) -> list[Session]:
    return agenda_store.sessions_of_group(db, group.id)


def session_by_id(db, group: Group, session_id: int) -> Session:
    s = agenda_store.session_by_id(db, session_id)
    if s is None or s.group_id != group.id:
        raise UserError(f"{group.slug} has no session #{session_id} (see convene session list {group.slug})")
    return s


CONFIRM = "confirm"


def _confirmed(text: str) -> tuple[str, bool]:
    """``… confirm`` → (the rest, True): a change whose consequence was explained is made on purpose."""
    words = text.split()
    if words and words[-1].lower() == CONFIRM:
        return " ".join(words[:-1]), True
    return text, False


def _after_session(session: Session, deadline: datetime, end: datetime) -> str:
    return (f"That deadline ({timefmt.short_datetime(deadline, session.timezone)}) falls after “{session.title}” "
            f"(#{session.id}) ends ({timefmt.short_datetime(end, session.timezone)}): written input would then be "
            "collected after the meeting. That is allowed; to do it on purpose, add 'confirm' at the end.")


@dataclass(frozen=True)
class DeadlineSet:
    """A deadline changed, and what that did to the late marks of the inputs it governs (commands.rules.lateness)."""
    session: Session | None = None
    qlist: QuestionList | None = None
    marks: MarkChange = MarkChange()


def change_deadline(db, session: Session, text: str, now: datetime) -> DeadlineSet:
    """``text``: a wall-clock time in the session's zone (optionally followed by a zone), or off; a deadline after
    the session's end needs ``confirm`` at the end (post-session input is legitimate, but never by accident)."""
    text, confirmed = _confirmed(text.strip())
    when = None
    if text.lower() not in ("off", "none"):
        try:
            when = timefmt.parse_user_datetime(text, session.timezone)
        except timefmt.TimeError as e:
            raise UserError(str(e))
        if when <= now:
            raise UserError("That deadline is already past: give a time ahead.")
        if when > session.end and not confirmed:
            raise UserError(_after_session(session, when, session.end))
    marks = marks_changed(db, lambda: sub_store.of_session(db, session.id),
                          lambda: set_deadline(db, session, when, now))
    return DeadlineSet(session=agenda_store.session_by_id(db, session.id), marks=marks)


def reschedule(db, session: Session, text: str, now: datetime) -> Session:
    """Move a session; moving it so that it ends before its input deadline needs ``confirm`` at the end."""
    text, confirmed = _confirmed(text.strip())
    try:
        when = timefmt.parse_user_datetime(text, session.timezone)
    except timefmt.TimeError as e:
        raise UserError(str(e))
    new_end = when + (session.end - session.start)
    if session.deadline is not None and session.deadline > new_end and not confirmed:
        raise UserError(f"Moved there, “{session.title}” (#{session.id}) would end before its input deadline "
                        f"({timefmt.short_datetime(session.deadline, session.timezone)}): written input would be "
                        "collected after the meeting. Move the deadline first, or add 'confirm' at the end to move "
                        "it anyway.")
    return move_session(db, session, when, now)


def pick_session(db, group: Group, session_id: int | None, purpose, now: datetime, *, latest: bool = False
                 ) -> Session:
    """The named session, or the one the resolver (commands.rules.sessions) means for ``purpose``. Without ``latest``, a
    session already closed for that purpose is refused rather than changed by surprise."""
    if session_id is not None:
        return session_by_id(db, group, session_id)
    try:
        found = choose(sessions(db, group), now, purpose, late_accepted=group.late_policy == "accept")
    except Ambiguous as e:
        raise UserError(f"two sessions fit equally well ({e}): name one with --session ID")
    if found is None or (found.past and not latest):
        raise UserError(f"{group.slug} has no session ahead; name one with --session ID")
    return found.session


# --- feeds ---------------------------------------------------------------------------------

def rotate_feed(db, group: Group) -> None:
    """A new secret link for the group's agenda page and calendar: the old one stops working at once."""
    feed_store.rotate(db, group.id)


def share_feed(db, room: str, on: bool) -> None:
    feed_store.set_room_shared(db, room, on)


# --- the database --------------------------------------------------------------------------

def backup(db, target: str) -> int:
    """An online copy of the database (SQLite's backup API; safe while the bot runs). Returns pages copied."""
    return copy(db, target)


def restore(db, source: str, db_path: str, now: datetime, extra_schema=None) -> tuple[int, str]:
    """Replace the database with the backup ``source``: refused while a bot runs on it (its scheduler lease is
    live), and unless ``source`` is a Convene database of this version or an older one whose every group passes
    the rules a JSON restore applies (the same as chat and the CLI). Only its data comes across, copied into a
    freshly migrated database (``storage.backups.stage_restore``); the database replaced is kept beside it first.
    Refused, nothing is changed. Returns (pages restored, where the previous database was saved)."""
    try:
        regular = stat.S_ISREG(os.stat(source).st_mode)
    except OSError:
        regular = False
    if not regular:
        raise UserError(f"there is no backup file at {source}")
    lease = leases.current(db, "scheduler")
    if lease is not None and lease.expires_at > now:
        raise UserError(f"a bot is running on this database (scheduler lease held by {lease.holder}): stop it "
                        "first, then restore")
    folder = os.path.dirname(os.path.abspath(db_path)) if db_path != ":memory:" else None
    with tempfile.TemporaryDirectory(prefix=".convene-restore-", dir=folder) as tmp:
        try:
            staged = stage_restore(source, tmp, extra_schema)
        except StorageError as e:
            raise UserError(str(e))
        try:
            _check_restored(staged, source)
            safety = f"{db_path}.before-restore-{now.strftime('%Y%m%dT%H%M%SZ')}"
            backup(db, safety)
            return replace_with(db, staged), safety
        finally:
            staged.close()


def _check_restored(db, source: str) -> None:
    """Every group of a staged restore through the JSON restore's validation (names, zones, times, texts, modes:
    the rules chat and the CLI apply), and the roster's delegation names through the roster's own rule."""
    from commands.exports.json_export import group_document
    from commands.exports.json_restore import _check
    from commands.importers.model import DocumentError
    from commands.families.roster import clean_delegation
    from storage import roster as roster_store
    for group in group_store.all_groups(db):
        try:
            _check(group_document(db, group), None)
            for entry in roster_store.entries(db, group.id):
                for name in [entry.name, *entry.aliases]:
                    try:
                        clean_delegation(name)
                    except UserError as e:
                        raise DocumentError(f"roster: {e.message}")
        except DocumentError as e:
            raise UserError(f"{source} is not a sound Convene backup: group {shown(group.slug)}: {e}. Nothing was "
                            "changed.")
        except Exception as e:
            raise UserError(f"{source} is not a sound Convene backup: group {shown(group.slug)} cannot be read "
                            f"({type(e).__name__}: {str(e)[:200]}). Nothing was changed.")


# --- set-up changes, audited ---------------------------------------------------------------

def record_audit(db, group: Group, actor: str, action: str, detail: str, now: datetime) -> None:
    audit.record(db, group.id, actor, action, detail, now)


def rename_session(db, group: Group, session: Session, title: str, actor: str, now: datetime) -> Session:
    """A new title for a session (a fixed typo, a new name): the same session, its inputs and reminders stay."""
    title = clean_name(title, "session title", MAX_GROUP_NAME)
    with write_tx(db):
        agenda_store.rename_session(db, session.id, title, at=now)
        record_audit(db, group, actor, "session rename", f"#{session.id}: “{session.title}” → “{title}”", now)
    return agenda_store.session_by_id(db, session.id)


def rename_group(db, group: Group, name: str, actor: str, now: datetime) -> Group:
    name = clean_name(name, "group name", MAX_GROUP_NAME)
    with write_tx(db):
        group_store.update_group(db, group.id, name=name)
        record_audit(db, group, actor, "group rename", f"“{group.name}” → “{name}”", now)
    return group_store.group_by_id(db, group.id)


def set_group_timezone(db, group: Group, zone_name: str, actor: str, now: datetime) -> Group:
    """The zone of sessions imported from now on (each session keeps the zone it was imported with)."""
    try:
        zone_name = timefmt.check_zone(zone_name.strip())
    except timefmt.TimeError as e:
        raise UserError(str(e))
    with write_tx(db):
        group_store.update_group(db, group.id, timezone=zone_name)
        record_audit(db, group, actor, "group timezone", f"{group.timezone} → {zone_name}", now)
    return group_store.group_by_id(db, group.id)


def find_list(db, group: Group, name: str):
    """A question list by name or symbol, or a message naming the lists there are."""
    if not name.strip():
        raise UserError("Say which question list, by its name or symbol (for example WP.15).")
    lst = agenda_store.list_named(db, group.id, name)
    if lst is None:
        known = ", ".join(x.short for x in agenda_store.lists_of_group(db, group.id)) or "none yet"
        raise UserError(f"There is no question list called {shown(name)} (lists: {known}).")
    return lst


def set_list_open(db, group: Group, name: str, is_open: bool, actor: str, now: datetime):
    """Open or close a question list for input (its inputs stay, and stay in the compilation)."""
    lst = find_list(db, group, name)
    with write_tx(db):
        agenda_store.set_list_open(db, lst.id, is_open, at=now)
        record_audit(db, group, actor, "list open" if is_open else "list close", f"{lst.short} ({lst.symbol})", now)
    return lst


REGISTRATION_MODES = ("approval", "open", "locked")      # the first is a new group's
LATE_POLICIES = ("accept", "refuse")                     # the first is a new group's


def set_registration(db, group: Group, mode: str, actor: str, now: datetime) -> Group:
    """How people join delegations (see commands.families.roster): approval | open | locked. Audited."""
    if mode not in REGISTRATION_MODES:
        raise UserError(f"Registration is approval, open or locked, not {mode!r}.")
    with write_tx(db):
        group_store.update_group(db, group.id, registration=mode)
        record_audit(db, group, actor, "registration mode", mode, now)
    return group_store.group_by_id(db, group.id)


def audit_entries(db, group: Group, limit: int = 200):
    return audit.of_group(db, group.id, limit)


def groups_with_list(db, name: str) -> list[Group]:
    return [g for g in group_store.all_groups(db) if agenda_store.list_named(db, g.id, name)]


def change_list_deadline(db, group: Group, name: str, text: str, actor: str, now: datetime):
    """A question list's deadline: ``#ID`` (it belongs to that session and shares its deadline), a date and time
    in the group's zone (its own deadline; optionally followed by a zone), or ``off``. Audited."""
    lst = find_list(db, group, name)
    text = text.strip()
    if not text:
        raise UserError(f"Say when: deadline {lst.short} YYYY-MM-DD HH:MM, deadline {lst.short} #ID (the deadline "
                        f"of that session), or deadline {lst.short} off.")
    session_id, when = None, None
    if text.lower() in ("off", "none"):
        detail = f"{lst.short}: no deadline"
    elif text.startswith("#"):
        number = record_number(text)
        session = session_by_id(db, group, number) if number is not None else None
        if session is None:
            raise UserError(f"{shown(text)} is not a session: write #ID, as in session list.")
        session_id, detail = session.id, f"{lst.short}: belongs to #{session.id} {session.title}"
    else:
        try:
            when = timefmt.parse_user_datetime(text, group.timezone)
        except timefmt.TimeError as e:
            raise UserError(str(e))
        if when <= now:
            raise UserError("That deadline is already past: give a time ahead.")
        detail = f"{lst.short}: due {timefmt.short_datetime(when, group.timezone)} ({group.timezone})"
    def change():
        with write_tx(db):
            agenda_store.set_list_deadline(db, lst.id, session_id=session_id, deadline=when, at=now)
            record_audit(db, group, actor, "list deadline", detail, now)

    marks = marks_changed(db, lambda: sub_store.of_list(db, lst.id), change)
    return DeadlineSet(qlist=agenda_store.list_by_id(db, lst.id), marks=marks)


# --- removals: refused while they would destroy inputs, unless confirmed ------------------

def _destroys(what: str, inputs: int, delegations: int) -> str:
    return (f"{what} has {count(inputs, 'input')} from {count(delegations, 'delegation')}: removing it deletes them "
            "for good. Export the compilation first if you need it; to remove it with its inputs, add 'confirm'.")


def _allowed_removal(db, what: str, confirmed: bool, before, **owner) -> int:
    """A removal that would delete inputs goes ahead only when confirmed; ``before`` (the CLI's backup) runs once it
    is allowed. Returns how many inputs go with it."""
    inputs, delegations = agenda_store.inputs_count(db, **owner)
    if inputs and not confirmed:
        raise UserError(_destroys(what, inputs, delegations))
    if before is not None:
        before()
    return inputs


def remove_session(db, group: Group, session: Session, text: str, actor: str, now: datetime,
                   before=None) -> None:
    """``before``: called once the removal is allowed and just before it (the CLI keeps a backup there)."""
    _rest, confirmed = _confirmed(text)
    inputs = _allowed_removal(db, f"Session #{session.id} “{session.title}”", confirmed, before, session_id=session.id)
    with write_tx(db):
        agenda_store.delete_session(db, session.id)
        record_audit(db, group, actor, "session remove", f"#{session.id} “{session.title}” ({count(inputs, 'input')})", now)


def remove_list(db, group: Group, text: str, actor: str, now: datetime, before=None):
    """``before``: as for ``remove_session``."""
    name, confirmed = _confirmed(text)
    lst = find_list(db, group, name)
    inputs = _allowed_removal(db, f"Question list {lst.short}", confirmed, before, list_id=lst.id)
    with write_tx(db):
        agenda_store.delete_list(db, lst.id)
        record_audit(db, group, actor, "list remove", f"{lst.short} ({lst.symbol}, {count(inputs, 'input')})", now)
    return lst


def unbind_room(db, group: Group, room: str, actor: str, now: datetime) -> None:
    """The room is no longer the group's: nothing is posted there; the group, its sessions and inputs stay."""
    bound = room_group(db, room)
    if bound is None or bound.id != group.id:
        raise UserError(f"{shown(room)} is not a room of {group.name}.")
    with write_tx(db):
        group_store.unbind_room(db, room)
        record_audit(db, group, actor, "group unbind", room, now)


def remove_member(db, group: Group, user: str, actor: str, now: datetime) -> None:
    """The person leaves the group; what their delegation sent stays. The last coordinator cannot be removed."""
    member = group_store.member(db, group.id, user)
    if member is None:
        raise UserError("That person is not a member of this group.")
    if member.is_coordinator and len(group_store.coordinators(db, group.id)) == 1:
        raise UserError("That is the last coordinator of this group: make someone else a coordinator first.")
    with write_tx(db):
        group_store.remove_member(db, group.id, user)
        record_audit(db, group, actor, "member remove", f"{user} ({member.delegation or 'no delegation'})", now)


def follow_room_upgrade(db, old_room: str, new_room: str, now: datetime, *, joined: bool = True):
    """A room was upgraded (replaced by ``new_room``): the group follows its room. The binding moves to the new room
    and the group's coordinators are told (the returned Reply's notices; its text is said in the new room). None
    when there is nothing to move (the old room was no group's, or the move was made already)."""
    group = room_group(db, old_room)
    if group is None:
        return None
    bound = room_group(db, new_room)
    if bound is not None:
        return None         # moved already (the tombstone and the invitation both lead here), or another group's
    with write_tx(db):
        group_store.unbind_room(db, old_room)
        group_store.bind_room(db, group.id, new_room)
        record_audit(db, group, "convene", "room upgraded", f"{old_room} → {new_room}", now)
    reply = info(f"This room is now the room of {group.name}: it replaces the room that was upgraded.")
    where = ("I have joined the new room" if joined else
             "Invite me to the new room (I could not join it on my own)")
    note = info(f"{group.name} has moved to its upgraded room: the old room was replaced, and the group follows it. "
                f"{where}; commands there act on the group as before.")
    reply.notices = [(m.user, note) for m in group_store.members_of_group(db, group.id) if m.is_coordinator]
    return reply
