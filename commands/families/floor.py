"""floor …: the speakers' list in the meeting room.

The Chair (a coordinator) opens the floor on an agenda item, delegations ask for it, the Chair calls them in the
order ``commands.rules.speakers`` decides, statements are timed, and everything is recorded (``floor log``). The
room sees one **rolling list** per item: every change queues its new version in the outbox in the same transaction
as the change (``publish``), and the outbox updates the message in place in each of the group's rooms. Who may do
what is declared here (``coordinator=True``) and enforced by ``commands.dispatch``. How the list reads is in
``floor_list``; the timer is in ``floor_timer``.
"""
from __future__ import annotations

from commands import reply_codec
from commands.core import Context, UserError
from commands.families.floor_list import (ORDER_WORDS, State, clock_text, log_reply, ordinal, people_of,
                                          publish_list, rolling_list)
from commands.operations import record_audit
from commands.registry import find_subcommand, head, subcommand
from commands.reply import Code, Line, Reply, Section, Strong, info, line
from commands.rules import speakers as rules
from commands.rules.delegations import clean_delegation, key_of, resolve_delegation
from commands.rules.targets import current_session
from commands.text.args import shown, take_word
from storage import agenda as agenda_store
from storage import floor as store
from storage import outbox as outbox_store
from storage.db import write_tx
from storage.floor import FloorList

CATEGORY_WORDS = {"party": "party", "parties": "party", "state": "party", "observer": "observer",
                  "observers": "observer", "organisation": "organisation", "organization": "organisation",
                  "organisations": "organisation", "organizations": "organisation", "io": "organisation",
                  "civil": "civil", "ngo": "civil", "society": "civil"}


def publish(ctx: Context, lst: FloorList) -> None:
    """Queue the new version of the rolling list for each of the group's rooms, in the caller's transaction: the
    change and the message that shows it are on disk together (a crash between them loses neither)."""
    lst = store.list_by_id(ctx.db, lst.id)
    publish_list(ctx.db, ctx.group, lst, ctx.now, ctx.front_ends, ctx.heads())
    ctx.queued = True




def _tell(ctx: Context, people: list[str], reply: Reply) -> None:
    """Private notices (you have the floor …) through the outbox, in the caller's transaction."""
    for person in dict.fromkeys(people):
        outbox_store.enqueue(ctx.db, person, reply_codec.dumps(reply), "floor", ctx.now)
    ctx.queued = True




def _active(ctx: Context) -> FloorList:
    lst = store.active_list(ctx.db, ctx.group.id)
    if lst is None:
        raise UserError("The floor is not open: the Chair opens it on an agenda item with "
                        f"{ctx.cmd('floor open ITEM')}.")
    button = ctx.request.options.get("floor_list")
    if button is not None and button != lst.id:
        raise UserError("That button belongs to the list of an earlier item: use the current list.")
    return lst


def _my_delegation(ctx: Context) -> str:
    if not ctx.delegation:
        raise UserError("Only registered delegations ask for the floor: register with "
                        f"{ctx.cmd('iam DELEGATION')} first.")
    return ctx.delegation


def _outcome(ctx: Context, lst: FloorList, message: Line, *, public: bool = False) -> Reply:
    return Reply(text="".join(p if isinstance(p, str) else p.text for p in message),
                 sections=[Section(body=[message])], public=public,
                 context=[line("The list: ", Code(ctx.cmd("floor")))])


# --- the head --------------------------------------------------------------------------------

@head("floor", "floor [request [on REF] | withdraw | reply | open [ITEM] | next | …]",
      "The speakers' list: ask for the floor, see who is next; the Chair's controls (alone: the list).")
def floor(ctx: Context, text: str) -> Reply:
    words = text.split()
    if not words:
        return show_list(ctx)
    cmd, _ = find_subcommand(words, ctx.registry.under.get("floor", {}))
    if cmd is None:
        raise UserError(f"'{shown(words[0])}' is not something floor can do.",
                        line("Ask for the floor: ", Code(ctx.cmd("floor request")), " · all: ",
                             Code(ctx.cmd("help floor"))))
    rest = text
    for _ in cmd.name.split():
        _, rest = take_word(rest)
    return cmd.handler(ctx, rest.strip())


def show_list(ctx: Context) -> Reply:
    lst = store.active_list(ctx.db, ctx.group.id)
    if lst is None:
        last = store.latest_list(ctx.db, ctx.group.id)
        hint = line("The record of the last item: ", Code(ctx.cmd("floor log"))) if last else \
            line("The Chair opens it with ", Code(ctx.cmd("floor open ITEM")))
        return info("The floor is not open.", hint)
    reply = rolling_list(ctx.db, ctx.group, lst, ctx.now, ctx.cmd, ctx.front_end.prompts)
    reply.public = False
    return reply


