"""The speakers' list: delegations' categories, one list per agenda item, its requests, statements and record, and
the timer's claims. All the SQL of the floor is here; the order of speakers is decided in commands.rules.speakers.

Arrival order is the database's: a request's id (rowid, given under the write lock) is its place in time, so sixty
requests in the same second are ordered as SQLite recorded them, each once (a unique index holds one place per
delegation and kind while it waits or speaks).
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.db import from_iso, query, to_iso


@dataclass(frozen=True)
class FloorList:
    id: int
    group_id: int
    session_id: int | None
    item_id: int | None
    item_number: str | None
    item_title: str
    status: str                 # open | closed (no new requests) | ended (the item is over)
    order_rule: str             # time | lot | chair
    lot_seed: str | None
    opened_by: str
    opened_at: datetime
    ended_at: datetime | None

    @property
    def item_label(self) -> str:
        return f"{self.item_number}. {self.item_title}" if self.item_number else self.item_title


@dataclass(frozen=True)
class FloorRequest:
    id: int
    list_id: int
    delegation: str
    key: str
    kind: str                   # speak | reply
    ref: str | None
    requested_by: str
    requested_at: datetime
    position: float | None      # the Chair's order
    status: str                 # waiting | speaking | spoken | withdrawn | removed


@dataclass(frozen=True)
class Speech:
    id: int
    list_id: int
    request_id: int | None
    delegation: str
    category: str
    kind: str
    limit_seconds: int | None
    started_at: datetime
    ended_at: datetime | None
    called_by: str
    out_of_turn: bool

    def seconds(self, now: datetime | None = None) -> int:
        end = self.ended_at or now or self.started_at
        return max(0, int((end - self.started_at).total_seconds()))


@dataclass(frozen=True)
class FloorEvent:
    id: int
    list_id: int
    at: datetime
    actor: str
    action: str
    delegation: str | None
    detail: str | None


def _list(r) -> FloorList:
    return FloorList(r["id"], r["group_id"], r["session_id"], r["item_id"], r["item_number"], r["item_title"],
                     r["status"], r["order_rule"], r["lot_seed"], r["opened_by"], from_iso(r["opened_at"]),
                     from_iso(r["ended_at"]))


def _request(r) -> FloorRequest:
    return FloorRequest(r["id"], r["list_id"], r["delegation"], r["key"], r["kind"], r["ref"], r["requested_by"],
                        from_iso(r["requested_at"]), r["position"], r["status"])


def _speech(r) -> Speech:
    return Speech(r["id"], r["list_id"], r["request_id"], r["delegation"], r["category"], r["kind"],
                  r["limit_seconds"], from_iso(r["started_at"]), from_iso(r["ended_at"]), r["called_by"],
                  bool(r["out_of_turn"]))


def _event(r) -> FloorEvent:
    return FloorEvent(r["id"], r["list_id"], from_iso(r["at"]), r["actor"], r["action"], r["delegation"], r["detail"])


# --- categories, labels, limits ------------------------------------------------------------

def set_category(db, group_id: int, key: str, delegation: str, category: str, now: datetime) -> None:
    db.execute("INSERT INTO delegation_categories (group_id, key, delegation, category, updated_at) "
               "VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id, key) DO UPDATE SET delegation = excluded.delegation, "
               "category = excluded.category, updated_at = excluded.updated_at",
               [group_id, key, delegation, category, to_iso(now)])


def categories(db, group_id: int) -> dict[str, tuple[str, str]]:
    """Delegation key → (its name, its category)."""
    return {r["key"]: (r["delegation"], r["category"]) for r in query(
        db, "SELECT key, delegation, category FROM delegation_categories WHERE group_id = ? ORDER BY delegation",
        [group_id])}


def set_label(db, group_id: int, category: str, label: str | None) -> None:
    db.execute("INSERT INTO floor_categories (group_id, category, label) VALUES (?, ?, ?) "
               "ON CONFLICT (group_id, category) DO UPDATE SET label = excluded.label", [group_id, category, label])


def set_limit(db, group_id: int, category: str, seconds: int | None) -> None:
    db.execute("INSERT INTO floor_categories (group_id, category, limit_seconds) VALUES (?, ?, ?) "
               "ON CONFLICT (group_id, category) DO UPDATE SET limit_seconds = excluded.limit_seconds",
               [group_id, category, seconds])


def category_settings(db, group_id: int) -> dict[str, tuple[str | None, int | None]]:
    """Category → (label, limit in seconds) as the group set them (None: the default; a limit of 0: none)."""
    return {r["category"]: (r["label"], r["limit_seconds"]) for r in query(
        db, "SELECT category, label, limit_seconds FROM floor_categories WHERE group_id = ?", [group_id])}


# --- lists -----------------------------------------------------------------------------------

def active_list(db, group_id: int) -> FloorList | None:
    rows = list(query(db, "SELECT * FROM floor_lists WHERE group_id = ? AND status != 'ended'", [group_id]))
    return _list(rows[0]) if rows else None


def list_by_id(db, list_id: int) -> FloorList | None:
    rows = list(query(db, "SELECT * FROM floor_lists WHERE id = ?", [list_id]))
    return _list(rows[0]) if rows else None


def list_for_item(db, group_id: int, item_id: int) -> FloorList | None:
    rows = list(query(db, "SELECT * FROM floor_lists WHERE group_id = ? AND item_id = ?", [group_id, item_id]))
    return _list(rows[0]) if rows else None


def lists_of_group(db, group_id: int) -> list[FloorList]:
    return [_list(r) for r in query(db, "SELECT * FROM floor_lists WHERE group_id = ? ORDER BY opened_at, id",
                                    [group_id])]


def latest_list(db, group_id: int) -> FloorList | None:
    rows = list(query(db, "SELECT * FROM floor_lists WHERE group_id = ? ORDER BY (status != 'ended') DESC, "
                          "coalesce(ended_at, opened_at) DESC, id DESC LIMIT 1", [group_id]))
    return _list(rows[0]) if rows else None


def open_list(db, group_id: int, *, session_id: int | None, item_id: int | None, item_number: str | None,
              item_title: str, by: str, now: datetime) -> FloorList:
    list_id = db.execute("INSERT INTO floor_lists (group_id, session_id, item_id, item_number, item_title, status, "
                         "opened_by, opened_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                         [group_id, session_id, item_id, item_number, item_title, by, to_iso(now)]).lastrowid
    return list_by_id(db, list_id)


def set_status(db, list_id: int, status: str, now: datetime) -> None:
    db.execute("UPDATE floor_lists SET status = ?, ended_at = ? WHERE id = ?",
               [status, to_iso(now) if status == "ended" else None, list_id])


def set_order(db, list_id: int, rule: str, seed: str | None) -> None:
    db.execute("UPDATE floor_lists SET order_rule = ?, lot_seed = coalesce(?, lot_seed) WHERE id = ?",
               [rule, seed, list_id])


# --- requests --------------------------------------------------------------------------------

def add_request(db, list_id: int, *, delegation: str, key: str, kind: str, ref: str | None, by: str, now: datetime,
                position: float | None = None, status: str = "waiting") -> FloorRequest | None:
    """A place on the list; None when the delegation already has one of that kind (waiting or speaking)."""
    try:
        rid = db.execute("INSERT INTO floor_requests (list_id, delegation, key, kind, ref, requested_by, requested_at, "
                         "position, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [list_id, delegation, key, kind, ref, by, to_iso(now), position, status,
                          to_iso(now)]).lastrowid
    except sqlite3.IntegrityError:
        return None
    return request_by_id(db, rid)


def request_by_id(db, request_id: int) -> FloorRequest | None:
    rows = list(query(db, "SELECT * FROM floor_requests WHERE id = ?", [request_id]))
    return _request(rows[0]) if rows else None


def requests(db, list_id: int, *statuses: str) -> list[FloorRequest]:
    """The list's requests in the order they arrived (of the given statuses, or all)."""
    if statuses:
        marks = ", ".join("?" * len(statuses))
        return [_request(r) for r in query(db, f"SELECT * FROM floor_requests WHERE list_id = ? AND status IN ({marks}) "
                                               "ORDER BY id", [list_id, *statuses])]
    return [_request(r) for r in query(db, "SELECT * FROM floor_requests WHERE list_id = ? ORDER BY id", [list_id])]


