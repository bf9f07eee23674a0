"""Restoring a group from its JSON export (``convene import FILE.json`` without ``--group``).

The whole group comes back in one transaction: settings, rooms (those not bound elsewhere),
members and roles, sessions with items and questions, question lists, inputs with their history.
A file that is not a Convene export, or a slug that already exists, changes nothing.
"""
from __future__ import annotations

import json
from datetime import datetime

from commands.core import UserError
from commands.text.durations import DurationError, parse_offsets
from commands.text.names import MAX_GROUP_NAME, clean_name
from commands.importers.apply import TEXT_MAX, TITLE_MAX
from commands.operations import LATE_POLICIES, REGISTRATION_MODES, STATUS_POSTS
from commands.rules.delegations import clean_delegation
from commands.text.sanitize import INVISIBLE
from commands.families.inputs import MAX_INPUT_CHARS
from commands.families.notes import MAX_NOTE
from commands.text.slugs import slugify
from commands.text import timefmt
from commands.contract import platform_of
from commands.text.sanitize import clean_tree
from commands.importers.model import DocumentError
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import notes as notes_store
from storage import submissions as sub_store
from storage.db import write_tx
from storage.models import ImportedItem

DOCUMENT_TEXT_MAX = 50_000      # a session's background, an item's or a list's description: passages of a document


def _time(value, what):
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise DocumentError(f"{what}: '{value}' is not an ISO 8601 time")
    if moment.tzinfo is None:
        raise DocumentError(f"{what}: '{value}' has no UTC offset")
    return moment


