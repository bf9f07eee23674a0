"""Reply → Matrix message content: an escaped HTML ``formatted_body`` and a clean plain ``body``.

User text is HTML-escaped (no injected links, pills or markup), and ``m.mentions`` is set empty so
that no text can notify the room (``@room``) or a user: the bot never mentions anyone on purpose.
"""
from __future__ import annotations

import dataclasses
import html
import json
import re

from commands.text.words import count
from commands.text import timefmt
from commands.reply import Code, Link, Quote, Reply, Section, Strong, When, line

# Matrix events are limited to 65,536 bytes of JSON; leave room for the envelope the server adds.
MAX_CONTENT_BYTES = 56_000

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
        elif isinstance(p, Link):
            out.append(f'<a href="{esc(p.url)}">{esc(p.label)}</a>')
        elif isinstance(p, Quote):
            paras = [esc(par).replace("\n", "<br>") for par in p.text.split("\n\n")]
            out.append("<blockquote>" + "".join(f"<p>{par}</p>" for par in paras) + "</blockquote>")
    return "".join(out)


def _is_quote(ln) -> bool:
    return len(ln) == 1 and isinstance(ln[0], Quote)


def _paragraphs(lines) -> list[str]:
    """Lines joined into paragraphs with <br>; a quoted text stands as its own block."""
    out, run = [], []
    for ln in lines:
        if _is_quote(ln):
            if run:
                out.append("<p>" + "<br>".join(run) + "</p>")
                run = []
            out.append(html_line(ln))
        else:
            run.append(html_line(ln))
    if run:
        out.append("<p>" + "<br>".join(run) + "</p>")
    return out


def to_html(reply: Reply, warning: bool = False) -> str:
    parts: list[str] = []
    if reply.title:
        parts.append(f"<h3>{'⚠ ' if warning else ''}{esc(reply.title)}</h3>")
        warning = False
    for sec in reply.sections:
        if sec.table is not None:
            parts.append(_table(sec))
            continue
        if sec.heading:
            parts.append(f"<p>{'⚠ ' if warning else ''}{html_line(sec.heading)}</p>")
            if sec.body:
                items = [ln for ln in sec.body if not _is_quote(ln)]
                if items:
                    parts.append("<ul>" + "".join(f"<li>{html_line(ln)}</li>" for ln in items) + "</ul>")
                parts += [html_line(ln) for ln in sec.body if _is_quote(ln)]
        elif sec.body:
            paras = _paragraphs(sec.body)
            if warning and paras and paras[0].startswith("<p>"):
                paras[0] = "<p>⚠ " + paras[0][3:]
            parts += paras
        else:
            continue
        warning = False
    if reply.timezone:
        parts.append(f"<p><em>Times: {esc(timefmt.zone_label(reply.timezone))} ({esc(reply.timezone)})</em></p>")
    if reply.context:
        parts.append("<p><em>" + "<br>".join(html_line(ln) for ln in reply.context) + "</em></p>")
    return "".join(parts)


def _size(c: dict) -> int:
    return len(json.dumps(c, ensure_ascii=False).encode("utf-8"))


def content(reply: Reply, *, reply_to: str | None = None, extra: dict | None = None,
            thread: str | None = None) -> dict:
    """The message content, cut to fit Matrix's event size: whole sections are dropped from the end
    (with a pointer to a narrower command); as a last resort the plain body alone is sent, clipped."""
    c = _content(reply, reply_to, extra, thread)
    if _size(c) <= MAX_CONTENT_BYTES:
        return c
    sections = list(reply.sections)
    dropped = 0
    while len(sections) > 1:
        sections.pop()
        dropped += 1
        note = Section(body=[line(f"… {count(dropped, 'more part')} not shown: Matrix messages are limited in size. "
                                  "Ask for one item or question (!agenda 2, !inputs question 2.6), or export "
                                  "(!inputs export md).")])
        c = _content(dataclasses.replace(reply, sections=sections + [note]), reply_to, extra, thread)
        if _size(c) <= MAX_CONTENT_BYTES:
            return c
    c.pop("format", None)
    c.pop("formatted_body", None)
    body = c["body"]
    while _size(c) > MAX_CONTENT_BYTES:
        body = body[: int(len(body) * 0.8)]
        c["body"] = body + "\n… (cut: Matrix messages are limited in size; export for the whole text)"
    return c


def _table(sec: Section) -> str:
    """A table Element renders (the spec's allowed tags: table, thead, tbody, tr, th, td, caption)."""
    t = sec.table
    head = "".join(f"<th>{esc(h)}</th>" for h in t.headers)
    rows = "".join("<tr>" + "".join(f"<td>{html_line(c) if isinstance(c, tuple) else esc(str(c))}</td>"
                                    for c in row) + "</tr>" for row in t.rows)
    caption = f"<caption>{html_line(sec.heading)}</caption>" if sec.heading else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _content(reply: Reply, reply_to: str | None, extra: dict | None, thread: str | None = None) -> dict:
    body = reply.plain() if reply.ok else "⚠ " + reply.plain()
    c = {"msgtype": "m.notice", "body": _defuse(body), "format": "org.matrix.custom.html",
         "formatted_body": _defuse(to_html(reply, warning=not reply.ok)), "m.mentions": {}}
    if thread:
        # Answered in the thread it was asked in (with the reply fallback clients without threads show).
        c["m.relates_to"] = {"rel_type": "m.thread", "event_id": thread, "is_falling_back": not reply_to,
                             "m.in_reply_to": {"event_id": reply_to or thread}}
    elif reply_to:
        c["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    if extra:
        c.update(extra)
    return c


def edit(reply: Reply, original: str, *, extra: dict | None = None) -> dict:
    """An ``m.replace`` edit of the bot's message ``original`` to read ``reply`` (the rolling list of speakers):
    Element shows ``m.new_content``; clients without edits show the fallback, the whole new text after "* ",
    which reads well on its own."""
    new = content(reply, extra=extra)
    new.pop("m.relates_to", None)
    fallback = {"msgtype": new["msgtype"], "body": "* " + new["body"], "m.mentions": {},
                "m.new_content": new, "m.relates_to": {"rel_type": "m.replace", "event_id": original}}
    if "formatted_body" in new:
        fallback.update(format=new["format"], formatted_body="* " + new["formatted_body"])
    return fallback