# --- delegates ---------------------------------------------------------------------------------

@subcommand("request", "floor request [on REF]", "Ask for the floor for your delegation (on a question: on 2.6).",
            under="floor")
def floor_request(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    delegation = _my_delegation(ctx)
    word, rest = take_word(text)
    ref = None
    if word:
        if word.lower() != "on" or not rest.strip() or len(rest.split()) != 1:
            raise UserError(f"Write {ctx.cmd('floor request')}, or {ctx.cmd('floor request on 2.6')} to speak on "
                            "a question.")
        ref = rest.strip()
        if lst.session_id is None or agenda_store.session_question(ctx.db, lst.session_id, ref) is None:
            raise UserError(f"{shown(ref)} is not a question of this session: nothing was changed.",
                            line("The questions: ", Code(ctx.cmd("questions"))))
    if lst.status != "open":
        raise UserError(f"The list of speakers on {lst.item_label} is closed: the Chair takes no more requests. "
                        f"A right of reply is still possible: {ctx.cmd('floor reply')}.")
    key = key_of(delegation)
    with write_tx(ctx.db):
        req = store.add_request(ctx.db, lst.id, delegation=delegation, key=key, kind="speak", ref=ref,
                                by=ctx.request.user, now=ctx.now, position=_end_position(ctx, lst))
        if req is not None:
            store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "request", delegation, ref)
            publish(ctx, lst)
    st = State(ctx.db, ctx.group, lst)
    if req is None:
        mine = store.waiting_of(ctx.db, lst.id, key, "speak")
        if mine is None:
            return _outcome(ctx, lst, line(Strong(delegation), " has the floor now."))
        return _outcome(ctx, lst, line(Strong(delegation), " is already on the list: ",
                                       Strong(ordinal(st.place(mine.id))), " (one place per delegation)."))
    return _outcome(ctx, lst, line(Strong(delegation), " is on the list: ", Strong(ordinal(st.place(req.id))),
                                   f" of {len(st.ordered)} ({st.label(st.category(key))}, "
                                   f"{ORDER_WORDS[lst.order_rule]})."))


def _end_position(ctx: Context, lst: FloorList) -> float:
    """Under the Chair's order a new request goes to the end."""
    positions = [r.position for r in store.requests(ctx.db, lst.id, "waiting") if r.position is not None]
    return (max(positions) if positions else 0) + 1


@subcommand("withdraw", "floor withdraw", "Withdraw your delegation's request for the floor (or its right of reply).",
            under="floor")
def floor_withdraw(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    delegation = _my_delegation(ctx)
    key = key_of(delegation)
    with write_tx(ctx.db):
        req = store.waiting_of(ctx.db, lst.id, key, "speak") or store.waiting_of(ctx.db, lst.id, key, "reply")
        if req is None:
            raise UserError(f"{delegation} is not waiting for the floor: nothing to withdraw.")
        store.set_request_status(ctx.db, req.id, "withdrawn", ctx.now)
        store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "withdraw", delegation, req.kind)
        publish(ctx, lst)
    what = "right of reply" if req.kind == "reply" else "request for the floor"
    return _outcome(ctx, lst, line(f"{delegation}'s {what} is withdrawn."))


@subcommand("reply", "floor reply", "Ask for a right of reply (taken at the end of the item; at most twice).",
            under="floor")
def floor_reply(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    delegation = _my_delegation(ctx)
    key = key_of(delegation)
    with write_tx(ctx.db):
        if store.waiting_of(ctx.db, lst.id, key, "reply") is not None:
            raise UserError(f"{delegation} has asked for a right of reply already; it is taken at the end of the item.")
        if not rules.may_reply(store.replies_taken(ctx.db, lst.id, key)):
            raise UserError(f"{delegation} has had its {rules.MAX_REPLIES} rights of reply on {lst.item_label}.")
        req = store.add_request(ctx.db, lst.id, delegation=delegation, key=key, kind="reply", ref=None,
                                by=ctx.request.user, now=ctx.now)
        if req is None:
            raise UserError(f"{delegation} is speaking in reply now: ask for another after it.")
        store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "reply", delegation)
        publish(ctx, lst)
    st = State(ctx.db, ctx.group, lst)
    return _outcome(ctx, lst, line("Right of reply for ", Strong(delegation), ": ", Strong(ordinal(st.place(req.id))),
                                   " on the list (rights of reply come after the statements)."))


