"""Naming people in commands: mentions become platform user ids, the same way on every platform."""
from __future__ import annotations

import re

from commands.core import Context, UserError
from commands.args import shown

_FULL_ID = re.compile(r"^(slack:(?:[TE][A-Z0-9]+:)?[UW][A-Z0-9]+|matrix:@[^:\s]+:\S+|console:[\w.\-]+)$")
_MATRIX_ID = re.compile(r"^@[^:\s]+:[A-Za-z0-9.\-]+(:\d+)?$")


def resolve_person(ctx: Context, word: str | None) -> str:
    """``@ana`` (a mention), ``@ana:server`` (Matrix), or a full id ``slack:U0123`` → a platform user id."""
    if not word:
        raise UserError("Say who: mention the person, for example @ana.")
    word = word.strip().rstrip(",:")
    if word.lstrip("@").lower() in ("room", "channel", "here", "everyone", "all"):
        raise UserError(f"{word} means everyone in the room, not one person: mention the person "
                        "(type @ and pick them).")
    if word.startswith(("#", "!")):
        raise UserError(f"{shown(word)} is a room, not a person: mention the person (type @ and pick them).")
    if word in ctx.request.mentions:
        return ctx.request.mentions[word]
    if _FULL_ID.match(word):
        return word
    platform = ctx.request.platform
    if platform == "matrix" and _MATRIX_ID.match(word):
        return f"matrix:{word}"
    if platform in ("console", "test") and word.startswith("@") and re.fullmatch(r"@[\w.\-]+", word):
        return f"console:{word[1:]}"
    raise UserError(f"I can't tell who '{shown(word)}' is: mention them so that your chat app links the name "
                    "(type @ and pick the person).")


def bare_id(user: str) -> str:
    """The id as its own platform writes it (``@ana:example.org``, ``U0123``), without our prefix."""
    return user.rsplit(":", 1)[1] if user.startswith("slack:") else user.split(":", 1)[1] if ":" in user else user


def display(ctx: Context, user: str) -> str:
    """How to name a person to people: their display name, else their id on their platform."""
    from storage import groups as group_store
    name = ctx.request.names.get(user)
    if not name:
        m = group_store.member(ctx.db, ctx.group.id, user) if ctx.group else None
        name = m.display_name if m and m.display_name else None
    return name or bare_id(user)


def named(ctx: Context, user: str) -> str:
    """A person named unambiguously: "Carla Smith (@carla:example.org)", or the id alone without a name."""
    name, ident = display(ctx, user), bare_id(user)
    return ident if name == ident else f"{name} ({ident})"


def mention_name(ctx: Context, user: str, word: str | None) -> str | None:
    """The display name to store for someone named in a command: the platform's, else the word typed."""
    return ctx.request.names.get(user) or ((word or "").lstrip("@") or None)
