"""Small parsing helpers for the text after a command word."""
from __future__ import annotations

import re
import shlex

from commands.core import UserError

_WORD = re.compile(r"^\s*(\S+)(?:[ \t]+|(?=\n)|$)", re.S)


def take_word(text: str) -> tuple[str | None, str]:
    """First word and the rest, with the rest's own line breaks kept (statements are multi-line)."""
    m = _WORD.match(text or "")
    if not m:
        return None, ""
    rest = text[m.end():]
    return m.group(1), rest.lstrip("\n") if rest.startswith("\n") else rest


MAX_RECORD_ID = 2 ** 53       # larger numbers name no row (and SQLite could not even compare them)


def record_number(word: str | None) -> int | None:
    """``3`` or ``#3`` → 3: the number of a session, a request, a preview; None for anything else (a number too
    large to be one answers "there is none", never an internal error)."""
    digits = (word or "").strip().lstrip("#")
    if not digits.isdigit() or not digits.isascii():
        return None
    n = int(digits)
    return n if 1 <= n <= MAX_RECORD_ID else None


def strip_trailing_keywords(words: list[str], keywords: set[str]) -> tuple[list[str], set[str]]:
    found = set()
    while words and words[-1].lower() in keywords:
        found.add(words.pop().lower())
    return words, found


def split_options(text: str, known: dict[str, bool]) -> tuple[list[str], dict[str, str | bool]]:
    """shlex-split ``text`` and pull out ``--name value`` / ``--flag`` options listed in ``known``
    (name → takes a value)."""
    try:
        words = shlex.split(text)
    except ValueError as e:
        raise UserError(f"I could not read that: {e} (check your quotes).")
    positional, options = [], {}
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("--"):
            name = w[2:]
            value = None
            if "=" in name:
                name, value = name.split("=", 1)
            if name not in known:
                raise UserError(f"Unknown option --{name}. Options here: " + ", ".join(f"--{k}" for k in known))
            if known[name]:
                if value is None:
                    if i + 1 >= len(words):
                        raise UserError(f"--{name} needs a value.")
                    i += 1
                    value = words[i]
                options[name] = value
            else:
                options[name] = True
        else:
            positional.append(w)
        i += 1
    return positional, options


def shown(text: str | None, limit: int = 60) -> str:
    """User text quoted back in a message: one line, at most ``limit`` characters (a command followed by
    kilobytes of junk is not echoed back)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