# --- the Chair -----------------------------------------------------------------------------------

def _find_item(ctx: Context, word: str | None):
    session, _ = current_session(ctx)
    if session is None:
        raise UserError("There is no session to open the floor in: import an agenda first.")
    items = [i for i in agenda_store.items_of_session(ctx.db, session.id) if i.kind != "break"]
    if word:
        found = next((i for i in items if (i.number or "").lower() == word.lower().rstrip(".")), None)
        if found is None:
            numbers = ", ".join(i.number for i in items if i.number)
            raise UserError(f"{session.title} has no item {shown(word)}" + (f" (its items: {numbers})." if numbers
                                                                               else "."))
        return session, found
    now = [i for i in items if i.start and i.end and i.start <= ctx.now < i.end]
    if not now:
        raise UserError(f"No item of {session.title} is under way by the clock: say which, "
                        f"{ctx.cmd('floor open ITEM')} (for example {ctx.cmd('floor open 2')}).")
    return session, now[0]


def _end(ctx: Context, lst: FloorList) -> None:
    speech = store.current_speech(ctx.db, lst.id)
    if speech is not None:
        _finish(ctx, lst, speech)
    store.set_status(ctx.db, lst.id, "ended", ctx.now)
    store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "end")
    publish(ctx, lst)


def _finish(ctx: Context, lst: FloorList, speech) -> None:
    store.end_speech(ctx.db, speech.id, ctx.now)
    if speech.request_id:
        store.set_request_status(ctx.db, speech.request_id, "spoken", ctx.now)
    store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "end statement", speech.delegation,
                 clock_text(speech.seconds(ctx.now)))


def _open(ctx: Context, session, item) -> Reply:
    with write_tx(ctx.db):
        active = store.active_list(ctx.db, ctx.group.id)
        if active is not None and active.item_id == item.id:
            raise UserError(f"The floor is already open on {active.item_label}.")
        if active is not None:
            _end(ctx, active)
        lst = store.list_for_item(ctx.db, ctx.group.id, item.id)
        if lst is None:
            lst = store.open_list(ctx.db, ctx.group.id, session_id=session.id, item_id=item.id,
                                  item_number=item.number, item_title=item.title, by=ctx.request.user, now=ctx.now)
        else:
            store.set_status(ctx.db, lst.id, "open", ctx.now)
        store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "open", None, lst.item_label)
        publish(ctx, lst)
    return Reply(text=f"The floor is open on {lst.item_label}", sections=[Section(body=[
        line("The floor is open on ", Strong(lst.item_label), "; the rolling list is in the room.")])],
        context=[line("Call the first speaker: ", Code(ctx.cmd("floor next")), " · close the list: ",
                      Code(ctx.cmd("floor close")))])


@subcommand("open", "floor open [ITEM]", "Open the floor on an agenda item (alone: the item under way by the clock).",
            coordinator=True, under="floor")
def floor_open(ctx: Context, text: str) -> Reply:
    session, item = _find_item(ctx, text.strip() or None)
    return _open(ctx, session, item)


@subcommand("next item", "floor next item", "End this item's list and open the floor on the next agenda item.",
            coordinator=True, under="floor")
