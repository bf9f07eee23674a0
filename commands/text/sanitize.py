"""Text at the door: what every request's text, every imported or restored string passes through once.

Lone surrogates (possible in JSON, never valid UTF-8) become U+FFFD; NUL and the other C0 control
characters except tab and line breaks are dropped. Escaping for each place text leaves the bot is the
job of that place's renderer (Slack mrkdwn and plain text, Matrix HTML, the terminal, CSV, Markdown,
DOCX, iCalendar), one function each.
"""
from __future__ import annotations

import dataclasses
import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that change how text around them reads without being seen: names must not hold them.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean(text):
    if not isinstance(text, str):
        return text
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text


def clean_options(options: dict) -> dict:
    return {k: clean(v) for k, v in options.items()}


def clean_tree(obj):
    """Every string in a structure of dicts, lists and dataclass instances (a parsed document, a JSON
    restore), cleaned in place where mutable; returns the cleaned structure."""
    if isinstance(obj, str):
        return clean(obj)
    if isinstance(obj, list):
        return [clean_tree(x) for x in obj]
    if isinstance(obj, tuple):
        return tuple(clean_tree(x) for x in obj)
    if isinstance(obj, dict):
        return {clean_tree(k): clean_tree(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            setattr(obj, f.name, clean_tree(getattr(obj, f.name)))
        return obj
    return obj