def waiting_of(db, list_id: int, key: str, kind: str) -> FloorRequest | None:
    rows = list(query(db, "SELECT * FROM floor_requests WHERE list_id = ? AND key = ? AND kind = ? "
                          "AND status = 'waiting'", [list_id, key, kind]))
    return _request(rows[0]) if rows else None


def replies_taken(db, list_id: int, key: str) -> int:
    """Rights of reply a delegation asked on this list and did not withdraw (the Chair's removal counts)."""
    return db.execute("SELECT count(*) FROM floor_requests WHERE list_id = ? AND key = ? AND kind = 'reply' "
                      "AND status != 'withdrawn'", [list_id, key]).fetchone()[0]


def set_request_status(db, request_id: int, status: str, now: datetime) -> bool:
    return db.execute("UPDATE floor_requests SET status = ?, updated_at = ? WHERE id = ?",
                      [status, to_iso(now), request_id]).rowcount == 1


def set_positions(db, positions: dict[int, float]) -> None:
    db.conn.executemany("UPDATE floor_requests SET position = ? WHERE id = ?",
                   [(pos, rid) for rid, pos in positions.items()])


# --- statements ------------------------------------------------------------------------------

def start_speech(db, list_id: int, *, request_id: int | None, delegation: str, category: str, kind: str,
                 limit_seconds: int | None, by: str, now: datetime, out_of_turn: bool = False) -> Speech:
    sid = db.execute("INSERT INTO floor_speeches (list_id, request_id, delegation, category, kind, limit_seconds, "
                     "started_at, called_by, out_of_turn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [list_id, request_id, delegation, category, kind, limit_seconds, to_iso(now), by,
                      int(out_of_turn)]).lastrowid
    return speech_by_id(db, sid)


