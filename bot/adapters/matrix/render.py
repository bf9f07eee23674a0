"""Reply → Matrix message content: an escaped HTML ``formatted_body`` and a clean plain ``body``.

User text is HTML-escaped (no injected links, pills or markup), and ``m.mentions`` is set empty so
that no text can notify the room (``@room``) or a user: the bot never mentions anyone on purpose.
"""
from __future__ import annotations

import html
import re

from commands import timefmt
from commands.reply import Code, Reply, Strong, When

_ROOM_PING = re.compile(r"@room\b", re.IGNORECASE)
WORD_JOINER = "\u2060"


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def _defuse(text: str) -> str:
    return _ROOM_PING.sub("@" + WORD_JOINER + "room", text)


def html_line(ln) -> str:
    out = []
    for p in ln:
        if isinstance(p, str):
            out.append(esc(p).replace("\n", "<br>"))
        elif isinstance(p, Strong):
            out.append(f"<b>{esc(p.text)}</b>")
        elif isinstance(p, Code):
            out.append(f"<code>{esc(p.text)}</code>")
        elif isinstance(p, When):
            out.append(esc(f"{p.plain()}"))
    return "".join(out)


def to_html(reply: Reply) -> str:
    parts: list[str] = []
    if reply.title:
        parts.append(f"<h3>{esc(reply.title)}</h3>")
    for sec in reply.sections:
        if sec.heading:
            parts.append(f"<p>{html_line(sec.heading)}</p>")
            if sec.body:
                parts.append("<ul>" + "".join(f"<li>{html_line(ln)}</li>" for ln in sec.body) + "</ul>")
        elif sec.body:
            parts.append("<p>" + "<br>".join(html_line(ln) for ln in sec.body) + "</p>")
    if reply.timezone:
        parts.append(f"<p><em>Times: {esc(timefmt.zone_label(reply.timezone))} ({esc(reply.timezone)})</em></p>")
    if reply.context:
        parts.append("<p><em>" + "<br>".join(html_line(ln) for ln in reply.context) + "</em></p>")
    return "".join(parts)


def content(reply: Reply, *, reply_to: str | None = None, extra: dict | None = None) -> dict:
    body = reply.plain() if reply.ok else "⚠ " + reply.plain()
    c = {"msgtype": "m.notice", "body": _defuse(body), "format": "org.matrix.custom.html",
         "formatted_body": _defuse(("⚠ " if not reply.ok else "") + to_html(reply)), "m.mentions": {}}
    if reply_to:
        c["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    if extra:
        c.update(extra)
    return c


def strip_reply_fallback(body: str) -> str:
    """A reply's body starts with the quoted original ("> <@a:b> …" lines, then a blank line)."""
    lines = body.split("\n")
    if lines and lines[0].startswith("> "):
        i = 0
        while i < len(lines) and lines[i].startswith(">"):
            i += 1
        if i < len(lines) and lines[i] == "":
            i += 1
        return "\n".join(lines[i:])
    return body
