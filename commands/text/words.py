"""Counted nouns, said properly ("1 break", "2 breaks", never "delegation(s)"), and excerpts of long texts."""
from __future__ import annotations

import re


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


EXCERPT = 160


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def excerpt_lines(text: str, limit: int = EXCERPT) -> str:
    """Like ``excerpt`` but keeping the paragraphs (for quoting an input back to its author)."""
    text = "\n".join(" ".join(ln.split()) for ln in text.strip().splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def one_of(options: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``: alternatives as a sentence says them."""
    return options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"


def did_you_mean(options: list[str]) -> str:
    """" Did you mean submit?" after an unknown word, or nothing when there is no close one."""
    return f" Did you mean {one_of(options)}?" if options else ""
