"""A session (or a whole group's agenda) in the hand-written YAML format (docs/agenda-format.md): what a
coordinator corrects when the reader got something wrong, then imports again to update the session in place.
Export → import → export gives the same file."""
from __future__ import annotations

import yaml

from commands.text import timefmt
from storage import agenda as agenda_store
from storage.models import Group, Session


class _Dumper(yaml.SafeDumper):
    """Block style throughout; several-line texts as literal blocks (|), so that they read as written."""


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _hm(moment, tz) -> str | None:
    return timefmt.to_local(moment, tz).strftime("%H:%M") if moment else None


def session_mapping(db, s: Session) -> dict:
    tz = s.timezone
    local = timefmt.to_local(s.start, tz)
    out: dict = {"title": s.title, "key": s.source_key, "date": local.date().isoformat(),
                 "start": _hm(s.start, tz), "end": _hm(s.end, tz), "timezone": tz}
    for name, value in (("venue", s.venue), ("symbol", s.symbol)):
        if value:
            out[name] = value
    if s.deadline:
        out["deadline"] = timefmt.to_local(s.deadline, tz).strftime("%Y-%m-%d %H:%M")
    if s.background:
        out["background"] = s.background
    questions = agenda_store.questions_of_session(db, s.id)
    items = []
    for it in agenda_store.items_of_session(db, s.id):
        entry: dict = {"break": it.title} if it.kind == "break" else {"number": it.number, "title": it.title}
        for name, value in (("start", _hm(it.start, tz)), ("end", _hm(it.end, tz))):
            if value:
                entry[name] = value
        if it.presenters:
            entry["presenters"] = list(it.presenters)
        if it.description:
            entry["description"] = it.description
        mine = [q.text for q in questions if q.item_id == it.id]
        if mine:
            entry["questions"] = mine
        items.append(entry)
    out["items"] = items
    return out


def list_mapping(db, lst) -> dict:
    out = {"symbol": lst.symbol, "name": lst.name}
    if lst.description:
        out["description"] = lst.description
    out["questions"] = {q.ref: q.text for q in agenda_store.questions_of_list(db, lst.id)}
    return out


def build_yaml(db, group: Group, session: Session | None) -> bytes:
    head = (f"# {group.name}: exported by Convene in the hand-written agenda format (docs/agenda-format.md).\n"
            f"# Correct it and import it again (convene import FILE --group {group.slug}): the session is updated in\n"
            "# place, recognised by its key; inputs stay with their questions.\n")
    if session is not None:
        data = session_mapping(db, session)
    else:
        data = {"sessions": [session_mapping(db, s) for s in agenda_store.sessions_of_group(db, group.id)]}
        lists = agenda_store.lists_of_group(db, group.id)
        if lists:
            data["lists"] = [list_mapping(db, lst) for lst in lists]
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return (head + body).encode("utf-8")
