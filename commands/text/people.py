"""Naming people in commands: mentions become platform user ids, the same way on every platform."""
from __future__ import annotations

from commands.core import Context, UserError
from commands.text.args import shown
from storage import groups as group_store



def resolve_person(ctx: Context, word: str | None) -> str:
    """A mention (resolved by the front end), a person as the asker's front end writes people, or a full address
    of a person on a known front end → that person's address."""
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
    if ctx.front_ends.is_user_address(word):
        return word
    found = ctx.front_end.person(word)
    if found:
        return found
    raise UserError(f"I can't tell who '{shown(word)}' is: mention them so that your chat app links the name "
                    "(type @ and pick the person).")


def bare_id(ctx: Context, user: str) -> str:
    """The id as its own front end shows it (``@ana:example.org``, ``U0123``), without our prefix."""
    return ctx.front_ends.of(user).shown_id(user)


def display(ctx: Context, user: str) -> str:
    """How to name a person to people: their display name, else their id on their platform."""
    name = ctx.request.names.get(user)
    if not name:
        m = group_store.member(ctx.db, ctx.group.id, user) if ctx.group else None
        name = m.display_name if m and m.display_name else None
    return name or bare_id(ctx, user)


def named(ctx: Context, user: str) -> str:
    """A person named unambiguously: "Carla Smith (@carla:example.org)", or the id alone without a name."""
    name, ident = display(ctx, user), bare_id(ctx, user)
    return ident if name == ident else f"{name} ({ident})"


def mention_name(ctx: Context, user: str, word: str | None) -> str | None:
    """The display name to store for someone named in a command: the platform's, else the word typed."""
    return ctx.request.names.get(user) or ((word or "").lstrip("@") or None)
