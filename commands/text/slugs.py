"""Slugs for group and document names: lowercase ASCII with hyphens."""
from __future__ import annotations

import re
import unicodedata


def slugify(name: str, max_length: int = 48) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:max_length].strip("-") or "group"


def unique_slug(name: str, taken) -> str:
    """``taken(slug) -> bool``; a number is added on collision (``rm-cg``, ``rm-cg-2``…)."""
    base = slugify(name)
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug
