"""A group's roster of delegations (names and aliases, each under a skeleton key) and registration requests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import from_iso, now_iso, query, to_iso, write_tx


@dataclass(frozen=True)
class RosterEntry:
    id: int
    name: str                     # the delegation's name as the group writes it
    aliases: tuple[str, ...]      # other names people may type ("USA")


@dataclass(frozen=True)
class RegistrationRequest:
    id: int
    group_id: int
    user: str
    user_name: str | None
    delegation: str
    reason: str                   # approval (the group approves every registration) | join | switch
    status: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None


def _request(row) -> RegistrationRequest:
    return RegistrationRequest(row["id"], row["group_id"], row["user"], row["user_name"], row["delegation"],
                               row["reason"], row["status"], from_iso(row["created_at"]), row["decided_by"],
                               from_iso(row["decided_at"]))


def entries(db, group_id: int) -> list[RosterEntry]:
    names: dict[int, list[str]] = {}
    for r in query(db, "SELECT roster_id, name FROM roster_names WHERE group_id = ? ORDER BY id", [group_id]):
        names.setdefault(r["roster_id"], []).append(r["name"])
    return sorted((RosterEntry(r["id"], r["name"], tuple(n for n in names.get(r["id"], []) if n != r["name"]))
                   for r in query(db, "SELECT id, name FROM roster WHERE group_id = ?", [group_id])),
                  key=lambda e: e.name.casefold())


def by_key(db, group_id: int, key: str) -> RosterEntry | None:
    row = db.execute("SELECT roster_id FROM roster_names WHERE group_id = ? AND key = ?", [group_id, key]).fetchone()
    if row is None:
        return None
    return next(e for e in entries(db, group_id) if e.id == row[0])


def keys(db, group_id: int) -> dict[str, str]:
    """Every name and alias key → the delegation's name."""
    return {r["key"]: r["dname"] for r in query(
        db, "SELECT n.key, r.name AS dname FROM roster_names n JOIN roster r ON r.id = n.roster_id "
            "WHERE n.group_id = ?", [group_id])}


def add(db, group_id: int, name: str, names: list[tuple[str, str]], at: datetime | None = None) -> RosterEntry:
    """A delegation with its names (name, key) — the first is its own name. Keys already taken are refused by the
    caller; here they would raise."""
    with write_tx(db):
        rid = db.execute("INSERT INTO roster (group_id, name, created_at) VALUES (?, ?, ?)",
                         [group_id, name, to_iso(at) if at else now_iso()]).lastrowid
        for n, key in names:
            db.execute("INSERT INTO roster_names (group_id, roster_id, name, key) VALUES (?, ?, ?, ?)",
                       [group_id, rid, n, key])
    return next(e for e in entries(db, group_id) if e.id == rid)


def add_alias(db, group_id: int, roster_id: int, name: str, key: str) -> None:
    db.execute("INSERT INTO roster_names (group_id, roster_id, name, key) VALUES (?, ?, ?, ?)",
               [group_id, roster_id, name, key])


def remove(db, group_id: int, roster_id: int) -> None:
    db.execute("DELETE FROM roster WHERE group_id = ? AND id = ?", [group_id, roster_id])


def open_request(db, group_id: int, user: str, user_name: str | None, delegation: str, reason: str,
                 at: datetime) -> tuple[RegistrationRequest, bool]:
    """The person's pending request for the delegation (made now, or the one already waiting: asking twice does
    not ask twice). Another pending request of theirs in the group is cancelled: one wish at a time."""
    with write_tx(db):
        row = db.execute("SELECT id FROM registration_requests WHERE group_id = ? AND user = ? AND status = 'pending' "
                         "AND delegation = ?", [group_id, user, delegation]).fetchone()
        if row is not None:
            return request_by_id(db, row[0]), False
        db.execute("UPDATE registration_requests SET status = 'cancelled', decided_at = ? WHERE group_id = ? "
                   "AND user = ? AND status = 'pending'", [to_iso(at), group_id, user])
        rid = db.execute("INSERT INTO registration_requests (group_id, user, user_name, delegation, reason, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         [group_id, user, user_name, delegation, reason, to_iso(at)]).lastrowid
    return request_by_id(db, rid), True


def request_by_id(db, request_id: int) -> RegistrationRequest | None:
    rows = list(query(db, "SELECT * FROM registration_requests WHERE id = ?", [request_id]))
    return _request(rows[0]) if rows else None


def pending(db, group_id: int) -> list[RegistrationRequest]:
    return [_request(r) for r in query(db, "SELECT * FROM registration_requests WHERE group_id = ? AND "
                                           "status = 'pending' ORDER BY id", [group_id])]


def pending_of(db, group_id: int, user: str) -> RegistrationRequest | None:
    """The person's request waiting in the group (there is at most one: a new one cancels the old)."""
    rows = list(query(db, "SELECT * FROM registration_requests WHERE group_id = ? AND user = ? AND "
                          "status = 'pending' ORDER BY id DESC LIMIT 1", [group_id, user]))
    return _request(rows[0]) if rows else None


def decide(db, request_id: int, status: str, by: str, at: datetime) -> bool:
    """Record the decision; False when it was decided (or cancelled) already."""
    return db.execute("UPDATE registration_requests SET status = ?, decided_by = ?, decided_at = ? "
                      "WHERE id = ? AND status = 'pending'", [status, by, to_iso(at), request_id]).rowcount == 1


def has_submitted(db, group_id: int, user: str) -> int:
    """Inputs this person wrote in the group (any state): after that, their delegation is theirs to keep."""
    return db.execute("SELECT count(*) FROM submissions WHERE group_id = ? AND author = ?",
                      [group_id, user]).fetchone()[0]


def members_of_delegation(db, group_id: int, key_of, delegation_key: str) -> list[str]:
    """Users registered with the delegation (``key_of`` folds a stored name to its skeleton key)."""
    return [r["user"] for r in query(db, "SELECT user, delegation FROM members WHERE group_id = ? AND "
                                         "delegation IS NOT NULL", [group_id])
            if key_of(r["delegation"]) == delegation_key]
