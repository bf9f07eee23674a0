"""The same hostile text through every place text leaves the bot, each read back with its own reader:
Slack blocks and notification text, the Home tab and forms, Matrix HTML and plain body, the terminal,
CSV, Markdown, DOCX, iCalendar and the JSON export. Hostile: Slack control codes, HTML, spreadsheet
formulas, bidi overrides, zero-width characters, NUL, lone surrogates, a 19,000-character line,
newlines and Markdown structure."""
from __future__ import annotations

from bot import frontends
from commands.contract import FormContext

import csv
import io
import json
import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
from docx import Document
from icalendar import Calendar

from bot.adapters.console import render as console_render
from bot.adapters.matrix import render as matrix_render
from bot.adapters.slack import blocks as bk
from commands.exports import render as export
from commands.families.home import home
from commands.importers.apply import import_document
from commands.importers.model import ParsedDocument, ParsedItem, ParsedSession
from commands.notices import deadline_nudge, plan, session_reminder
from storage import agenda as agenda_store
from storage import groups as group_store

SLACK = "<!channel> <!here|here> <!subteam^S0|@team> <@U0ANA> <#C0123|general> <https://evil.example|click me>"
HTML = "<b>bold</b><script>alert(1)</script><a href='https://evil.example'>y</a><img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example","open")'
CORPUS = [
    SLACK, "@channel @here @everyone @room", HTML, FORMULA, "+1+2", "-2+3", "@SUM(A1)", "\t=1+1",
    "evil\u202e\u2066txt.exe", "zero\u200bwidth\u2060joiner", "nul\x00byte\x07bell\x1b[31mred",
    "lone\ud800surrogate\udfff", "line one\nline two\n\n# heading\n- list item\n---\n1. numbered\n> quote",
    "&amp; &lt;not a tag&gt; &#64;channel",
]
LONG = "x" * 19_000


@pytest.fixture
def hostile(db, group, clock):
    title = "Session " + SLACK + " " + HTML
    items = [ParsedItem(number=str(i + 1), title=f"Item {i + 1}: {text.splitlines()[0][:200]}",
                        presenters=[SLACK], questions=[f"Question {text}?"])
             for i, text in enumerate(CORPUS)]
    import_document(db, group, ParsedDocument(sessions=[ParsedSession(
        title=title, start=datetime(2010, 6, 25, 10), end=datetime(2010, 6, 25, 13), items=items, key="hostile",
        venue=HTML, timezone="Europe/Zurich", deadline=datetime(2010, 6, 24, 17))]))
    from tests.conftest import Bot
    bot = Bot(db, clock)
    bot("iam Chile")
    for i, text in enumerate(CORPUS):
        assert bot.reply(f"submit {i + 1}.1 {text}").ok
    assert bot.reply(f"submit 1.1 {LONG}").ok
    assert bot.reply(f"submit 2.1 {SLACK}", user="console:coord").ok is False   # coordinators need a delegation too
    return bot


def replies(bot):
    out = [bot.reply("agenda"), bot.reply("inputs question 3.1"), bot.reply("questions 1"),
           bot.reply("inputs mine"), bot.reply(f"submit 13.1 {CORPUS[12]}"), bot.reply(f"iam {SLACK}"),
           bot.reply("inputs history 5.1", user="console:coord"), bot.reply("inputs status", user="console:coord")]
    for i in range(1, 6):
        out.append(bot.reply(f"agenda {i}"))
    return out


OUR_SLACK_TOKENS = re.compile(r"<!date\^\d+\^[^|>]*\|[^<>]*>")