def _check(doc: dict, slug_override: str | None) -> None:
    """One validation of everything a restore would store, refused whole with the path of the first bad value
    (``sessions[0].timezone: unknown zone 'Mars/Olympus_Mons'``): the same rules, limits and allowed values as chat,
    the CLI and the importers (names through ``clean_name`` / ``clean_delegation``, titles and question texts
    through the importers' limits, modes from the constants the commands use)."""

    def fail(path, msg):
        raise DocumentError(f"{path}: {msg}")

    def text(path, value, limit=None, one_line=False, optional=True):
        if value is None and optional:
            return
        if not isinstance(value, str):
            fail(path, "expected text")
        if limit and len(value) > limit:
            fail(path, f"{len(value):,} characters; at most {limit:,}")
        if one_line and ("\n" in value.strip() or "\r" in value):
            fail(path, "must be one line")
        if one_line and INVISIBLE.search(value):
            fail(path, "contains invisible characters (zero-width spaces, direction overrides)")

    def delegation(path, value):
        try:
            clean_delegation(value if isinstance(value, str) else "")
        except UserError as e:
            fail(path, e.message)

    def questions(path, value):
        if not isinstance(value or [], list):
            fail(path, "expected a list")
        for k, q in enumerate(value or []):
            if not isinstance(q, dict):
                fail(f"{path}[{k}]", "expected an object")
            text(f"{path}[{k}].ref", q.get("ref"), 40, one_line=True, optional=False)
            text(f"{path}[{k}].text", q.get("text"), TEXT_MAX, optional=False)

    def zone(path, value):
        try:
            timefmt.check_zone(value)
        except timefmt.TimeError:
            fail(path, f"unknown zone {value!r}")

    def moment(path, value, optional=True):
        if value is None and optional:
            return None
        try:
            t = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            fail(path, f"{value!r} is not an ISO 8601 time")
        if t.tzinfo is None:
            fail(path, f"{value!r} has no UTC offset")
        try:
            timefmt.check_year(t)
        except timefmt.TimeError as e:
            fail(path, str(e))
        return t

    def choice(path, value, allowed, default):
        if (value if value is not None else default) not in allowed:
            fail(path, f"{value!r} is not one of {', '.join(allowed)}")

    g = doc.get("group")
    if not isinstance(g, dict):
        fail("group", "expected an object")
    slug = slug_override or g.get("slug")
    if not isinstance(slug, str) or slugify(slug) != slug:
        fail("group.slug", f"{slug!r} is not a slug (lowercase letters, digits and hyphens)")
    try:
        clean_name(g.get("name") if isinstance(g.get("name"), str) else "", "group name", MAX_GROUP_NAME)
    except UserError as e:
        fail("group.name", e.message)
    zone("group.timezone", g.get("timezone") or "Europe/Zurich")
    choice("group.registration", g.get("registration"), REGISTRATION_MODES, REGISTRATION_MODES[0])
    choice("group.late_policy", g.get("late_policy"), LATE_POLICIES, LATE_POLICIES[0])
    rem = g.get("reminders") or {}
    if not isinstance(rem, dict):
        fail("group.reminders", "expected an object")
    choice("group.reminders.status", rem.get("status"), STATUS_POSTS, STATUS_POSTS[0])
    for key in ("session", "deadline"):
        value = rem.get(key)
        if value not in (None, ""):
            try:
                parse_offsets(str(value))
            except DurationError as e:
                fail(f"group.reminders.{key}", str(e))
    for name in ("rooms", "sessions", "question_lists", "members", "submissions"):
        container = g if name == "rooms" else doc
        if not isinstance(container.get(name) or [], list):
            fail(name if name != "rooms" else "group.rooms", "expected a list")
    for i, room in enumerate(g.get("rooms") or []):
        if not isinstance(room, str) or not platform_of(room):
            fail(f"group.rooms[{i}]", f"{room!r} is not a room address (PLATFORM:ID, as `convene group list` "
                                      "shows them)")
    for i, sess in enumerate(doc.get("sessions") or []):
        at = f"sessions[{i}]"
        if not isinstance(sess, dict):
            fail(at, "expected an object")
        text(f"{at}.title", sess.get("title"), TITLE_MAX, one_line=True, optional=False)
        for key in ("venue", "symbol", "key"):
            text(f"{at}.{key}", sess.get(key), TITLE_MAX, one_line=True)
        text(f"{at}.background", sess.get("background"), DOCUMENT_TEXT_MAX)
        questions(f"{at}.retired_questions", sess.get("retired_questions"))
        zone(f"{at}.timezone", sess.get("timezone") or g.get("timezone") or "Europe/Zurich")
        start, end = moment(f"{at}.start", sess.get("start"), False), moment(f"{at}.end", sess.get("end"), False)
        if end <= start:
            fail(f"{at}.end", "the session ends before it starts")
        moment(f"{at}.deadline", sess.get("deadline"))
        for j, it in enumerate(sess.get("items") or []):
            if not isinstance(it, dict):
                fail(f"{at}.items[{j}]", "expected an object")
            text(f"{at}.items[{j}].title", it.get("title"), TITLE_MAX * 2, one_line=True, optional=False)
            text(f"{at}.items[{j}].description", it.get("description"), DOCUMENT_TEXT_MAX)
            if not isinstance(it.get("presenters") or [], list):
                fail(f"{at}.items[{j}].presenters", "expected a list")
            for k, who in enumerate(it.get("presenters") or []):
                text(f"{at}.items[{j}].presenters[{k}]", who, TITLE_MAX, one_line=True, optional=False)
            questions(f"{at}.items[{j}].questions", it.get("questions"))
            choice(f"{at}.items[{j}].kind", it.get("kind"), ("item", "break"), "item")
            moment(f"{at}.items[{j}].start", it.get("start"))
            moment(f"{at}.items[{j}].end", it.get("end"))
    for i, lst in enumerate(doc.get("question_lists") or []):
        at = f"question_lists[{i}]"
        if not isinstance(lst, dict):
            fail(at, "expected an object")
        text(f"{at}.name", lst.get("name"), TITLE_MAX, one_line=True, optional=False)
        text(f"{at}.symbol", lst.get("symbol"), TITLE_MAX, one_line=True, optional=False)
        text(f"{at}.short", lst.get("short"), TITLE_MAX, one_line=True)
        text(f"{at}.description", lst.get("description"), DOCUMENT_TEXT_MAX)
        moment(f"{at}.deadline", lst.get("deadline"))
        questions(f"{at}.questions", lst.get("questions"))
        questions(f"{at}.retired_questions", lst.get("retired_questions"))
    for i, m in enumerate(doc.get("members") or []):
        if not isinstance(m, dict) or not isinstance(m.get("user"), str) or not platform_of(m["user"]):
            fail(f"members[{i}]", "expected an object with 'user' (PLATFORM:ID)")
        text(f"members[{i}].user", m.get("user"), 300, one_line=True)
        text(f"members[{i}].display_name", m.get("display_name"), 300, one_line=True)
        choice(f"members[{i}].role", m.get("role"), ("coordinator", "delegate"), "delegate")
        if m.get("delegation") is not None:
            delegation(f"members[{i}].delegation", m["delegation"])
    for i, sub in enumerate(doc.get("submissions") or []):
        at = f"submissions[{i}]"
        if not isinstance(sub, dict):
            fail(at, "expected an object")
        choice(f"{at}.status", sub.get("status"), ("current", "withdrawn"), "current")
        choice(f"{at}.disclosure", sub.get("disclosure"), ("group", "coordinators"), "group")
        delegation(f"{at}.delegation", sub.get("delegation"))
        text(f"{at}.author", sub.get("author"), 300, one_line=True, optional=False)
        text(f"{at}.ref", sub.get("ref"), 40, one_line=True, optional=False)
        text(f"{at}.text", sub.get("text"), MAX_INPUT_CHARS, optional=False)
        text(f"{at}.note", sub.get("note"), MAX_INPUT_CHARS)
        if not isinstance(sub.get("history") or [], list):
            fail(f"{at}.history", "expected a list")
        for k, h in enumerate(sub.get("history") or []):
            if not isinstance(h, dict):
                fail(f"{at}.history[{k}]", "expected an object")
            text(f"{at}.history[{k}].text", h.get("text"), MAX_INPUT_CHARS)
            moment(f"{at}.history[{k}].at", h.get("at"), False)
        moment(f"{at}.created_at", sub.get("created_at"), False)
        moment(f"{at}.updated_at", sub.get("updated_at"), False)
    for key in ("notes", "rapporteurs"):
        if not isinstance(doc.get(key) or [], list):
            fail(key, "expected a list")
    numbers: set[int] = set()
    for i, n in enumerate(doc.get("notes") or []):
        at = f"notes[{i}]"
        if not isinstance(n, dict):
            fail(at, "expected an object")
        if not isinstance(n.get("number"), int) or isinstance(n.get("number"), bool) or n["number"] < 1 \
                or n["number"] in numbers:
            fail(f"{at}.number", "expected a number (1, 2 …) not used by another note")
        numbers.add(n["number"])
        choice(f"{at}.kind", n.get("kind"), notes_store.KINDS, None)
        text(f"{at}.text", n.get("text"), MAX_NOTE, optional=False)
        if not n["text"].strip():
            fail(f"{at}.text", "empty")
        text(f"{at}.item_title", n.get("item_title"), TEXT_MAX, optional=False)
        text(f"{at}.item_number", n.get("item_number"), 40, one_line=True)
        choice(f"{at}.holder_kind", n.get("holder_kind"), ("delegation", "person", None), None)
        if n.get("holder_kind") == "delegation":
            delegation(f"{at}.holder", n.get("holder"))
        text(f"{at}.holder", n.get("holder"), 300, one_line=True)
        text(f"{at}.by", n.get("by"), 300, one_line=True, optional=False)
        for when in ("due_at", "created_at", "updated_at"):
            moment(f"{at}.{when}", n.get(when), when == "due_at")
    for i, r in enumerate(doc.get("rapporteurs") or []):
        if not isinstance(r, dict):
            fail(f"rapporteurs[{i}]", "expected an object")
        text(f"rapporteurs[{i}].user", r.get("user"), 300, one_line=True, optional=False)
        text(f"rapporteurs[{i}].added_by", r.get("added_by"), 300, one_line=True, optional=False)
        moment(f"rapporteurs[{i}].added_at", r.get("added_at"), False)