def floor_next_item(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    items = [i for i in agenda_store.items_of_session(ctx.db, lst.session_id) if i.kind != "break"] \
        if lst.session_id else []
    after = next((k for k, i in enumerate(items) if i.id == lst.item_id), None)
    if after is None or after + 1 >= len(items):
        with write_tx(ctx.db):
            _end(ctx, lst)
        return info(f"{lst.item_label} was the last item: its list is ended (the record: "
                    f"{ctx.cmd('floor log')}).")
    session = agenda_store.session_by_id(ctx.db, lst.session_id)
    return _open(ctx, session, items[after + 1])


@subcommand("close", "floor close", "Close the list of speakers: no more requests (rights of reply still taken).",
            coordinator=True, under="floor")
def floor_close(ctx: Context, text: str) -> Reply:
    return _set_status(ctx, "closed", "close", " is closed.",
                       lambda lst: f"The list on {lst.item_label} is closed already ({ctx.cmd('floor reopen')} opens "
                                   "it again).")


@subcommand("reopen", "floor reopen", "Open the closed list of speakers again for requests.",
            coordinator=True, under="floor")
def floor_reopen(ctx: Context, text: str) -> Reply:
    return _set_status(ctx, "open", "reopen", " is open again.", lambda lst: f"The list on {lst.item_label} is open.")


def _set_status(ctx: Context, status: str, event: str, said: str, already) -> Reply:
    """Close or reopen the active list: recorded, the rolling list republished, in one transaction."""
    lst = _active(ctx)
    if lst.status == status:
        return info(already(lst))
    with write_tx(ctx.db):
        store.set_status(ctx.db, lst.id, status, ctx.now)
        store.record(ctx.db, lst.id, ctx.now, ctx.request.user, event)
        publish(ctx, lst)
    return _outcome(ctx, lst, line("The list of speakers on ", Strong(lst.item_label), said))


def _call(ctx: Context, lst: FloorList, req, *, out_of_turn: bool = False) -> Reply:
    """End the statement under way and give the floor to ``req`` (in the caller's transaction)."""
    st = State(ctx.db, ctx.group, lst)
    category = st.category(req.key)
    limit = st.limit(category)
    store.set_request_status(ctx.db, req.id, "speaking", ctx.now)
    store.start_speech(ctx.db, lst.id, request_id=req.id, delegation=req.delegation, category=category,
                       kind=req.kind, limit_seconds=limit, by=ctx.request.user, now=ctx.now, out_of_turn=out_of_turn)
    store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "give" if out_of_turn else "call", req.delegation,
                 f"{req.kind}, limit {clock_text(limit) if limit else 'none'}")
    minutes = f" You have {clock_text(limit)} minutes; you will be told when 30 seconds are left." if limit else ""
    what = "a right of reply" if req.kind == "reply" else "the floor"
    _tell(ctx, people_of(ctx.db, ctx.group.id, req), Reply(
        text=f"{req.delegation} has {what}", sections=[Section(body=[line(
            Strong(req.delegation), f" has {what} on {lst.item_label}.{minutes}")])]))
    publish(ctx, lst)
    return _outcome(ctx, lst, line(Strong(req.delegation), f" has {what}",
                                   f" ({clock_text(limit)} min)." if limit else "."))


@subcommand("next", "floor next", "End the statement under way and call the next speaker (the timer starts).",
            coordinator=True, under="floor")
def floor_next(ctx: Context, text: str) -> Reply:
    if text:
        raise UserError(f"Write {ctx.cmd('floor next')} (the next speaker) or {ctx.cmd('floor next item')}.")
    lst = _active(ctx)
    with write_tx(ctx.db):
        current = store.current_speech(ctx.db, lst.id)
        if current is not None:
            _finish(ctx, lst, current)
        st = State(ctx.db, ctx.group, lst)
        if not st.ordered:
            if current is not None:
                publish(ctx, lst)
            else:
                raise UserError("No one is waiting for the floor.")
            return _outcome(ctx, lst, line(Strong(current.delegation), " has finished; no one else is waiting."))
        return _call(ctx, lst, st.ordered[0])


def _delegation_arg(ctx: Context, text: str) -> tuple[str, str]:
    if not text.strip():
        raise UserError("Say which delegation.")
    name = resolve_delegation(ctx, text.strip())
    return name, key_of(name)


@subcommand("add", "floor add DELEGATION", "Put a delegation on the list (at its place under the order in force).",
            coordinator=True, under="floor")
def floor_add(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    delegation, key = _delegation_arg(ctx, text)
    with write_tx(ctx.db):
        req = store.add_request(ctx.db, lst.id, delegation=delegation, key=key, kind="speak", ref=None,
                                by=ctx.request.user, now=ctx.now, position=_end_position(ctx, lst))
        if req is None:
            raise UserError(f"{delegation} is on the list already.")
        store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "add", delegation)
        record_audit(ctx.db, ctx.group, ctx.request.user, "floor add", f"{delegation} on {lst.item_label}", ctx.now)
        publish(ctx, lst)
    st = State(ctx.db, ctx.group, lst)
    return _outcome(ctx, lst, line(Strong(delegation), " is on the list: ", Strong(ordinal(st.place(req.id))), "."))


@subcommand("move", "floor move DELEGATION POSITION",
            "Move a delegation to a place on the list (the order becomes the Chair's).", coordinator=True,
            under="floor")
