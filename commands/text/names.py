"""Names as people will read them everywhere (a group's, a delegation's): one line, trimmed, bounded, nothing
hidden in them. Chat, the CLI and restores check names here, so all three accept and refuse the same."""
from __future__ import annotations

import re

from commands.core import UserError
from commands.text.sanitize import INVISIBLE

MAX_DELEGATION = 80
MAX_GROUP_NAME = 120

def clean_name(text: str, what: str, limit: int) -> str:
    """A name as people will read it everywhere: one line, trimmed, bounded, nothing hidden in it."""
    if "\n" in text.strip() or "\r" in text:
        raise UserError(f"A {what} is one line: write it without line breaks.")
    name = " ".join(text.split())
    if not name:
        raise UserError(f"Say the {what}.")
    if len(name) > limit:
        raise UserError(f"That {what} is {len(name):,} characters long; keep it under {limit}.")
    if re.search(r"[<>\x00-\x1f\x7f]", name) or INVISIBLE.search(name):
        raise UserError(f"A {what} cannot contain < >, control characters or invisible characters "
                        "(zero-width spaces, direction overrides).")
    return name