def slack_texts(obj):
    """Every mrkdwn text and message text in a Slack payload (plain_text objects separately)."""
    mrkdwn, plain = [], []

    def walk(x):
        if isinstance(x, dict):
            if x.get("type") == "mrkdwn":
                mrkdwn.append(x["text"])
            elif x.get("type") == "plain_text":
                plain.append(x["text"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(obj)
    return mrkdwn, plain


def assert_slack_safe(payload: dict):
    mrkdwn, plain = slack_texts(payload)
    for text in mrkdwn + ([payload["text"]] if "text" in payload and isinstance(payload["text"], str) else []):
        bare = OUR_SLACK_TOKENS.sub("", text)
        assert "<" not in bare and ">" not in bare, bare[:300]
        assert not re.search(r"(?<![\w\u2060])@(channel|here|everyone)\b", bare)
    for text in plain:
        assert not re.search(r"@(channel|here|everyone)\b", text)
        assert not re.search("[\ud800-\udfff\x00]", text)


ALLOWED = {"h3", "p", "br", "ul", "li", "b", "code", "em", "blockquote", "table", "caption", "thead", "tbody",
           "tr", "th", "td", "a"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.hrefs += [v for k, v in attrs if k == "href"]


def test_every_sink_reads_back_safe(hostile, db, group, clock):
    session = agenda_store.sessions_of_group(db, group.id)[0]
    for reply in replies(hostile):
        # Slack: blocks and the notification text.
        assert_slack_safe(bk.message(reply))
        # Matrix: only allowed tags, no links but ours, no room ping, valid JSON for the homeserver.
        c = matrix_render.content(reply)
        parser = Tags()
        parser.feed(c["formatted_body"])
        assert parser.tags <= ALLOWED and parser.hrefs == []
        assert "@room" not in c["body"] and "@room" not in c["formatted_body"]
        json.dumps(c, ensure_ascii=False).encode("utf-8")
        # The terminal: no control sequences, no bidi overrides, encodable.
        out = console_render(reply)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff]", out)
        out.encode("utf-8")
    # The bot's own posts: reminders, nudges, the Home tab, the submit form.
    [p] = [p for p in plan(db, clock()) if p.kind == "session" and p.offset == "1d"]
    assert_slack_safe(bk.message(session_reminder(db, p, clock(), False, "slack:C0")))
    member = group_store.member(db, group.id, "console:ana")
    [d] = [p for p in plan(db, clock()) if p.kind == "deadline" and p.offset == "1d"]
    assert_slack_safe(bk.message(deadline_nudge(db, d, clock(), False, member, "slack:U0")))
    assert_slack_safe(bk.home_view(home(db, "console:ana", clock(), frontends.SLACK)))
    from commands.core import Request
    from commands.dispatch import handle
    form = handle(db, Request(platform="slack", room="console:main", user="console:ana", command="submit",
                              options={"preselect": "S1:3.1"}, forms=True), clock).form
    view = bk.form_view(form, FormContext("submit", "slack:C0"))
    assert_slack_safe(view)
    assert [b["element"].get("initial_value") for b in view["blocks"] if b.get("block_id") == "text"] == [HTML]

    # CSV: no cell can run as a formula.
    rows = list(csv.reader(io.StringIO(export(db, group, "csv", session, clock()).content.decode("utf-8-sig"))))
    assert len(rows) > len(CORPUS)
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell[:40]
    # Markdown: user text never becomes structure (headings, lists, rules, quotes outside ours).
    md = export(db, group, "md", session, clock()).content.decode("utf-8")
    assert "\n# heading" not in md and "\n- list item" not in md and "\n1. numbered" not in md
    assert "<script>" not in md and "](https://evil" not in md
    for ln in md.splitlines():
        assert not re.match(r"^(> )?(- |\+ |=|1\. |#{1,6} (?!Question|\d|Summary|Session))", ln), ln[:80]
    # DOCX: opens, and holds the texts (cleaned of what XML cannot carry).
    doc = Document(io.BytesIO(export(db, group, "docx", session, clock()).content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert LONG in text and "lone\ufffdsurrogate\ufffd" in text and FORMULA in text
    # iCalendar: parses, and the title and venue survive as text.
    cal = Calendar.from_ical(export(db, group, "ics", None, clock()).content)
    [ev] = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("session-")]
    assert str(ev["SUMMARY"]) == session.title and str(ev["LOCATION"]) == HTML
    # JSON: valid UTF-8 JSON, lone surrogates replaced at the door.
    doc = json.loads(export(db, group, "json", None, clock()).content.decode("utf-8"))
    texts = [s["text"] for s in doc["submissions"]]
    assert "lone\ufffdsurrogate\ufffd" in texts and "nulbytebell[31mred" in texts


def test_names_refuse_control_and_invisible_characters(hostile):
    for name in (SLACK, "Chile\u202e", "Ch\u200bile", "Chile\nPeru", "x" * 200):
        reply = hostile.reply(f"iam {name}")
        assert not reply.ok, name
