"""The platform-neutral reply: a structure each adapter renders its own way.

User text travels raw inside these parts; every adapter escapes it when rendering
(Block Kit mrkdwn, Matrix HTML, the terminal). Times travel as instants (``When``) so
Slack can show each reader their own time zone while the console shows the session's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import field as _field      # Reply has an attribute called field
from datetime import datetime

from commands.text import timefmt


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Code:
    """A command or ref to type, shown in monospace."""
    text: str


@dataclass(frozen=True)
class When:
    moment: datetime
    tz: str
    style: str = "time"   # time | date | datetime

    def plain(self) -> str:
        if self.style == "date":
            return timefmt.long_date(self.moment, self.tz)
        if self.style == "datetime":
            return timefmt.short_datetime(self.moment, self.tz)
        return timefmt.hm(self.moment, self.tz)


@dataclass(frozen=True)
class Link:
    """A link the bot itself makes (never user text): ``label`` shown, ``url`` followed."""
    label: str
    url: str

    def plain(self) -> str:
        return self.url if self.label == self.url else f"{self.label}: {self.url}"


@dataclass(frozen=True)
class Quote:
    """Quoted user text (an input read back), its line breaks kept; rendered as a block quote."""
    text: str

    def plain(self) -> str:
        return "\n".join("> " + ln if ln else ">" for ln in self.text.split("\n"))


Part = str | Strong | Code | When | Link | Quote
Line = tuple[Part, ...]


def line(*parts: Part) -> Line:
    return tuple(p for p in parts if p not in (None, ""))


def plain_line(ln: Line) -> str:
    out = []
    for p in ln:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, (When, Link, Quote)):
            out.append(p.plain())
        else:
            out.append(p.text)
    return "".join(out)


@dataclass(frozen=True)
class Button:
    label: str
    action: str          # e.g. "submit_input"
    value: str           # e.g. "s12:2.6"


@dataclass
class Table:
    """Rows of cells under headers (the status grid, a history). A cell is text or a Line."""
    headers: list[str]
    rows: list[list]

    def plain_lines(self) -> list[str]:
        cells = [[c if isinstance(c, str) else plain_line(c) for c in row] for row in self.rows]
        widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(self.headers)]
        fmt = lambda row: "  ".join(v.ljust(widths[i]) for i, v in enumerate(row)).rstrip()  # noqa: E731
        return [fmt(self.headers)] + [fmt(r) for r in cells]


@dataclass
class Section:
    heading: Line | None = None
    body: list[Line] = field(default_factory=list)
    button: Button | None = None      # one button beside the text (Submit input beside a question)
    table: Table | None = None
    # The answers to the question the text asks, together under it (Approve / Refuse, Import / Cancel): a front end
    # without buttons shows none, so the text (and the reply's context) says how to answer in words too.
    actions: list[Button] = field(default_factory=list)


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass
class Field:
    """One input of a form. ``kind``: select | text | multiline | radio."""
    name: str
    label: str
    kind: str = "text"
    choices: list[Choice] = field(default_factory=list)
    initial: str | None = None
    optional: bool = False
    max_length: int | None = None
    hint: str | None = None
    placeholder: str | None = None     # for a select: what to choose
    too_long: str | None = None        # what to do when the current value does not fit the front end's field


@dataclass
class Form:
    """A request to open a form (a Slack modal). Submitting it runs ``command`` with the
    field values as ``Request.options`` (plus ``meta``); errors come back per field."""
    id: str
    title: str
    submit_label: str
    command: str
    fields: list[Field]
    meta: dict = field(default_factory=dict)
    intro: str | None = None


@dataclass
class Attachment:
    """A file for the asker. Big ones come with ``build`` instead of ``content``: the adapter calls it
    after acknowledging the request (in a worker thread, with its own database connection)."""
    filename: str
    content: bytes | None
    mimetype: str
    title: str | None = None
    build: object = None          # Callable[[db], bytes] | None

    def materialize(self, db) -> bytes:
        if self.content is None:
            self.content = self.build(db)
        return self.content


@dataclass
class Reply:
    """What a command answers. ``text`` is a short summary (notifications, fallbacks)."""
    text: str
    title: str | None = None
    sections: list[Section] = field(default_factory=list)
    context: list[Line] = field(default_factory=list)
    status: str = "ok"                 # ok | error
    public: bool = False               # shared in the room rather than shown only to the asker
    timezone: str | None = None        # the zone wall-clock times are given in, for the plain rendering
    files: list[Attachment] = field(default_factory=list)
    notices: list = field(default_factory=list)   # (target, Reply): others to tell (e.g. coordinators of a late input)
    form: Form | None = None           # a request to open a form (adapters that can, do)
    field: str | None = None           # for errors caused by one form field: its name
    expects: str | None = None         # a question value (S1:2.6): a reply to this message is input on it
    reply_command: str | None = None   # a reply to this message runs this command with the reply's words after it
    reply_group: int | None = None     # … in this group (the message may sit in a direct room, outside the group)
    recorded: dict | None = None       # a receipt: {"question": value, "delegation": name, "action": verb} of the
                                       # input this request stored (front ends link the message that carried it)
    rendered: dict = _field(default_factory=dict, compare=False, repr=False)   # a front end's memo of its rendering
    queued: bool = False               # the request put messages in the outbox (a rolling list): wake the outbox

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def plain(self) -> str:
        """The plain-text rendering: the console's output and every adapter's fallback."""
        out: list[str] = []
        if self.title:
            out.append(self.title)
            out.append("=" * min(len(self.title), 72))
        elif not self.sections:
            out.append(self.text)
        for sec in self.sections:
            if sec.table is not None:
                if sec.heading:
                    out.append(plain_line(sec.heading))
                out.extend("  " + t for t in sec.table.plain_lines())
                continue
            if sec.heading:
                out.append(plain_line(sec.heading))
            for ln in sec.body:
                text = plain_line(ln)
                out.append(("  " + text.replace("\n", "\n  ")) if sec.heading else text)
        if self.timezone:
            out.append(f"(times: {timefmt.zone_label(self.timezone)}, {self.timezone})")
        for ln in self.context:
            out.append(plain_line(ln))
        for f in self.files:
            out.append(f"[file: {f.filename}]")
        return "\n".join(out)


def error(message: str, *hints: Line, field: str | None = None) -> Reply:
    return Reply(text=message, sections=[Section(body=[line(message)])], context=list(hints), status="error",
                 field=field)


def info(message: str, *hints: Line, public: bool = False) -> Reply:
    return Reply(text=message, sections=[Section(body=[line(message)])], context=list(hints), public=public)
