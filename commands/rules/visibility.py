"""Who may read an input — one rule for replies, the status, the compilation's editions and the JSON export.

An input is *restricted* when its delegation sent it for the coordinators only (``--coordinators``; sticky until its
delegation changes it). A restricted input is read by the group's coordinators and by the members of its own
delegation, by nobody else; the *public* edition of every document (what may be forwarded to governments) leaves it
out, text and all, and names no one as not having answered; the *full* edition carries it, marked restricted.
"""
from __future__ import annotations

from storage.models import Submission

RESTRICTED = "coordinators"       # the disclosure of a restricted input
OPEN = "group"
EDITIONS = ("public", "full")


def is_restricted(sub: Submission) -> bool:
    return sub.disclosure == RESTRICTED


def may_read(sub: Submission, *, coordinator: bool, delegation: str | None) -> bool:
    """Whether a person (a coordinator or not, speaking for ``delegation`` or none) may read ``sub``."""
    if not is_restricted(sub) or coordinator:
        return True
    return bool(delegation) and sub.delegation.casefold() == delegation.casefold()


def in_edition(sub: Submission, edition: str) -> bool:
    """Whether ``sub`` goes into a document of ``edition`` (public or full)."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    return edition == "full" or not is_restricted(sub)


def names_missing(edition: str) -> bool:
    """Whether a document of ``edition`` may name the delegations that have not answered (only the full one: who has
    not answered is a matter for the coordinators)."""
    return edition == "full"
