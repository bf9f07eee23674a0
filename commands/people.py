"""Naming people in commands: mentions become platform user ids, the same way on every platform."""
from __future__ import annotations

import re

from commands.core import Context, UserError

_FULL_ID = re.compile(r"^(slack:[UW][A-Z0-9]+|matrix:@[^:\s]+:\S+|console:[\w.\-]+)$")
_MATRIX_ID = re.compile(r"^@[^:\s]+:[A-Za-z0-9.\-]+(:\d+)?$")


def resolve_person(ctx: Context, word: str | None) -> str:
    """``@ana`` (a mention), ``@ana:server`` (Matrix), or a full id ``slack:U0123`` → a platform user id."""
    if not word:
        raise UserError("Say who: mention the person, for example @ana.")
    word = word.strip().rstrip(",")
    if word in ctx.request.mentions:
        return ctx.request.mentions[word]
    if _FULL_ID.match(word):
        return word
    platform = ctx.request.platform
    if platform == "matrix" and _MATRIX_ID.match(word):
        return f"matrix:{word}"
    if platform in ("console", "test") and word.startswith("@") and re.fullmatch(r"@[\w.\-]+", word):
        return f"console:{word[1:]}"
    raise UserError(f"I can't tell who '{word}' is: mention them so that your chat app links the name "
                    "(type @ and pick the person).")


def display(ctx: Context, user: str) -> str:
    from storage import groups as group_store
    m = group_store.member(ctx.db, ctx.group.id, user) if ctx.group else None
    name = m.display_name if m and m.display_name else user.split(":", 1)[1]
    return name
