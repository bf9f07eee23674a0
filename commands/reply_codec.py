"""A Reply the bot sends on its own, as JSON and back: the outbox keeps it on disk until it is delivered.

Only what a notice or a reminder carries is encoded: text, title, sections (headings, lines, buttons, tables),
context, status, public, timezone. Forms, files, notices and receipts never travel through the outbox (they
answer the asker directly); a reply that has them is refused, not half-encoded.
"""
from __future__ import annotations

import json
from datetime import datetime

from commands.reply import Button, Code, Link, Quote, Reply, Section, Strong, Table, When


def _part(p):
    if isinstance(p, str):
        return p
    if isinstance(p, Strong):
        return {"strong": p.text}
    if isinstance(p, Code):
        return {"code": p.text}
    if isinstance(p, When):
        return {"when": p.moment.isoformat(), "tz": p.tz, "style": p.style}
    if isinstance(p, Link):
        return {"link": p.url, "label": p.label}
    if isinstance(p, Quote):
        return {"quote": p.text}
    raise TypeError(f"cannot encode {type(p).__name__}")


def _unpart(d):
    if isinstance(d, str):
        return d
    if "strong" in d:
        return Strong(d["strong"])
    if "code" in d:
        return Code(d["code"])
    if "when" in d:
        return When(datetime.fromisoformat(d["when"]), d["tz"], d["style"])
    if "link" in d:
        return Link(d["label"], d["link"])
    if "quote" in d:
        return Quote(d["quote"])
    raise ValueError(f"unknown part {sorted(d)}")


def _line(ln):
    return None if ln is None else [_part(p) for p in ln]


def _unline(ln):
    return None if ln is None else tuple(_unpart(p) for p in ln)


def _cell(c):
    return c if isinstance(c, str) else _line(c)


def _uncell(c):
    return c if isinstance(c, str) else _unline(c)


def dumps(reply: Reply) -> str:
    if reply.form is not None or reply.files or reply.notices or reply.recorded:
        raise ValueError("only messages (no forms, files, notices or receipts) go through the outbox")
    return json.dumps({
        "text": reply.text, "title": reply.title, "status": reply.status, "public": reply.public,
        "timezone": reply.timezone, "context": [_line(ln) for ln in reply.context],
        "reply_command": reply.reply_command, "reply_group": reply.reply_group,
        "sections": [{"heading": _line(s.heading), "body": [_line(ln) for ln in s.body],
                      "button": [s.button.label, s.button.action, s.button.value] if s.button else None,
                      "actions": [[b.label, b.action, b.value] for b in s.actions],
                      "table": {"headers": s.table.headers, "rows": [[_cell(c) for c in r] for r in s.table.rows]}
                      if s.table else None} for s in reply.sections],
    }, ensure_ascii=False)


def loads(raw: str) -> Reply:
    d = json.loads(raw)
    return Reply(
        text=d["text"], title=d["title"], status=d["status"], public=d["public"], timezone=d["timezone"],
        context=[_unline(ln) for ln in d["context"]], reply_command=d.get("reply_command"),
        reply_group=d.get("reply_group"),
        sections=[Section(heading=_unline(s["heading"]), body=[_unline(ln) for ln in s["body"]],
                          button=Button(*s["button"]) if s["button"] else None,
                          actions=[Button(*b) for b in s.get("actions") or []],
                          table=Table(s["table"]["headers"], [[_uncell(c) for c in r] for r in s["table"]["rows"]])
                          if s["table"] else None) for s in d["sections"]])
