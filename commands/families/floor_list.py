"""The speakers' list as the room reads it: the state of an item's list (who speaks, who is next in order, who
has spoken), the rolling list rendered from it and queued for each of the group's rooms, who hears that their
delegation has the floor, and the record (``floor log`` and the JSON export read the same ``log_entries``)."""
from __future__ import annotations

from datetime import datetime

from commands import reply_codec
from commands.contract import NextSpeaker, RequestFloor
from commands.reply import Button, Code, Reply, Section, Strong, Table, When, line
from commands.rules import speakers as rules
from commands.rules.delegations import key_of
from commands.text.words import count
from storage import agenda as agenda_store
from storage import floor as store
from storage import groups as group_store
from storage import outbox as outbox_store
from storage.floor import FloorList

ORDER_WORDS = {"time": "by time of request", "lot": "by lot", "chair": "as the Chair set it"}


def slot(lst: FloorList) -> str:
    return f"floor:{lst.id}"


def clock_text(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- reading the state ------------------------------------------------------------------------

class State:
    """One list as the room sees it: the current statement, the waiting requests in order, what was said."""

    def __init__(self, db, group, lst: FloorList):
        self.db, self.group, self.lst = db, group, lst
        self.settings = store.category_settings(db, group.id)
        self.categories = store.categories(db, group.id)
        self.current = store.current_speech(db, lst.id)
        self.waiting = store.requests(db, lst.id, "waiting")
        by_id = {r.id: r for r in self.waiting}
        ordered = rules.order([rules.Waiting(r.id, r.key, r.kind, self.category(r.key), r.position)
                               for r in self.waiting], lst.order_rule, lst.lot_seed)
        self.ordered = [by_id[w.id] for w in ordered]
        self.spoken = [s for s in store.speeches(db, lst.id) if s.ended_at is not None]

    def category(self, key: str) -> str:
        return self.categories.get(key, (None, rules.DEFAULT_CATEGORY))[1]

    def label(self, category: str) -> str:
        return rules.label_of(category, self.settings)

    def limit(self, category: str) -> int | None:
        return rules.limit_of(category, self.settings)

    def place(self, request_id: int) -> int | None:
        return next((i + 1 for i, r in enumerate(self.ordered) if r.id == request_id), None)

    @property
    def tz(self) -> str:
        session = agenda_store.session_by_id(self.db, self.lst.session_id) if self.lst.session_id else None
        return session.timezone if session else self.group.timezone


def rolling_list(db, group, lst: FloorList, now: datetime, typed=lambda text: text, prompts: bool = False) -> Reply:
    """The rolling list of an item: who speaks and for how long, who is next in order, the rights of reply, who has
    spoken. Its plain text reads well on its own (a Matrix body, the console). ``typed`` writes a command the way
    the room's front end types it; where a reply to a message can be a command (``prompts``: Matrix), a reply to
    the list is a floor command (``request``, ``withdraw``, ``reply``; the Chair's ``next``)."""
    st = State(db, group, lst)
    tz = st.tz
    status = {"open": "List open", "closed": "List closed: no more requests (rights of reply still taken)",
              "ended": "Item closed"}[lst.status]
    sections = []
    if st.current is not None:
        s = st.current
        elapsed = s.seconds(now)
        of = f" of {clock_text(s.limit_seconds)}" if s.limit_seconds else ""
        over = " (time is up)" if s.limit_seconds and elapsed >= s.limit_seconds else ""
        what = "right of reply" if s.kind == "reply" else st.label(s.category)
        sections.append(Section(heading=line(Strong("Speaking")), body=[line(
            Strong(s.delegation), f" — {what} · {clock_text(elapsed)}{of}{over} · since ", When(s.started_at, tz))],
            button=Button("Next speaker", NextSpeaker.action_id, NextSpeaker(group.id, lst.id).encode())
            if lst.status != "ended" else None))
    elif lst.status != "ended":
        sections.append(Section(heading=line(Strong("Speaking")), body=[line("No one yet.")],
                                button=Button("Next speaker", NextSpeaker.action_id, NextSpeaker(group.id, lst.id).encode())
                                if st.ordered else None))
    speak = [r for r in st.ordered if r.kind == "speak"]
    replies = [r for r in st.ordered if r.kind == "reply"]
    body = [line(f"{st.place(r.id)}. ", Strong(r.delegation), f" — {st.label(st.category(r.key))}",
                 f" · on {r.ref}" if r.ref else "") for r in speak]
    sections.append(Section(heading=line(Strong("Next")), body=body or [line("No one has asked for the floor.")],
                            button=Button("Request the floor", RequestFloor.action_id,
                                          RequestFloor(group.id, lst.id).encode()) if lst.status == "open" else None))
    if replies:
        sections.append(Section(heading=line(Strong("Right of reply")), body=[
            line(f"{st.place(r.id)}. ", Strong(r.delegation)) for r in replies]))
    if st.spoken:
        sections.append(Section(heading=line(Strong("Spoken")), body=[
            line(Strong(s.delegation), f" {clock_text(s.seconds())}", " (reply)" if s.kind == "reply" else "",
                 " (out of turn)" if s.out_of_turn else "") for s in st.spoken]))
    context = [line(f"{status} · order {ORDER_WORDS[lst.order_rule]}")]
    if lst.status == "open":
        context.append(line("Ask: ", Code(typed("floor request")), " · withdraw: ", Code(typed("floor withdraw")),
                            " · right of reply: ", Code(typed("floor reply")),
                            " (or reply request, withdraw or reply to this message)" if prompts else ""))
    live = lst.status != "ended"
    return Reply(text=f"Speakers — {lst.item_label}", title=f"Speakers — {lst.item_label}", sections=sections,
                 context=context, public=True, reply_command="floor" if live else None,
                 reply_group=group.id if live else None)


def publish_list(db, group, lst: FloorList, now: datetime, front_ends, heads) -> None:
    for room in group_store.rooms_of_group(db, group.id):
        front_end = front_ends.of(room)
        reply = rolling_list(db, group, lst, now, lambda text, f=front_end: f.typed(text, heads), front_end.prompts)
        outbox_store.enqueue(db, room, reply_codec.dumps(reply), "floor", now, slot=slot(lst))


def people_of(db, group_id: int, request) -> list[str]:
    """Who hears that their delegation has the floor: who asked; when the Chair put it on the list, its members."""
    members = [m.user for m in group_store.members_of_group(db, group_id)
               if m.delegation and key_of(m.delegation) == (request.key if request else "")]
    if request is not None and request.requested_by in members:
        return [request.requested_by]
    return members


def log_entries(db, lst: FloorList) -> tuple[list[dict], list[dict]]:
    """The record of a list as data, the same for ``floor log`` and the JSON export: its statements in order (with
    their seconds) and every event (request, call, move, end …) with its time."""
    statements = [{"delegation": s.delegation, "category": s.category, "kind": s.kind, "started_at": s.started_at,
                   "ended_at": s.ended_at, "seconds": s.seconds() if s.ended_at else None,
                   "limit_seconds": s.limit_seconds, "out_of_turn": s.out_of_turn, "called_by": s.called_by,
                   "request": s.request_id} for s in store.speeches(db, lst.id)]
    events = [{"at": e.at, "actor": e.actor, "action": e.action, "delegation": e.delegation, "detail": e.detail}
              for e in store.events(db, lst.id)]
    return statements, events


def log_reply(db, group, lst: FloorList, now: datetime, who=lambda user: user) -> Reply:
    statements, events = log_entries(db, lst)
    session = agenda_store.session_by_id(db, lst.session_id) if lst.session_id else None
    tz = session.timezone if session else group.timezone
    rows = [[str(n), line(When(s["started_at"], tz)), s["delegation"],
             s["kind"] + (" (out of turn)" if s["out_of_turn"] else ""),
             clock_text(s["seconds"]) if s["seconds"] is not None else "speaking"]
            for n, s in enumerate(statements, 1)]
    sections = [Section(heading=line(Strong("Statements")), table=Table(["#", "at", "delegation", "kind", "length"],
                                                                        rows))
                if rows else Section(heading=line(Strong("Statements")), body=[line("No one has spoken.")])]
    sections.append(Section(heading=line(Strong("Record")), body=[
        line(When(e["at"], tz), f" {e['action']}", f" · {e['delegation']}" if e["delegation"] else "",
             f" · {e['detail']}" if e["detail"] else "", f" ({who(e['actor'])})") for e in events]))
    total = sum(s["seconds"] or 0 for s in statements)
    return Reply(text=f"Record — {lst.item_label}", title=f"Record of the floor — {lst.item_label}", sections=sections,
                 context=[line(f"{count(len(statements), 'statement')}, {clock_text(total)} in all · order "
                               f"{ORDER_WORDS[lst.order_rule]}" + (f" (lot seed {lst.lot_seed})" if lst.lot_seed
                                                                   else ""))],
                 timezone=tz)
