"""Slack addresses as Convene stores them.

A user is ``slack:T…:U…``: Slack user ids are unique within a workspace, and in a channel shared between
workspaces (Slack Connect) people from several organisations meet, so the team is part of who someone is.
Ids written before this form (``slack:U…``) are qualified once when the bot starts (see
``bot.adapters.slack.installations.qualify_users``). A room is ``slack:C…``: channel ids are the same in every workspace
a channel is shared with.
"""
from __future__ import annotations

import re

_USER = re.compile(r"^slack:(?:(?P<team>[TE][A-Z0-9]+):)?(?P<user>[UW][A-Z0-9]+)$")


def user_id(team: str | None, uid: str) -> str:
    return f"slack:{team}:{uid}" if team else f"slack:{uid}"


def parse_user(address: str) -> tuple[str | None, str] | None:
    """(team or None, U…) for a Slack user address, None for anything else (a channel, another platform)."""
    m = _USER.match(address)
    return (m.group("team"), m.group("user")) if m else None


def home_room(team: str | None, uid: str) -> str:
    """The pseudo-room of a user's Home tab (forms sent from there have no channel)."""
    return f"slack:home:{team}:{uid}" if team else f"slack:home:{uid}"