def floor_move(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    words = text.split()
    if len(words) < 2 or not words[-1].isdigit() or int(words[-1]) < 1:
        raise UserError(f"Write {ctx.cmd('floor move DELEGATION POSITION')} (for example "
                        f"{ctx.cmd('floor move Chile 1')}).")
    position = int(words[-1])
    delegation, key = _delegation_arg(ctx, " ".join(words[:-1]))
    with write_tx(ctx.db):
        st = State(ctx.db, ctx.group, lst)
        speak = [r for r in st.ordered if r.kind == "speak"]
        mine = next((r for r in speak if r.key == key), None)
        if mine is None:
            raise UserError(f"{delegation} is not waiting on the list.")
        speak.remove(mine)
        speak.insert(min(position, len(speak) + 1) - 1, mine)
        store.set_positions(ctx.db, {r.id: float(i + 1) for i, r in enumerate(speak)})
        store.set_order(ctx.db, lst.id, "chair", None)
        store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "move", delegation, str(position))
        record_audit(ctx.db, ctx.group, ctx.request.user, "floor move", f"{delegation} to {position} on "
                     f"{lst.item_label}", ctx.now)
        publish(ctx, lst)
    st = State(ctx.db, ctx.group, store.list_by_id(ctx.db, lst.id))
    return _outcome(ctx, lst, line(Strong(delegation), " is now ", Strong(ordinal(st.place(mine.id))),
                                   " (the order is the Chair's from now on)."))


@subcommand("remove", "floor remove DELEGATION", "Take a delegation off the list.", coordinator=True, under="floor")
def floor_remove(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    delegation, key = _delegation_arg(ctx, text)
    with write_tx(ctx.db):
        waiting = [r for r in store.requests(ctx.db, lst.id, "waiting") if r.key == key]
        if not waiting:
            raise UserError(f"{delegation} is not waiting on the list.")
        for r in waiting:
            store.set_request_status(ctx.db, r.id, "removed", ctx.now)
        store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "remove", delegation)
        record_audit(ctx.db, ctx.group, ctx.request.user, "floor remove", f"{delegation} from {lst.item_label}",
                     ctx.now)
        publish(ctx, lst)
    return _outcome(ctx, lst, line(Strong(delegation), " is off the list."))


@subcommand("give", "floor give DELEGATION", "Give the floor to a delegation out of turn.", coordinator=True,
            under="floor")
def floor_give(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    delegation, key = _delegation_arg(ctx, text)
    with write_tx(ctx.db):
        current = store.current_speech(ctx.db, lst.id)
        if current is not None:
            _finish(ctx, lst, current)
        req = store.waiting_of(ctx.db, lst.id, key, "speak") or store.add_request(
            ctx.db, lst.id, delegation=delegation, key=key, kind="speak", ref=None, by=ctx.request.user, now=ctx.now)
        record_audit(ctx.db, ctx.group, ctx.request.user, "floor give", f"{delegation} on {lst.item_label}", ctx.now)
        return _call(ctx, lst, req, out_of_turn=True)


@subcommand("order", "floor order time|lot|chair",
            "How the list is ordered within each category: time of request, lot (drawn once), or the Chair's order.",
            coordinator=True, under="floor")
def floor_order(ctx: Context, text: str) -> Reply:
    lst = _active(ctx)
    rule = text.strip().lower()
    if rule not in rules.RULES:
        raise UserError(f"Write {ctx.cmd('floor order time')}, {ctx.cmd('floor order lot')} or "
                        f"{ctx.cmd('floor order chair')}.")
    with write_tx(ctx.db):
        seed = None
        if rule == "lot":
            seed = lst.lot_seed or rules.draw_seed()       # drawn once per list, kept in its record
        if rule == "chair":
            st = State(ctx.db, ctx.group, lst)
            store.set_positions(ctx.db, {r.id: float(i + 1) for i, r in enumerate(st.ordered) if r.kind == "speak"})
        store.set_order(ctx.db, lst.id, rule, seed)
        store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "order", None,
                     f"{rule}, seed {seed}" if seed else rule)
        publish(ctx, lst)
    drawn = f" (lot drawn with seed {seed}, kept in the record)" if seed else ""
    return _outcome(ctx, lst, line(f"The list is ordered {ORDER_WORDS[rule]} within each category{drawn}."))


def _category(word: str) -> str:
    category = CATEGORY_WORDS.get(word.lower())
    if category is None:
        raise UserError(f"{shown(word)} is not a category: party, observer, organisation or civil.")
    return category


@subcommand("limit", "floor limit CATEGORY MINUTES",
            "The time limit of a statement for a category (party, observer, organisation, civil); 0: none.",
            coordinator=True, under="floor")
