"""Who holds a role the registry names (``Command.role``): dispatch asks here before a handler runs.

``rapporteur``: the group's coordinators, and the people they made rapporteurs (``rapporteur add @USER``), may
record, edit and remove the notes of the session.
"""
from __future__ import annotations

from commands.core import Context
from storage import notes as notes_store

ROLES = {"rapporteur": "coordinators and rapporteurs"}


def holds(ctx: Context, role: str) -> bool:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if ctx.is_coordinator:
        return True
    if role == "rapporteur":
        return bool(ctx.group) and notes_store.is_rapporteur(ctx.db, ctx.group.id, ctx.request.user)
    return False


def who(role: str) -> str:
    return ROLES[role]
