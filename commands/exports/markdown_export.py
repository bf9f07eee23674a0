"""Markdown compilation: the same content as the DOCX, readable as plain text."""
from __future__ import annotations

import re

from commands.text.words import count
from commands.text import timefmt
from commands.exports.compilation import WITHDRAWN_NOTE, RESTRICTED, Compilation, input_marks
from commands.text.sanitize import clean

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


_LINE_START = re.compile(r"^(\s*)([-+=>~]|\d+[.)])", re.M)


def md(text: str) -> str:
    """Escape Markdown (and HTML) so user text renders as written, never as markup, links or structure (a line
    of user text starting with -, +, =, >, ~ or "1." would otherwise become a list, a heading rule or a quote)."""
    text = _SPECIAL.sub(r"\\\1", clean(text or ""))
    def guard(m):
        mark = m.group(2)
        return m.group(1) + (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark)
    return _LINE_START.sub(guard, text)


def build_markdown(c: Compilation) -> bytes:
    out: list[str] = []
    if c.restricted:
        out.append(f"> **{RESTRICTED}.** Do not forward outside the coordinators.\n")
    if c.symbol:
        out.append(f"**{md(c.symbol)}**\n")
    out.append(f"# {md(c.title)}\n")
    out.append(f"{md(c.group.name)}  ")
    for text in filter(None, [c.when, c.venue]):
        out.append(f"{md(text)}  ")
    out.append("\n**Compilation of written inputs**  ")
    out.append(f"_Prepared by Convene on {timefmt.short_datetime(c.generated_at, c.tz)} ({timefmt.zone_label(c.tz)})"
               + (f" · input deadline {md(c.deadline)}" if c.deadline else "") + "_\n")
    if c.withheld and not c.restricted:
        out.append(f"_Public edition: {count(c.withheld, 'input')} for the coordinators only "
                   f"{'is' if c.withheld == 1 else 'are'} not included._\n")
    out.append("## Summary\n")
    out.append("| Ref | Inputs | From |")
    out.append("|---|---|---|")
    for q in c.questions:
        out.append(f"| {md(q.label)} | {len(q.inputs)} | {md(', '.join(i.delegation for i in q.inputs)) or '—'} |")
    out.append("")
    out.append(f"{count(len(c.contributing), 'delegation')} contributed"
               + (f"; registered without input: {md(', '.join(c.missing))}" if c.missing else "") + ".\n")
    for sec in c.sections:
        heading = f"{sec.number}. {sec.title}" if sec.number else sec.title
        out.append(f"## {md(heading)}\n")
        if sec.kind == "withdrawn":
            out.append(f"_{WITHDRAWN_NOTE}_\n")
        for q in sec.questions:
            out.append(f"### Question {md(q.label)}\n")
            out.append(f"_{md(' '.join(q.text.split()))}_\n")
            if not q.inputs:
                out.append("No written input received.\n")
            for i in q.inputs:
                out.append(f"**{md(i.delegation)}** — {timefmt.short_datetime(i.updated_at, c.tz)}{input_marks(i)}\n")
                out.append("\n".join("> " + md(ln) if ln.strip() else ">" for ln in i.text.split("\n")) + "\n")
                if i.note:
                    out.append(f"_Note: {md(i.note)}_\n")
    return ("\n".join(out) + "\n").encode("utf-8")