def restore_group(db, raw: bytes | str, *, slug: str | None = None) -> tuple[object, dict]:
    try:
        doc = clean_tree(json.loads(raw))
    except ValueError as e:
        raise DocumentError(f"not JSON: {e}", getattr(e, "lineno", None))
    except RecursionError:
        raise DocumentError("the JSON is nested too deeply to be a Convene export")
    if not isinstance(doc, dict) or doc.get("format") != "convene-group" or "group" not in doc:
        raise DocumentError("not a Convene group export (expected \"format\": \"convene-group\")")
    _check(doc, slug)
    g = doc["group"]
    slug = slug or g.get("slug")
    if not slug:
        raise DocumentError("the export has no group slug")
    if group_store.group_by_slug(db, slug):
        raise DocumentError(f"a group with the slug '{slug}' already exists: restore under another slug with "
                            "--group NEW-SLUG, or remove the existing group first")
    counts = {"sessions": 0, "lists": 0, "members": 0, "inputs": 0, "rooms": 0, "rooms_skipped": 0}
    try:
        tz = timefmt.check_zone(g.get("timezone") or "Europe/Zurich")
    except timefmt.TimeError as e:
        raise DocumentError(str(e))
    try:
        return _restore(db, doc, g, slug, tz, counts)
    except (KeyError, TypeError, AttributeError, ValueError, OverflowError) as e:
        raise DocumentError(f"the export is incomplete or damaged (at {e}); nothing was restored")


