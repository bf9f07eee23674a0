"""One harness for whole exchanges on any front end: ``bot.say("iam Chile", as_="ana")`` → the reply as that person
reads it, as plain text. The console runs the core in-process; Slack goes through the real bot's signed HTTP
endpoint (the reply is the ack's blocks, flattened); Matrix sends an ``!`` command to the real bot through Synapse
and returns the body of the bot's answer. Each front end types commands its own way; the harness takes them the
way the console does and types them for the front end.
"""
from __future__ import annotations

import html
import re

from bot import frontends
from commands.registry import HEADS
from tests.conftest import Bot

_MRKDWN = re.compile(r"[*`_]")
_SLACK_DATE = re.compile(r"<!date\^\d+\^[^|]*\|([^>]*)>")


def slack_plain(body: dict) -> str:
    """What a person reads in a Slack reply, as plain text: header, sections and context, without mrkdwn marks."""
    out = []
    for b in body.get("blocks", []):
        if b["type"] == "header":
            out.append(b["text"]["text"])
        elif b["type"] == "section" and "text" in b:
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out += [e.get("text", "") for e in b["elements"]]
    text = _SLACK_DATE.sub(r"\1", "\n".join(out))
    return html.unescape(_MRKDWN.sub("", text)).replace("\u2060", "")


class ConsoleExchange:
    name = "console"

    def __init__(self, db, clock):
        self.bot = Bot(db, clock)

    def user(self, who: str) -> str:
        return f"console:{who}"

    def say(self, line: str, *, as_: str = "ana") -> str:
        return self.bot(line, user=self.user(who=as_))


class SlackExchange:
    name = "slack"

    def __init__(self, running):
        self.running = running

    def user(self, who: str) -> str:
        return f"slack:T0TEST:U0{who.upper()}"

    def say(self, line: str, *, as_: str = "ana") -> str:
        typed = frontends.SLACK.typed(line, HEADS)
        command, _, text = typed.partition(" ")
        status, body = self.running.sender.command(command, text, user=f"U0{as_.upper()}", user_name=as_)
        assert status == 200, body
        return slack_plain(body)


class MatrixExchange:
    name = "matrix"

    def __init__(self, world, room: str):
        self.world, self.room = world, room
        self.people = {"ana": world.ana, "bob": world.bob, "coord": world.coord}

    def user(self, who: str) -> str:
        return f"matrix:{self.people[who].user_id}"

    def say(self, line: str, *, as_: str = "ana") -> str:
        person = self.people[as_]
        before = len(person.messages(self.room, sender=self.world.bot_user.user_id))
        person.send(self.room, frontends.MATRIX.typed(line, HEADS))
        return self.world.bot_said(person, self.room, before + 1)[-1]["content"]["body"]
