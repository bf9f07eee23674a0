"""Slack text in and out.

In: slash-command text arrives HTML-entity-escaped (``&amp;``) with mentions as ``<@U…|name>``,
``<!channel>``, ``<#C…|name>`` and links as ``<https://…|label>``. We store readable text
(``R&D``, ``@ana``) and keep the user ids of mentions for commands that name a person.

Out: everything user-typed is escaped for mrkdwn so it cannot ping (``<!channel>``, ``@here``)
or inject links, whatever it contains.
"""
from __future__ import annotations

import re

from commands.text.sanitize import clean

_TOKEN = re.compile(r"<([^<>]*)>")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)")
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
WORD_JOINER = "\u2060"


def decode_incoming(text: str, team: str | None = None, teams: dict[str, str] | None = None
                    ) -> tuple[str, dict[str, str]]:
    """(readable text, {"@name": "slack:T…:U…"}) from Slack's escaped message text. A mentioned user's team is
    ``teams[uid]`` when known (someone from another organisation in a shared channel), else ``team``."""
    from bot.adapters.slack.ids import user_id
    teams = teams or {}
    mentions: dict[str, str] = {}

    def token(m: re.Match) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            uid = target[1:]
            name = "@" + (label or uid)
            mentions[name] = user_id(teams.get(uid, team), uid)
            mentions.setdefault("@" + uid, mentions[name])
            return name
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            if special.startswith("subteam"):
                return "@" + (label.lstrip("@") or "group")
            if special == "date":
                return label or ""
            return "@" + special
        if label:
            return f"{label} ({target})" if label != target else target
        return target.removeprefix("mailto:")

    out = _TOKEN.sub(token, text or "")
    out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return out, mentions


def mentioned_ids(text: str) -> list[str]:
    """The user ids mentioned in Slack's escaped text (``<@U…|name>``), in order, once each."""
    return list(dict.fromkeys(_MENTION.findall(text or "")))


def escape(text: str) -> str:
    """User text made inert for mrkdwn (section texts and the ``text`` of a message, which notifications
    and some clients show): no entities, links, mentions, channel links or broadcasts."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)


def notification_text(text: str) -> str:
    """The ``text`` of a message: parsed as mrkdwn by Slack, shown in notifications: escaped like blocks."""
    return escape(text)


def plain_escape(text: str) -> str:
    """For plain_text objects (headers, option labels, titles), which Slack does not parse for links or
    mentions: only broadcasts need defusing."""
    return _BROADCAST.sub(lambda m: "@" + WORD_JOINER + m.group(1), clean(text))
