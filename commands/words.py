"""Counted nouns, said properly: "1 break", "2 breaks", "1 delegation has", never "delegation(s)"."""
from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
