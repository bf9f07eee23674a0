"""Matrix message content → the text the person wrote.

The whole text is the input: only Matrix's *reply fallback* is removed (the ``<mx-reply>`` block of the HTML, and
in the plain body the leading ``> <@user:server> …`` quote lines and the blank line after them, which clients add
to a reply). A delegate's own quotes stay. When the message has HTML (``formatted_body``, which Element makes from
the Markdown typed), the HTML is turned back into Markdown-like plain text: list items (``- ``, ``1. ``), emphasis
(``*x*``, ``**x**``), code (`` `x` `` and fenced blocks), block quotes (``> ``), headings, links, and pills as
the person's display name (or, for commands that name people, as their user id).
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Callable

_MATRIX_TO_USER = re.compile(r"^https://matrix\.to/#/(@[^/?#]+)", re.I)
_FALLBACK_FIRST = re.compile(r"^> (\* )?<[@!][^>\s]+>")


def is_reply(content: dict) -> bool:
    return bool(((content.get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id"))


def strip_reply_fallback(body: str, *, reply: bool = True) -> str:
    """The body without the quoted original a client put in front of a reply: "> <@a:b> …" (then "> " lines) and the
    blank line after them. Only that: a body that starts with the person's own quote ("> The plan says…") is kept."""
    if not reply or not _FALLBACK_FIRST.match(body or ""):
        return body or ""
    lines = body.split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith(">"):
        i += 1
    if i < len(lines) and lines[i] == "":
        i += 1
    return "\n".join(lines[i:])


def pill_target(href: str) -> str | None:
    m = _MATRIX_TO_USER.match(href or "")
    return html.unescape(m.group(1)) if m else None


class _Markdown(HTMLParser):
    """Element's HTML (the spec's allowed tags) → Markdown-like text."""

    BLOCKS = {"p", "div", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}

    def __init__(self, person: Callable[[str, str], str]):
        super().__init__(convert_charrefs=True)
        self.person = person
        self.out: list[str] = []              # finished blocks' text, joined at the end
        self.line: list[str] = []             # the block being written
        self.lists: list[list] = []           # [kind, counter] per open list
        self.quote = 0
        self.pre = 0
        self.skip = 0                         # inside <mx-reply>
        self.link: list[tuple[str, str | None, list[str]]] = []
        self.blocks: list[tuple[str, int | None]] = []    # (text, the outermost list it belongs to)
        self.list_no = 0

    # blocks -------------------------------------------------------------------------------
    def _flush(self) -> None:
        text = "".join(self.line)
        if re.fullmatch(r"\s*(- |\d+\. )", text):
            return          # a list item's marker waits for its text (<li><p>…</p></li>)
        self.line = []
        if not self.pre:
            text = re.sub(r"[ \t]+\n", "\n", text)
        if text.strip("\n") == "" and not self.pre:
            return
        prefix = "> " * self.quote
        lines = text.strip("\n").split("\n") if not self.pre else text.rstrip("\n").split("\n")
        self.blocks.append(("\n".join((prefix + ln) if prefix else ln for ln in lines),
                            self.list_no if self.lists else None))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "mx-reply":
            self.skip += 1
            return
        if self.skip:
            return
        if tag in self.BLOCKS or tag == "li":
            self._flush()
        if tag == "br":
            self.line.append("\n")
        elif tag in ("ul", "ol"):
            if not self.lists:
                self.list_no += 1
            start = attrs.get("start")
            self.lists.append([tag, int(start) - 1 if start and start.isdigit() else 0])
        elif tag == "li":
            indent = "  " * max(0, len(self.lists) - 1)
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] += 1
                self.line.append(f"{indent}{self.lists[-1][1]}. ")
            else:
                self.line.append(f"{indent}- ")
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
            self.line.append("```\n")
        elif tag in ("em", "i"):
            self.line.append("*")
        elif tag in ("strong", "b"):
            self.line.append("**")
        elif tag in ("del", "s", "strike"):
            self.line.append("~~")
        elif tag == "code" and not self.pre:
            self.line.append("`")
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.line.append("#" * int(tag[1]) + " ")
        elif tag == "hr":
            self.blocks.append(("---", None))
        elif tag == "a":
            self.link.append((attrs.get("href") or "", pill_target(attrs.get("href") or ""), self.line))
            self.line = []
        elif tag == "img":
            self.line.append(attrs.get("alt") or "")

    def handle_endtag(self, tag):
        if tag == "mx-reply":
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "a" and self.link:
            href, user, before = self.link.pop()
            label = "".join(self.line)
            self.line = before
            if user:
                self.line.append(self.person(user, label))
            elif href and href != label and not href.startswith("https://matrix.to/"):
                self.line.append(f"{label} ({href})" if label else href)
            else:
                self.line.append(label)
        elif tag in ("em", "i"):
            self.line.append("*")
        elif tag in ("strong", "b"):
            self.line.append("**")
        elif tag in ("del", "s", "strike"):
            self.line.append("~~")
        elif tag == "code" and not self.pre:
            self.line.append("`")
        elif tag == "pre":
            self.line.append("```" if "".join(self.line).endswith("\n") else "\n```")
            self._flush()
            self.pre = max(0, self.pre - 1)
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._flush()
            self.quote = max(0, self.quote - 1)
        elif tag in self.BLOCKS or tag == "li":
            self._flush()

    def handle_data(self, data):
        if self.skip:
            return
        if not self.pre:
            # Whitespace between blocks is nothing; the line break Element writes after a <br> is the same break.
            # Other line breaks are kept: some clients put them in the HTML as they were typed.
            if not data.strip() and "\n" in data:
                return
            if "".join(self.line).endswith("\n") or not self.line:
                data = data.lstrip("\n")
        self.line.append(data)

    def text(self) -> str:
        self._flush()
        out: list[str] = []
        for i, (block, in_list) in enumerate(self.blocks):
            # the items of one list follow each other line by line; other blocks are paragraphs
            tight = i and in_list is not None and self.blocks[i - 1][1] == in_list
            out.append(("\n" if tight else "\n\n") + block if i else block)
        return "".join(out).strip("\n")


def html_to_text(formatted: str, person: Callable[[str, str], str]) -> str:
    parser = _Markdown(person)
    parser.feed(formatted or "")
    parser.close()
    return parser.text()


def message_text(content: dict, person: Callable[[str, str], str] | None = None) -> str:
    """What the person wrote in this content (an event's, or an edit's ``m.new_content``). ``person(user_id, label)``
    says how a pill is written (default: its label)."""
    person = person or (lambda user, label: label)
    formatted = content.get("formatted_body") if content.get("format") == "org.matrix.custom.html" else None
    if isinstance(formatted, str) and formatted.strip():
        return html_to_text(formatted, person)
    return strip_reply_fallback(content.get("body") or "", reply=is_reply(content))