def floor_limit(ctx: Context, text: str) -> Reply:
    words = text.split()
    if len(words) != 2:
        raise UserError(f"Write {ctx.cmd('floor limit CATEGORY MINUTES')} (for example {ctx.cmd('floor limit observer 3')}).")
    category = _category(words[0])
    try:
        minutes = float(words[1].replace(",", "."))
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= 60 or minutes * 60 != int(minutes * 60):
        raise UserError(f"{shown(words[1])} is not a number of minutes between 0 and 60 (for example 3 or 1.5).")
    seconds = int(minutes * 60)
    with write_tx(ctx.db):
        store.set_limit(ctx.db, ctx.group.id, category, seconds)
        record_audit(ctx.db, ctx.group, ctx.request.user, "floor limit", f"{category}: {clock_text(seconds)}", ctx.now)
        lst = store.active_list(ctx.db, ctx.group.id)
        if lst is not None:
            store.record(ctx.db, lst.id, ctx.now, ctx.request.user, "limit", None, f"{category} {clock_text(seconds)}")
    label = rules.label_of(category, store.category_settings(ctx.db, ctx.group.id))
    return info(f"Statements of {label} delegations: {clock_text(seconds)} minutes from the next call." if seconds
                else f"Statements of {label} delegations have no time limit from the next call.")


@subcommand("log", "floor log [ITEM]", "The record of an item: who spoke, in which order, for how long.",
            under="floor")
def floor_log(ctx: Context, text: str) -> Reply:
    word = text.strip()
    if word:
        _, item = _find_item(ctx, word)
        lst = store.list_for_item(ctx.db, ctx.group.id, item.id)
        if lst is None:
            raise UserError(f"The floor was never opened on item {shown(word)}.")
    else:
        lst = store.latest_list(ctx.db, ctx.group.id)
        if lst is None:
            raise UserError("The floor has not been opened yet: there is no record.")
    return log_reply(ctx.db, ctx.group, lst, ctx.now, lambda user: _who(ctx, user))


def _who(ctx: Context, user: str) -> str:
    from commands.text.people import display
    return display(ctx, user)




# --- categories (under convene roster) ---------------------------------------------------------

@subcommand("roster category", "roster category NAME party|observer|organisation|civil",
            "A delegation's category on the speakers' list (States Parties speak first, then observers, "
            "organisations, civil society).", coordinator=True)
def roster_category(ctx: Context, text: str) -> Reply:
    words = text.split()
    if len(words) < 2:
        settings = store.category_settings(ctx.db, ctx.group.id)
        known = store.categories(ctx.db, ctx.group.id)
        body = [line(Strong(rules.label_of(c, settings)), f" ({c}): ",
                     ", ".join(n for n, cat in known.values() if cat == c) or "—") for c in rules.CATEGORIES]
        return Reply(text="Categories", sections=[Section(heading=line(Strong("Categories of delegations")),
                                                         body=body)],
                     context=[line("Set one: ", Code(ctx.cmd("roster category NAME observer")), " · rename: ",
                                   Code(ctx.cmd("roster label CATEGORY LABEL")))])
    category = _category(words[-1])
    delegation = resolve_delegation(ctx, " ".join(words[:-1]))
    with write_tx(ctx.db):
        store.set_category(ctx.db, ctx.group.id, key_of(delegation), delegation, category, ctx.now)
        record_audit(ctx.db, ctx.group, ctx.request.user, "category", f"{delegation}: {category}", ctx.now)
        lst = store.active_list(ctx.db, ctx.group.id)
        if lst is not None:
            publish(ctx, lst)
    label = rules.label_of(category, store.category_settings(ctx.db, ctx.group.id))
    return info(f"{delegation}: {label}.")


@subcommand("roster label", "roster label CATEGORY LABEL",
            "The name a category is shown with (for example: roster label organisation Agency).", coordinator=True)
def roster_label(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    if not word or not rest.strip():
        raise UserError(f"Write {ctx.cmd('roster label CATEGORY LABEL')}.")
    category = _category(word)
    label = clean_delegation(rest.strip())
    with write_tx(ctx.db):
        store.set_label(ctx.db, ctx.group.id, category, label)
        record_audit(ctx.db, ctx.group, ctx.request.user, "category label", f"{category}: {label}", ctx.now)
    return info(f"The category {category} is shown as “{label}”.")


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(floor, floor_request, floor_withdraw, floor_reply, floor_log, floor_open, floor_next_item,
                 floor_close, floor_reopen, floor_next, floor_add, floor_move, floor_remove, floor_give, floor_order,
                 floor_limit, roster_category, roster_label)
