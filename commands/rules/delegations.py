"""Which delegation a name means, and who may speak for one.

- Names that only look alike are one name: keys fold case, accents, punctuation and look-alike letters of other
  alphabets (``Сhile`` is Chile); a name mixing alphabets that matches nothing is refused.
- With a roster, a name must be on it (suggesting the nearest); without one, a name that matches a delegation the
  group already has is that delegation, and a new name close to one of them (``Chle`` beside ``Chile``) is asked
  about ("Did you mean Chile?") and taken only when confirmed.
- Who may decide a registration request: the coordinators and, for joining (not switching), that delegation's
  members; never the requester.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

from commands.core import Context, UserError
from commands.reply import Code, line
from commands.text.args import shown
from commands.text.names import MAX_DELEGATION, clean_name
from storage import groups as group_store
from storage import roster as roster_store
from storage import submissions as sub_store

# Letters of other alphabets drawn like Latin ones (Unicode's confusables, the ones that matter in names).
_LOOKALIKE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ӏ": "l", "ԛ": "q", "ԝ": "w", "һ": "h",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c", "Т": "t", "У": "y",
    "Х": "x", "І": "i", "Ј": "j", "Ѕ": "s",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o", "Ρ": "p",
    "Τ": "t", "Υ": "y", "Χ": "x", "ı": "i", "ɡ": "g", "ℓ": "l",
})


def key_of(name: str) -> str:
    """The skeleton two names share when people would read them as the same: case, accents, punctuation, spacing
    and look-alike letters folded (``Сhile`` → ``chile``, ``Côte d'Ivoire`` → ``cote d ivoire``)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_LOOKALIKE).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def scripts(name: str) -> set[str]:
    """The alphabets of a name's letters (LATIN, CYRILLIC, GREEK, ARABIC …)."""
    out = set()
    for ch in name:
        if ch.isalpha():
            out.add(unicodedata.name(ch, "UNKNOWN").split()[0])
    return out


def clean_delegation(text: str) -> str:
    name = clean_name(text, "delegation", MAX_DELEGATION)
    if not name[0].isalpha():
        raise UserError(f"A delegation's name starts with a letter: {shown(name)} is not a delegation's name.")
    return name


def _known(ctx: Context) -> dict[str, str]:
    """Keys of the delegations the group already has (registered or with inputs) → their spelling."""
    out: dict[str, str] = {}
    for name in group_store.delegations(ctx.db, ctx.group.id) + _submitting(ctx):
        out.setdefault(key_of(name), name)
    return out


def _submitting(ctx: Context) -> list[str]:
    return sorted({s.delegation for s in sub_store.of_group(ctx.db, ctx.group.id)})


CLOSE_TO_KNOWN = 0.8      # without a roster, a new name this similar to a known delegation's is asked about


def resolve_delegation(ctx: Context, text: str, *, confirmed: bool = False, command: str = "iam") -> str:
    """The delegation a typed name means (its roster name, or the spelling the group already uses), or a clear
    refusal with suggestions. ``command`` is what the person typed before the name (``iam``, ``member @bea``), for
    the suggestions; ``confirmed``: a new name close to a known one is meant as typed (``iam Chle confirm``)."""
    name = clean_delegation(text)
    key = key_of(name)
    roster = roster_store.keys(ctx.db, ctx.group.id)
    if roster:
        if key in roster:
            return roster[key]
        close = difflib.get_close_matches(key, list(roster), n=3, cutoff=0.6)
        names = list(dict.fromkeys(roster[k] for k in close))
        hint = line("Did you mean ", " or ".join(names), "? ", Code(ctx.cmd(f"iam {names[0]}"))) if names else \
            line("The delegations: ", Code(ctx.cmd("roster")), ". A coordinator adds one with ",
                 Code(ctx.cmd("roster add NAME")), ".")
        raise UserError(f"{shown(name)} is not a delegation on the roster of {ctx.group.name}.", hint)
    known = _known(ctx)
    if key in known:
        return known[key]
    if len(scripts(name) - {"UNKNOWN"}) > 1:
        raise UserError(f"{shown(name)} mixes letters of different alphabets (such as Latin and Cyrillic), so it "
                        "would look like another name: type it in one alphabet.")
    close = difflib.get_close_matches(key, list(known), n=3, cutoff=CLOSE_TO_KNOWN)
    if close and not confirmed:
        names = list(dict.fromkeys(known[k] for k in close))
        raise UserError(f"{shown(name)} is not a delegation of {ctx.group.name} yet. Did you mean "
                        f"{' or '.join(names)}?",
                        line(Code(ctx.cmd(f"{command} {names[0]}")), " · a new delegation called ", shown(name), ": ",
                             Code(ctx.cmd(f"{command} {name} confirm"))))
    return name


def take_confirm(text: str) -> tuple[str, bool]:
    """``NAME confirm`` → (NAME, True): a name meant as typed although it is close to a known one."""
    words = text.split()
    if len(words) > 1 and words[-1].lower() == "confirm":
        return " ".join(words[:-1]), True
    return text, False


def deciders(db, group_id: int, req) -> list[str]:
    """Who may decide a registration request: the coordinators, and — for joining a delegation, not for switching
    after having submitted — that delegation's members. The requester never decides their own."""
    users = [m.user for m in group_store.coordinators(db, group_id)]
    if req.reason != "switch":
        users += roster_store.members_of_delegation(db, group_id, key_of, key_of(req.delegation))
    return [u for u in dict.fromkeys(users) if u != req.user]