def _restore(db, doc, g, slug, tz, counts):
    with write_tx(db):
        # A group exported without a registration mode gets the default of a new group (its schema default).
        group = group_store.create_group(db, slug, g.get("name") or slug, tz, registration=g.get("registration"))
        rem = g.get("reminders") or {}
        group_store.update_group(db, group.id, session_offsets=rem.get("session", group.session_offsets),
                                 deadline_offsets=rem.get("deadline", group.deadline_offsets),
                                 registration=g.get("registration") or group.registration,
                                 late_policy=g.get("late_policy", "accept"),
                                 status_posts=rem.get("status") or "coordinators")
        for room in g.get("rooms") or []:
            if group_store.group_for_room(db, room) is None:
                group_store.bind_room(db, group.id, room)
                counts["rooms"] += 1
            else:
                counts["rooms_skipped"] += 1
        for m in doc.get("members") or []:
            if m.get("delegation"):
                group_store.set_delegation(db, group.id, m["user"], m["delegation"], m.get("display_name"))
            if m.get("role") == "coordinator":
                group_store.set_coordinator(db, group.id, m["user"], True, m.get("display_name"))
            counts["members"] += 1
        session_ids: dict[int, int] = {}
        retired: dict[tuple, int] = {}     # (session id | None, list symbol | None, ref) → withdrawn question
        for s in doc.get("sessions") or []:
            items = [ImportedItem(number=it.get("number"), title=it["title"], kind=it.get("kind", "item"),
                                  start=_time(it.get("start"), "item start"), end=_time(it.get("end"), "item end"),
                                  presenters=list(it.get("presenters") or []), description=it.get("description"),
                                  questions=[q["text"] for q in it.get("questions") or []])
                     for it in s.get("items") or []]
            saved, _ = agenda_store.save_session(
                db, group.id, source_key=s.get("key") or f"restored-{s['id']}", title=s["title"],
                start=_time(s["start"], "session start"), end=_time(s["end"], "session end"),
                timezone=s.get("timezone") or tz, venue=s.get("venue"), symbol=s.get("symbol"),
                background=s.get("background"), items=items, deadline=_time(s.get("deadline"), "deadline"))
            session_ids[s["id"]] = saved.id
            for q in s.get("retired_questions") or []:
                retired[(s["id"], None, q["ref"])] = agenda_store.add_retired_question(
                    db, saved.id, q["ref"], q["text"], _time(q.get("retired_at"), "retired_at"))
            counts["sessions"] += 1
        list_ids: dict[str, int] = {}
        for lst in doc.get("question_lists") or []:
            saved, _ = agenda_store.save_list(
                db, group.id, name=lst["name"], symbol=lst["symbol"], short=lst.get("short") or lst["symbol"],
                description=lst.get("description"), questions=[(q["ref"], q["text"]) for q in lst["questions"]])
            list_ids[lst["symbol"]] = saved.id
            agenda_store.set_list_deadline(db, saved.id, session_id=session_ids.get(lst.get("session")),
                                           deadline=_time(lst.get("deadline"), "list deadline"))
            for q in lst.get("retired_questions") or []:
                retired[(None, lst["symbol"], q["ref"])] = agenda_store.add_retired_list_question(
                    db, saved.id, q["ref"], q["text"], _time(q.get("retired_at"), "retired_at"))
            counts["lists"] += 1
        for sub in doc.get("submissions") or []:
            if sub.get("withdrawn_question"):
                qid = retired.get((None, sub["list"], sub["ref"]) if sub.get("list") else (sub["session"], None, sub["ref"]))
                q = agenda_store.question_by_id(db, qid) if qid else None
            elif sub.get("list"):
                q = agenda_store.list_question(db, list_ids[sub["list"]], sub["ref"])
            else:
                q = agenda_store.session_question(db, session_ids[sub["session"]], sub["ref"])
            if q is None:
                raise DocumentError(f"an input refers to question {sub['ref']}, which the export does not contain")
            sub_store.restore(
                db, group_id=group.id, question_id=q.id, delegation=sub["delegation"], author=sub["author"],
                text=sub["text"], status=sub.get("status", "current"), disclosure=sub.get("disclosure", "group"),
                late=bool(sub.get("late")), note=sub.get("note"),
                created_at=_time(sub["created_at"], "created_at"), updated_at=_time(sub["updated_at"], "updated_at"),
                history=[{**h, "at": _time(h["at"], "history time")} for h in sub.get("history") or []],
                sent_at=_time(sub["sent_at"], "sent_at") if sub.get("sent_at") else None)
            counts["inputs"] += 1
        counts["floor lists"] = _restore_floor(db, group.id, doc.get("floor") or {}, session_ids)
        counts["notes"] = _restore_notes(db, group.id, doc, session_ids)
    return group_store.group_by_slug(db, slug), counts


