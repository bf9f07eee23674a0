"""Restoring a group from its JSON export (``convene import FILE.json`` without ``--group``).

The whole group comes back in one transaction: settings, rooms (those not bound elsewhere),
members and roles, sessions with items and questions, question lists, inputs with their history.
A file that is not a Convene export, or a slug that already exists, changes nothing.
"""
from __future__ import annotations

import json
from datetime import datetime

from commands import signals, timefmt
from commands.sanitize import clean_tree
from commands.importers.model import DocumentError
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import submissions as sub_store
from storage.db import write_tx
from storage.models import ImportedItem


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


def restore_group(db, raw: bytes | str, *, slug: str | None = None) -> tuple[object, dict]:
    try:
        doc = clean_tree(json.loads(raw))
    except ValueError as e:
        raise DocumentError(f"not JSON: {e}", getattr(e, "lineno", None))
    except RecursionError:
        raise DocumentError("the JSON is nested too deeply to be a Convene export")
    if not isinstance(doc, dict) or doc.get("format") != "convene-group" or "group" not in doc:
        raise DocumentError("not a Convene group export (expected \"format\": \"convene-group\")")
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
    except (KeyError, TypeError, AttributeError) as e:
        raise DocumentError(f"the export is incomplete or damaged (at {e}); nothing was restored")


def _restore(db, doc, g, slug, tz, counts):
    with write_tx(db):
        group = group_store.create_group(db, slug, g.get("name") or slug, tz)
        rem = g.get("reminders") or {}
        group_store.update_group(db, group.id, session_offsets=rem.get("session", group.session_offsets),
                                 deadline_offsets=rem.get("deadline", group.deadline_offsets),
                                 registration=g.get("registration", "open"),
                                 late_policy=g.get("late_policy", "accept"))
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
        for s in doc.get("sessions") or []:
            items = [ImportedItem(number=it.get("number"), title=it["title"], kind=it.get("kind", "item"),
                                  start=_time(it.get("start"), "item start"), end=_time(it.get("end"), "item end"),
                                  presenters=list(it.get("presenters") or []), description=it.get("description"),
                                  questions=[q["text"] for q in it.get("questions") or []])
                     for it in s.get("items") or []]
            saved, _, _ = agenda_store.save_session(
                db, group.id, source_key=s.get("key") or f"restored-{s['id']}", title=s["title"],
                start=_time(s["start"], "session start"), end=_time(s["end"], "session end"),
                timezone=s.get("timezone") or tz, venue=s.get("venue"), symbol=s.get("symbol"),
                background=s.get("background"), items=items, deadline=_time(s.get("deadline"), "deadline"))
            session_ids[s["id"]] = saved.id
            for q in s.get("retired_questions") or []:
                agenda_store.add_retired_question(db, saved.id, q["ref"], q["text"])
            counts["sessions"] += 1
        list_ids: dict[str, int] = {}
        for lst in doc.get("question_lists") or []:
            saved, _, _ = agenda_store.save_list(
                db, group.id, name=lst["name"], symbol=lst["symbol"], short=lst.get("short") or lst["symbol"],
                description=lst.get("description"), questions=[(q["ref"], q["text"]) for q in lst["questions"]])
            list_ids[lst["symbol"]] = saved.id
            counts["lists"] += 1
        for sub in doc.get("submissions") or []:
            if sub.get("list"):
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
                history=[{**h, "at": _time(h["at"], "history time")} for h in sub.get("history") or []])
            counts["inputs"] += 1
    signals.schedule_changed.fire()
    return group_store.group_by_slug(db, slug), counts
