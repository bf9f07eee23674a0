"""Groups, room bindings and members."""
from __future__ import annotations

import sqlite3

from storage.db import StorageError, from_iso, now_iso, query, write_tx
from storage.models import Group, Member


def _group(row) -> Group:
    return Group(
        id=row["id"], slug=row["slug"], name=row["name"], timezone=row["timezone"],
        session_offsets=row["session_offsets"], deadline_offsets=row["deadline_offsets"],
        registration=row["registration"], late_policy=row["late_policy"],
        created_at=from_iso(row["created_at"]), status_posts=row["status_posts"],
    )


def _member(row) -> Member:
    return Member(
        id=row["id"], group_id=row["group_id"], user=row["user"],
        display_name=row["display_name"], delegation=row["delegation"],
        is_coordinator=bool(row["is_coordinator"]),
        created_at=from_iso(row["created_at"]), updated_at=from_iso(row["updated_at"]),
    )


def create_group(db, slug: str, name: str, timezone: str = "Europe/Zurich", *,
                 registration: str | None = None) -> Group:
    """A new group; ``registration`` left out takes the schema's default (approval)."""
    try:
        with write_tx(db):
            db.execute(
                "INSERT INTO groups (slug, name, timezone, created_at) VALUES (?, ?, ?, ?)",
                [slug, name, timezone, now_iso()],
            )
            if registration is not None:
                db.execute("UPDATE groups SET registration = ? WHERE slug = ?", [registration, slug])
    except sqlite3.IntegrityError:
        raise StorageError(f"a group with the slug '{slug}' already exists")
    return group_by_slug(db, slug)


def group_by_slug(db, slug: str) -> Group | None:
    rows = list(query(db, "SELECT * FROM groups WHERE slug = ?", [slug]))
    return _group(rows[0]) if rows else None


def group_by_id(db, group_id: int) -> Group | None:
    rows = list(query(db, "SELECT * FROM groups WHERE id = ?", [group_id]))
    return _group(rows[0]) if rows else None


def all_groups(db) -> list[Group]:
    return [_group(r) for r in query(db, "SELECT * FROM groups ORDER BY slug")]


def slug_taken(db, slug: str) -> bool:
    return bool(list(query(db, "SELECT 1 FROM groups WHERE slug = ?", [slug])))


def update_group(db, group_id: int, **fields) -> None:
    allowed = {"name", "timezone", "session_offsets", "deadline_offsets", "registration", "late_policy",
               "status_posts"}
    if not fields or set(fields) - allowed:
        raise ValueError(f"cannot update group fields {set(fields) - allowed}")
    assignments = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"UPDATE groups SET {assignments} WHERE id = ?", [*fields.values(), group_id])


# --- rooms -----------------------------------------------------------------

def bind_room(db, group_id: int, room: str) -> None:
    """Bind ``room`` to the group; a room belongs to at most one group."""
    existing = group_for_room(db, room)
    if existing is not None:
        if existing.id == group_id:
            return
        raise StorageError(f"room {room} already belongs to the group '{existing.slug}'")
    db.execute("INSERT INTO rooms (room, group_id, created_at) VALUES (?, ?, ?)",
               [room, group_id, now_iso()])


def unbind_room(db, room: str) -> bool:
    return db.execute("DELETE FROM rooms WHERE room = ?", [room]).rowcount > 0


def group_for_room(db, room: str) -> Group | None:
    rows = list(query(db, 
        "SELECT groups.* FROM rooms JOIN groups ON groups.id = rooms.group_id WHERE rooms.room = ?",
        [room]))
    return _group(rows[0]) if rows else None


def rooms_of_group(db, group_id: int) -> list[str]:
    return [r["room"] for r in query(db, 
        "SELECT room FROM rooms WHERE group_id = ? ORDER BY created_at, room", [group_id])]


# --- members ---------------------------------------------------------------

def member(db, group_id: int, user: str) -> Member | None:
    rows = list(query(db, "SELECT * FROM members WHERE group_id = ? AND user = ?", [group_id, user]))
    return _member(rows[0]) if rows else None


def members_of_group(db, group_id: int) -> list[Member]:
    return [_member(r) for r in query(db, 
        "SELECT * FROM members WHERE group_id = ? ORDER BY delegation COLLATE NOCASE, user", [group_id])]


def groups_of_user(db, user: str) -> list[Group]:
    return [_group(r) for r in query(db, 
        "SELECT groups.* FROM members JOIN groups ON groups.id = members.group_id "
        "WHERE members.user = ? ORDER BY groups.name", [user])]


def _ensure_member(db, group_id: int, user: str, display_name: str | None) -> None:
    stamp = now_iso()
    db.execute(
        "INSERT INTO members (group_id, user, display_name, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id, user) DO UPDATE SET "
        "display_name = COALESCE(excluded.display_name, members.display_name)",
        [group_id, user, display_name, stamp, stamp],
    )


def set_delegation(db, group_id: int, user: str, delegation: str | None,
                   display_name: str | None = None) -> Member:
    """Register ``user`` as a member of ``delegation``. An existing spelling of the
    delegation in this group (matched ignoring case) is reused, so "chile" joins "Chile"."""
    with write_tx(db):
        if delegation is not None:
            delegation = canonical_delegation(db, group_id, delegation)
        _ensure_member(db, group_id, user, display_name)
        db.execute("UPDATE members SET delegation = ?, updated_at = ? WHERE group_id = ? AND user = ?",
                   [delegation, now_iso(), group_id, user])
    return member(db, group_id, user)


def set_coordinator(db, group_id: int, user: str, is_coordinator: bool = True,
                    display_name: str | None = None) -> Member:
    with write_tx(db):
        _ensure_member(db, group_id, user, display_name)
        db.execute("UPDATE members SET is_coordinator = ?, updated_at = ? WHERE group_id = ? AND user = ?",
                   [int(is_coordinator), now_iso(), group_id, user])
    return member(db, group_id, user)


def coordinators(db, group_id: int) -> list[Member]:
    return [_member(r) for r in query(db, 
        "SELECT * FROM members WHERE group_id = ? AND is_coordinator = 1 ORDER BY user", [group_id])]


def canonical_delegation(db, group_id: int, delegation: str) -> str:
    """The spelling already used in the group for this delegation, or the one given."""
    key = delegation.casefold()
    for row in query(db, 
        "SELECT delegation FROM members WHERE group_id = ? AND delegation IS NOT NULL "
        "UNION SELECT delegation FROM submissions WHERE group_id = ?", [group_id, group_id]):
        if row["delegation"].casefold() == key:
            return row["delegation"]
    return delegation


def delegations(db, group_id: int) -> list[str]:
    """Registered delegations of the group, one spelling each, sorted ignoring case."""
    seen: dict[str, str] = {}
    for row in query(db, "SELECT delegation FROM members WHERE group_id = ? AND delegation IS NOT NULL "
                        "ORDER BY created_at", [group_id]):
        seen.setdefault(row["delegation"].casefold(), row["delegation"])
    return sorted(seen.values(), key=str.casefold)


def remove_member(db, group_id: int, user: str) -> bool:
    """The person leaves the group; what their delegation sent stays (inputs belong to the delegation)."""
    return db.execute("DELETE FROM members WHERE group_id = ? AND user = ?", [group_id, user]).rowcount == 1