def _restore_floor(db, group_id: int, floor: dict, session_ids: dict[int, int]) -> int:
    """The speakers' lists of the export (older exports have none), attached to the restored sessions' items."""
    from datetime import datetime, timezone
    from storage import floor as floor_store
    if not isinstance(floor, dict):
        raise DocumentError("floor: expected an object")
    now = datetime.now(timezone.utc)
    for c in floor.get("categories") or []:
        floor_store.set_category(db, group_id, c["key"], c["delegation"], c["category"], now)
    for c in floor.get("settings") or []:
        floor_store.set_label(db, group_id, c["category"], c.get("label"))
        floor_store.set_limit(db, group_id, c["category"], c.get("limit_seconds"))
    for lst in floor.get("lists") or []:
        session_id = session_ids.get(lst.get("session"))
        item_id = None
        if session_id is not None:
            item_id = next((i.id for i in agenda_store.items_of_session(db, session_id)
                            if i.number == lst.get("item_number") and i.title == lst["item_title"]), None)
        floor_store.restore_list(db, group_id, lst, session_id, item_id)
    return len(floor.get("lists") or [])


def _restore_notes(db, group_id: int, doc: dict, session_ids: dict[int, int]) -> int:
    """The notes of the export (older exports have none; ``_check`` validated them) on the restored sessions' items,
    and the rapporteurs."""
    rows = []
    for n in doc.get("notes") or []:
        session_id = session_ids.get(n.get("session"))
        item_id = None
        if session_id is not None:
            item_id = next((i.id for i in agenda_store.items_of_session(db, session_id)
                            if i.number == n.get("item_number") and i.title == n["item_title"]), None)
        rows.append({**n, "session_id": session_id, "item_id": item_id, "by_user": n["by"],
                     "due_at": _time(n.get("due_at"), "a note's date"),
                     "created_at": _time(n["created_at"], "a note's time"),
                     "updated_at": _time(n["updated_at"], "a note's time")})
    raps = [{**r, "added_at": _time(r["added_at"], "added_at")} for r in doc.get("rapporteurs") or []]
    notes_store.restore(db, group_id, rows, raps)
    return len(rows)
