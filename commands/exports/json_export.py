"""The JSON export: Convene's interchange and backup format. Its shape is a contract (README:
"JSON export"); add keys, never rename or remove them.

Session, item and deadline times are ISO 8601 in the session's zone with its offset;
``created_at``/``updated_at``/history times are UTC.
"""
from __future__ import annotations

import json

from commands.rules import visibility
from commands.rules.lateness import late_ids
from commands.text import timefmt
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import submissions as sub_store
from storage.db import to_iso, to_iso_exact
from storage.models import Group

FORMAT_VERSION = 1


def group_document(db, group: Group, edition: str = "full") -> dict:
    """The whole group. ``edition`` full (a backup: every input) or public (restricted inputs left out, text and
    history: commands.rules.visibility); ``late`` is derived under the deadlines in force (commands.rules.lateness)."""
    sessions = agenda_store.sessions_of_group(db, group.id)
    lists = agenda_store.lists_of_group(db, group.id)
    sessions_out = []
    for s in sessions:
        qs = agenda_store.questions_of_session(db, s.id)
        items_out = []
        for it in agenda_store.items_of_session(db, s.id):
            items_out.append({
                "number": it.number, "title": it.title, "kind": it.kind,
                "start": timefmt.iso_local(it.start, s.timezone), "end": timefmt.iso_local(it.end, s.timezone),
                "presenters": list(it.presenters), "description": it.description,
                "questions": [{"ref": q.ref, "text": q.text} for q in qs if q.item_id == it.id],
            })
        orphans = [{"ref": q.ref, "text": q.text, "retired_at": to_iso(q.retired_at)}
                   for q in agenda_store.retired_questions(db, session_id=s.id)]
        entry = {
            "id": s.id, "key": s.source_key, "title": s.title,
            "start": timefmt.iso_local(s.start, s.timezone), "end": timefmt.iso_local(s.end, s.timezone),
            "timezone": s.timezone, "venue": s.venue, "symbol": s.symbol, "background": s.background,
            "deadline": timefmt.iso_local(s.deadline, s.timezone), "items": items_out,
        }
        if orphans:
            entry["retired_questions"] = orphans
        sessions_out.append(entry)
    lists_out = []
    for lst in lists:
        entry = {"id": lst.id, "name": lst.name, "symbol": lst.symbol, "short": lst.short,
                 "description": lst.description, "open": lst.is_open,
                 "questions": [{"ref": q.ref, "text": q.text} for q in agenda_store.questions_of_list(db, lst.id)]}
        if lst.session_id is not None:
            entry["session"] = lst.session_id
        if lst.deadline is not None:
            entry["deadline"] = to_iso(lst.deadline)
        retired = agenda_store.retired_questions(db, list_id=lst.id)
        if retired:
            entry["retired_questions"] = [{"ref": q.ref, "text": q.text, "retired_at": to_iso(q.retired_at)}
                                          for q in retired]
        lists_out.append(entry)
    members_out = [{"user": m.user, "display_name": m.display_name, "delegation": m.delegation,
                    "role": "coordinator" if m.is_coordinator else "delegate",
                    "created_at": to_iso(m.created_at), "updated_at": to_iso(m.updated_at)}
                   for m in group_store.members_of_group(db, group.id)]
    list_symbol = {lst.id: lst.symbol for lst in lists}
    subs_out = []
    subs = sub_store.of_group(db, group.id)
    late = late_ids(db, subs)
    kept = [sub for sub in subs if visibility.in_edition(sub, edition)]
    for sub in kept:
        subs_out.append({
            "session": sub.session_id, "list": list_symbol.get(sub.list_id), "ref": sub.ref,
            **({"withdrawn_question": True} if sub.question_retired else {}),
            "delegation": sub.delegation, "author": sub.author, "text": sub.text, "status": sub.status,
            "disclosure": sub.disclosure, "late": sub.id in late, "note": sub.note,
            "created_at": to_iso(sub.created_at), "updated_at": to_iso(sub.updated_at), "sent_at": to_iso_exact(sub.sent_at),
            "history": [{"action": h.action, "author": h.author, "text": h.text, "status": h.status,
                         "at": to_iso(h.at)} for h in sub_store.history(db, sub.id)],
        })
    return {
        "format": "convene-group", "version": FORMAT_VERSION, "edition": edition,
        **({"withheld": len(subs) - len(kept)} if edition == "public" else {}),
        "group": {"slug": group.slug, "name": group.name, "timezone": group.timezone,
                  "reminders": {"session": group.session_offsets, "deadline": group.deadline_offsets,
                                "status": group.status_posts},
                  "registration": group.registration, "late_policy": group.late_policy,
                  "rooms": group_store.rooms_of_group(db, group.id), "created_at": to_iso(group.created_at)},
        "sessions": sessions_out,
        "question_lists": lists_out,
        "members": members_out,
        "submissions": subs_out,
        "floor": floor_document(db, group),
        **notes_document(db, group),
    }


def notes_document(db, group: Group) -> dict:
    """The notes of the sessions (``notes``: numbered, each on its session and item, times in UTC) and the group's
    rapporteurs."""
    from storage import notes as notes_store
    notes, raps = notes_store.export(db, group.id)
    return {"notes": [{"number": n["number"], "session": n["session_id"], "item_number": n["item_number"],
                       "item_title": n["item_title"], "kind": n["kind"], "text": n["text"], "holder": n["holder"],
                       "holder_kind": n["holder_kind"], "due_at": n["due_at"], "by": n["by_user"],
                       "created_at": n["created_at"], "updated_at": n["updated_at"]} for n in notes],
            "rapporteurs": [{"user": r["user"], "added_by": r["added_by"], "added_at": r["added_at"]} for r in raps]}


def floor_document(db, group: Group) -> dict:
    """The speakers' lists: categories, labels and limits, and per item its requests, its statements and its record
    — the statements and the record are ``floor log``'s, from the same function (times in UTC)."""
    from commands.families.floor_list import log_entries
    from storage import floor as floor_store
    lists = []
    for lst in floor_store.lists_of_group(db, group.id):
        statements, events = log_entries(db, lst)
        lists.append({
            "session": lst.session_id, "item_number": lst.item_number, "item_title": lst.item_title,
            "status": lst.status, "order": lst.order_rule, "lot_seed": lst.lot_seed, "opened_by": lst.opened_by,
            "opened_at": to_iso(lst.opened_at), "ended_at": to_iso(lst.ended_at),
            "requests": [{"id": r.id, "delegation": r.delegation, "key": r.key, "kind": r.kind, "ref": r.ref,
                          "requested_by": r.requested_by, "requested_at": to_iso(r.requested_at),
                          "position": r.position, "status": r.status} for r in floor_store.requests(db, lst.id)],
            "statements": [{**s, "started_at": to_iso(s["started_at"]), "ended_at": to_iso(s["ended_at"])}
                           for s in statements],
            "record": [{**e, "at": to_iso(e["at"])} for e in events],
        })
    return {"categories": [{"delegation": name, "key": key, "category": category}
                           for key, (name, category) in floor_store.categories(db, group.id).items()],
            "settings": [{"category": c, "label": label, "limit_seconds": limit}
                         for c, (label, limit) in sorted(floor_store.category_settings(db, group.id).items())],
            "lists": lists}


def export_json(db, group: Group, edition: str = "full") -> bytes:
    return json.dumps(group_document(db, group, edition), ensure_ascii=False, indent=2).encode("utf-8")