def end_speech(db, speech_id: int, now: datetime) -> None:
    db.execute("UPDATE floor_speeches SET ended_at = ? WHERE id = ? AND ended_at IS NULL", [to_iso(now), speech_id])


def speech_by_id(db, speech_id: int) -> Speech | None:
    rows = list(query(db, "SELECT * FROM floor_speeches WHERE id = ?", [speech_id]))
    return _speech(rows[0]) if rows else None


def current_speech(db, list_id: int) -> Speech | None:
    rows = list(query(db, "SELECT * FROM floor_speeches WHERE list_id = ? AND ended_at IS NULL", [list_id]))
    return _speech(rows[0]) if rows else None


def speeches(db, list_id: int) -> list[Speech]:
    return [_speech(r) for r in query(db, "SELECT * FROM floor_speeches WHERE list_id = ? ORDER BY started_at, id",
                                      [list_id])]


def timed_speeches(db) -> list[tuple[Speech, int]]:
    """Statements under way with a time limit, with their group: what the timer watches."""
    return [(_speech(r), r["group_id"]) for r in query(
        db, "SELECT s.*, l.group_id FROM floor_speeches s JOIN floor_lists l ON l.id = s.list_id "
            "WHERE s.ended_at IS NULL AND s.limit_seconds > 0")]


def claim_timer(db, speech_id: int, kind: str, now: datetime) -> bool:
    """At most once per statement and kind (30 s left, time up): False when it was claimed before."""
    try:
        db.execute("INSERT INTO floor_timer_log (speech_id, kind, at) VALUES (?, ?, ?)", [speech_id, kind, to_iso(now)])
    except sqlite3.IntegrityError:
        return False
    return True


def timers_claimed(db, speech_id: int) -> set[str]:
    return {r["kind"] for r in query(db, "SELECT kind FROM floor_timer_log WHERE speech_id = ?", [speech_id])}


def timer_fingerprint(db) -> str:
    """Changes whenever a statement starts or ends: the scheduler re-plans the timer then."""
    row = db.execute("SELECT count(*), max(id), sum(ended_at IS NULL) FROM floor_speeches").fetchone()
    return f"{row[0]}:{row[1]}:{row[2]}"


# --- the record ------------------------------------------------------------------------------

def record(db, list_id: int, now: datetime, actor: str, action: str, delegation: str | None = None,
           detail: str | None = None) -> None:
    db.execute("INSERT INTO floor_events (list_id, at, actor, action, delegation, detail) VALUES (?, ?, ?, ?, ?, ?)",
               [list_id, to_iso(now), actor, action, delegation, detail])


def events(db, list_id: int) -> list[FloorEvent]:
    return [_event(r) for r in query(db, "SELECT * FROM floor_events WHERE list_id = ? ORDER BY id", [list_id])]


# --- export and restore ------------------------------------------------------------------------

def restore_list(db, group_id: int, data: dict, session_id: int | None, item_id: int | None) -> int:
    """One list from the JSON export, with its requests, statements and record (ids are new)."""
    list_id = db.execute(
        "INSERT INTO floor_lists (group_id, session_id, item_id, item_number, item_title, status, order_rule, "
        "lot_seed, opened_by, opened_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [group_id, session_id, item_id, data.get("item_number"), data["item_title"], data["status"],
         data["order"], data.get("lot_seed"), data["opened_by"], data["opened_at"], data.get("ended_at")]).lastrowid
    ids: dict[int, int] = {}
    for r in data.get("requests", []):
        ids[r["id"]] = db.execute(
            "INSERT INTO floor_requests (list_id, delegation, key, kind, ref, requested_by, requested_at, position, "
            "status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [list_id, r["delegation"], r["key"], r["kind"], r.get("ref"), r["requested_by"], r["requested_at"],
             r.get("position"), r["status"], r["requested_at"]]).lastrowid
    for s in data.get("statements", []):
        db.execute("INSERT INTO floor_speeches (list_id, request_id, delegation, category, kind, limit_seconds, "
                   "started_at, ended_at, called_by, out_of_turn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [list_id, ids.get(s.get("request")), s["delegation"], s["category"], s["kind"],
                    s.get("limit_seconds"), s["started_at"], s.get("ended_at"), s["called_by"],
                    int(bool(s.get("out_of_turn")))])
    for e in data.get("record", []):
        db.execute("INSERT INTO floor_events (list_id, at, actor, action, delegation, detail) VALUES (?, ?, ?, ?, ?, ?)",
                   [list_id, e["at"], e["actor"], e["action"], e.get("delegation"), e.get("detail")])
    return list_id
