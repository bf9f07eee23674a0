"""The speakers' list on the console and in the core: a whole item (tests/floor_scenario.py), the order under every
rule, rights, 60 delegations asking in the same second, the timer claimed once across a restart."""
from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest

from bot.adapters.console import Console, render
from bot.outbox import Outbox
from bot.scheduler import ReminderScheduler
from commands.rules import speakers as rules
from commands.rules.speakers import Waiting
from storage import floor as floor_store
from storage import open_db
from storage import outbox as outbox_store
from tests.fakes.loop import BackgroundLoop
from tests.floor_scenario import run_item, wait_until


# --- the order, rule by rule ----------------------------------------------------------------------

def _w(i, key, category="party", kind="speak", position=None):
    return Waiting(i, key, kind, category, position)


def _keys(ws):
    return [w.key for w in ws]


def test_time_orders_by_category_then_arrival_and_replies_last():
    ws = [_w(1, "norway", "observer"), _w(2, "icrc", "organisation"), _w(3, "chile"), _w(4, "peru", kind="reply"),
          _w(5, "peru"), _w(6, "ngo", "civil"), _w(7, "japan", "observer"), _w(8, "chile", kind="reply")]
    assert _keys(rules.order(ws, "time")) == ["chile", "peru", "norway", "japan", "icrc", "ngo", "peru", "chile"]


def test_lot_is_drawn_from_the_recorded_seed_and_reproducible():
    ws = [_w(i, k) for i, k in enumerate(["a", "b", "c", "d", "e", "f", "g", "h"], 1)] + [_w(9, "obs", "observer")]
    first = _keys(rules.order(ws, "lot", "5eed"))
    assert _keys(rules.order(list(reversed(ws)), "lot", "5eed")) == first      # arrival does not matter
    assert first[-1] == "obs"                                                  # category still comes first
    assert first[:8] == sorted("abcdefgh", key=lambda k: rules.lot_number("5eed", k))
    assert first != _keys(rules.order(ws, "lot", "other")) or first != _keys(rules.order(ws, "time"))
    # A delegation that asks later takes its own place in the same draw.
    later = _keys(rules.order(ws + [_w(10, "z")], "lot", "5eed"))
    assert [k for k in later if k != "z"] == first


def test_chair_order_is_the_positions_across_categories_then_replies():
    ws = [_w(1, "chile", position=2), _w(2, "norway", "observer", position=1), _w(3, "peru", position=None),
          _w(4, "mexico", kind="reply")]
    assert _keys(rules.order(ws, "chair")) == ["norway", "chile", "peru", "mexico"]


def test_limits_labels_and_replies_defaults():
    assert rules.limit_of("party", {}) == 300 and rules.limit_of("observer", {}) == 180
    assert rules.limit_of("party", {"party": (None, 0)}) is None
    assert rules.label_of("organisation", {"organisation": ("Agency", None)}) == "Agency"
    assert rules.may_reply(1) and not rules.may_reply(2)
    assert rules.timer_due(180) == {"up": 180, "warn": 150} and rules.timer_due(20) == {"up": 20}


# --- the console: the whole item --------------------------------------------------------------------

class ConsoleFloor:
    """The console front end with the process's outbox and scheduler on a loop: replies as printed, the rolling
    list as the console reprints it in the room."""
    prefix, refused = "", "! "

    def __init__(self, db, db_path, clock):
        self.db, self.clock = db, clock
        self.out = io.StringIO()
        self.loop = BackgroundLoop()
        self.odb = open_db(db_path)
        self.console = Console(db, room="console:main", user="console:coord", clock=clock, out=self.out)
        self.outbox = Outbox(self.odb, clock, [self.console])
        self.console.outbox = self.outbox
        self.scheduler = ReminderScheduler(self.odb, clock, self.outbox)
        self.loop.run(self.outbox.start())

    def close(self):
        self.loop.run(self.outbox.stop())
        self.loop.close()
        self.odb.close()

    def settle(self):
        self.outbox.kick()
        self.loop.run(self.outbox.drain())

    def say(self, line, who):
        self.console.user = f"console:{who}"
        reply = self.console.execute(line)
        if reply.queued:
            self.outbox.kick()
        self.loop.run(self.outbox.drain())
        return render(reply)

    def printed(self) -> list[tuple[str, str]]:
        """(target, text) of what the outbox printed."""
        blocks, cur = [], None
        for ln in self.out.getvalue().split("\n"):
            if ln.startswith("[console:"):
                cur = [ln.split("] ", 1)[0][1:], ln.split("] ", 1)[1]]
                blocks.append(cur)
            elif cur is not None:
                cur[1] += "\n" + ln
        return [tuple(b) for b in blocks]

    def rolling(self, check):
        lists = [t for target, t in self.printed() if target == "console:main" and t.startswith("Speakers — ")]
        assert lists and check(lists[-1]), lists[-1] if lists else "no rolling list printed"
        return lists[-1]

    def advance(self, seconds):
        self.clock.set(self.clock.now + timedelta(seconds=seconds))
        self.loop.run(self.scheduler.sync())
        self.settle()

    def told_wait(self, who, text):
        assert any(target == f"console:{who}" and text in t for target, t in self.printed()), self.printed()[-3:]


@pytest.fixture
def console_floor(db, db_path, clock, seeded):
    d = ConsoleFloor(db, db_path, clock)
    yield d
    d.close()


def test_a_whole_item_on_the_console(console_floor):
    run_item(console_floor)
    # Every version of the rolling list went to the room's one slot; each was printed (the console reprints).
    versions = outbox_store.slot_history(console_floor.db, "console:main", "floor:1")
    assert versions and {v.status for v in versions} <= {"sent", "superseded"}
    assert versions[-1].status == "sent"


def test_the_rolling_list_reads_as_one_message(bot, clock):
    for who, name in (("chile", "Chile"), ("norway", "Norway")):
        bot(f"iam {name}", user=f"console:{who}")
    bot("roster category Norway observer", user="console:coord")
    bot("floor open 2", user="console:coord")
    bot("floor request on 2.6", user="console:norway")
    bot("floor request", user="console:chile")
    bot("floor next", user="console:coord")
    clock.set(clock.now + timedelta(seconds=75))
    assert bot("floor", user="console:norway") == (
        "Speakers — 2. International cooperation and assistance: victim assistance\n"
        "========================================================================\n"
        "Speaking\n"
        "  Chile — State Party · 1:15 of 5:00 · since 11:00\n"
        "Next\n"
        "  1. Norway — Observer State · on 2.6\n"
        "List open · order by time of request\n"
        "Ask: floor request · withdraw: floor withdraw · right of reply: floor reply")


# --- rights and refusals ----------------------------------------------------------------------------

def test_who_may_do_what(bot):
    assert bot("floor request", user="console:chile") == (
        "The floor is not open: the Chair opens it on an agenda item with floor open ITEM.")
    for line in ("floor open 2", "floor next", "floor next item", "floor close", "floor reopen", "floor add Chile",
                 "floor move Chile 1", "floor remove Chile", "floor give Chile", "floor order lot",
                 "floor limit party 3", "roster category Chile observer"):
        reply = bot.reply(line, user="console:chile")
        assert not reply.ok and "Only coordinators of Contact Group on Cooperation can use" in reply.text, line
    assert bot("floor open 2", user="console:coord").startswith("The floor is open on 2.")
    assert bot("floor request", user="console:nobody") == (
        "Only registered delegations ask for the floor: register with iam DELEGATION first.")
    assert bot("floor request on 9.9", user="console:coord").startswith("Only registered delegations")
    bot("iam Chile", user="console:chile")
    assert bot("floor request on 9.9", user="console:chile") == (
        "9.9 is not a question of this session: nothing was changed.\nThe questions: questions")
    assert bot("floor frobnicate", user="console:chile").startswith("'frobnicate' is not something floor can do.")
    assert bot("floor limit party 90", user="console:coord").startswith("90 is not a number of minutes")
    assert bot("floor order alphabetical", user="console:coord").startswith("Write floor order time")
    assert bot("floor move Chile x", user="console:coord").startswith("Write floor move DELEGATION POSITION")


def test_rights_of_reply_at_most_twice_per_item(bot):
    bot("iam Chile", user="console:chile")
    bot("floor open 2", user="console:coord")
    assert bot("floor reply", user="console:chile").startswith("Right of reply for Chile: 1st")
    assert bot("floor reply", user="console:chile").startswith("Chile has asked for a right of reply already")
    bot("floor next", user="console:coord")
    assert bot("floor reply", user="console:chile") == "Chile is speaking in reply now: ask for another after it."
    bot("floor next", user="console:coord")
    assert bot("floor reply", user="console:chile").startswith("Right of reply for Chile: 1st")
    bot("floor next", user="console:coord")
    bot("floor next", user="console:coord")
    assert bot("floor reply", user="console:chile") == (
        "Chile has had its 2 rights of reply on 2. International cooperation and assistance: victim assistance.")


def test_lot_is_drawn_once_and_recorded(bot, db):
    for name in ("Chile", "Peru", "Mexico", "Austria", "Spain"):
        bot(f"iam {name}", user=f"console:{name.lower()}")
    bot("floor open 2", user="console:coord")
    for name in ("Chile", "Peru", "Mexico", "Austria", "Spain"):
        bot("floor request", user=f"console:{name.lower()}")
    first = bot("floor order lot", user="console:coord")
    lst = floor_store.active_list(db, 1)
    assert lst.order_rule == "lot" and lst.lot_seed and lst.lot_seed in first
    again = bot("floor order lot", user="console:coord")
    assert floor_store.active_list(db, 1).lot_seed == lst.lot_seed and lst.lot_seed in again   # not redrawn
    shown = [ln.split(". ", 1)[1].split(" ")[0] for ln in bot("floor", user="console:coord").split("\n")
             if ln.startswith("  ") and ". " in ln and "—" in ln]
    assert shown == sorted(["Chile", "Peru", "Mexico", "Austria", "Spain"],
                           key=lambda n: rules.lot_number(lst.lot_seed, n.lower()))
    assert any(e.action == "order" and lst.lot_seed in e.detail for e in floor_store.events(db, lst.id))


def test_give_out_of_turn_and_next_item(bot, db):
    for name in ("Chile", "Peru"):
        bot(f"iam {name}", user=f"console:{name.lower()}")
    bot("floor open 2", user="console:coord")
    bot("floor request", user="console:chile")
    assert bot("floor give Peru", user="console:coord").startswith("Peru has the floor (5:00 min).")
    assert bot("floor next", user="console:coord").startswith("Chile has the floor")
    assert bot("floor next item", user="console:coord").startswith("The floor is open on 3.")
    old = floor_store.lists_of_group(db, 1)[0]
    assert old.status == "ended" and floor_store.current_speech(db, old.id) is None
    log = bot("floor log 2", user="console:coord")
    assert "Peru        speak (out of turn)" in log and "Chile" in log


# --- many at once -----------------------------------------------------------------------------------

def test_sixty_delegations_asking_in_the_same_second(db, db_path, clock, seeded):
    """Sixty delegates (and a second member of ten of them) ask at the same instant from sixty connections: all
    placed, none twice, in the order the database recorded."""
    from bot import frontends
    from commands.core import Request
    from commands.dispatch import handle
    from storage import groups as group_store
    names = [f"Delegation {i:02d}" for i in range(60)]
    for i, name in enumerate(names):
        group_store.set_delegation(db, seeded.id, f"console:d{i}", name)
    for i in range(10):
        group_store.set_delegation(db, seeded.id, f"console:e{i}", names[i])
    from tests.conftest import Bot
    Bot(db, clock)("floor open 2", user="console:coord")
    barrier = threading.Barrier(70)
    replies: dict[str, str] = {}

    def ask(user):
        conn = open_db(db_path)
        try:
            barrier.wait()
            reply = handle(conn, Request(platform="console", room="console:main", user=user, command="floor",
                                         text="request", front_end=frontends.CONSOLE), clock,
                           front_ends=frontends.ALL)
            replies[user] = reply.plain()
        finally:
            conn.close()

    users = [f"console:d{i}" for i in range(60)] + [f"console:e{i}" for i in range(10)]
    threads = [threading.Thread(target=ask, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(replies) == 70 and all("is on the list" in r or "is already on the list" in r for r in replies.values())
    requests = floor_store.requests(db, floor_store.active_list(db, seeded.id).id)
    assert sorted(r.delegation for r in requests) == sorted(names)          # all placed, none twice
    assert len({r.requested_at for r in requests}) == 1                      # the same second (the clock's)
    shown = [ln.split(". ", 1)[1].split(" — ")[0] for ln in
             Bot(db, clock)("floor", user="console:coord").split("\n") if ln.startswith("  ") and " — " in ln]
    assert shown == [r.delegation for r in sorted(requests, key=lambda r: r.id)]   # the order the database recorded
    places = sorted(int(r.split(": ")[1].split(" ")[0][:-2]) for u, r in replies.items() if "is on the list" in r)
    assert len(places) == 60


# --- the timer: claimed once, kept across a restart --------------------------------------------------

def _notices(db, who):
    return [d for d in outbox_store.recent(db, 500) if d.target == who and d.cause.startswith("floor:")]


def test_timer_is_claimed_once_and_survives_a_restart(db, db_path, clock, seeded):
    from tests.conftest import Bot
    bot = Bot(db, clock)
    bot("iam Chile", user="console:chile")
    bot("floor open 2", user="console:coord")
    bot("floor request", user="console:chile")
    bot("floor next", user="console:coord")
    loop = BackgroundLoop()
    try:
        first_db = open_db(db_path)
        first = ReminderScheduler(first_db, clock, Outbox(first_db, clock, []))
        clock.set(clock.now + timedelta(seconds=271))
        loop.run(first.sync())
        loop.run(first.sync())              # a double fire
        assert [d.cause for d in _notices(db, "console:chile")] == ["floor:warn"]
        first_db.close()
        # A restart in the middle of the statement: a new process plans from the database; the warning is not
        # repeated, the time-up comes when due.
        second_db = open_db(db_path)
        second = ReminderScheduler(second_db, clock, Outbox(second_db, clock, []))
        loop.run(second.start())
        assert [d.cause for d in _notices(db, "console:chile")] == ["floor:warn"]
        assert any(j.startswith("floor:1:up") for j in second.job_ids() + [j.id for j in second.scheduler.get_jobs()])
        clock.set(clock.now + timedelta(seconds=30))
        loop.run(second.sync())
        loop.run(second.sync())
        assert sorted(d.cause for d in _notices(db, "console:chile")) == ["floor:up", "floor:warn"]
        loop.run(second.stop())
        second_db.close()
    finally:
        loop.close()
    assert {e.action for e in floor_store.events(db, 1)} >= {"30 s left", "time up"}


def test_a_warning_that_comes_due_after_the_time_is_recorded_not_sent(db, db_path, clock, seeded):
    from tests.conftest import Bot
    bot = Bot(db, clock)
    bot("iam Chile", user="console:chile")
    bot("floor open 2", user="console:coord")
    bot("floor request", user="console:chile")
    bot("floor next", user="console:coord")
    clock.set(clock.now + timedelta(minutes=10))            # the bot was down all that time
    loop = BackgroundLoop()
    try:
        sched = ReminderScheduler(db, clock, Outbox(db, clock, []))
        loop.run(sched.sync())
    finally:
        loop.close()
    assert [d.cause for d in _notices(db, "console:chile")] == ["floor:up"]
    assert [e.detail for e in floor_store.events(db, 1) if e.action == "30 s left"] == ["not sent: the time was up"]
    assert floor_store.timers_claimed(db, 1) == {"warn", "up"}
    wait_until(lambda: True)


def test_the_json_export_carries_the_floor_and_a_restore_brings_it_back(bot, db, clock):
    from commands.exports.json_export import group_document, export_json
    from commands.exports.json_restore import restore_group
    from storage import groups as group_store
    for name in ("Chile", "Norway"):
        bot(f"iam {name}", user=f"console:{name.lower()}")
    bot("roster category Norway observer", user="console:coord")
    bot("floor limit observer 2.5", user="console:coord")
    bot("floor open 2", user="console:coord")
    bot("floor request", user="console:norway")
    bot("floor request", user="console:chile")
    bot("floor order lot", user="console:coord")
    bot("floor next", user="console:coord")
    clock.set(clock.now + timedelta(seconds=42))
    bot("floor next", user="console:coord")
    group = group_store.group_by_slug(db, "cg")
    before = group_document(db, group)["floor"]
    assert [(s["delegation"], s["seconds"]) for s in before["lists"][0]["statements"]] == [
        (before["lists"][0]["statements"][0]["delegation"], 42), (before["lists"][0]["statements"][1]["delegation"],
                                                                  None)]
    restored, counts = restore_group(db, export_json(db, group), slug="cg2")
    assert counts["floor lists"] == 1
    after = group_document(db, restored)["floor"]

    def comparable(doc):
        lists = [{k: v for k, v in lst.items() if k != "session"} for lst in doc["lists"]]
        for lst in lists:
            lst["requests"] = [{k: v for k, v in r.items() if k != "id"} for r in lst["requests"]]
            lst["statements"] = [{k: v for k, v in s.items() if k != "request"} for s in lst["statements"]]
        return {**doc, "lists": lists}
    assert comparable(after) == comparable(before)
    assert after["settings"] == [{"category": "observer", "label": None, "limit_seconds": 150}]
    restored_list = floor_store.lists_of_group(db, restored.id)[0]
    assert restored_list.item_id is not None and restored_list.lot_seed == before["lists"][0]["lot_seed"]


def test_two_processes_firing_the_same_timer_tell_once(db, db_path, clock, seeded):
    """Both planned the warning before either claimed it (two schedulers after a lease hand-over): the claim in the
    database lets one through."""
    from bot import frontends
    from commands.families import floor_timer as family
    from commands.registry import HEADS
    from tests.conftest import Bot
    bot = Bot(db, clock)
    bot("iam Chile", user="console:chile")
    bot("floor open 2", user="console:coord")
    bot("floor request", user="console:chile")
    bot("floor next", user="console:coord")
    clock.set(clock.now + timedelta(seconds=270))
    other = open_db(db_path)
    try:
        assert family.fire_timer(db, 1, "warn", clock.now, frontends.ALL, HEADS) is True
        assert family.fire_timer(other, 1, "warn", clock.now, frontends.ALL, HEADS) is False
    finally:
        other.close()
    assert [d.cause for d in _notices(db, "console:chile")] == ["floor:warn"]


def test_help_floor_lists_its_forms(bot):
    text = bot("help floor", user="console:chile")
    for usage in ("floor request [on REF]", "floor withdraw", "floor reply", "floor next", "floor next item",
                  "floor open [ITEM]", "floor close", "floor reopen", "floor add DELEGATION",
                  "floor move DELEGATION POSITION", "floor remove DELEGATION", "floor give DELEGATION",
                  "floor order time|lot|chair", "floor limit CATEGORY MINUTES", "floor log [ITEM]"):
        assert f"\n{usage}\n" in f"\n{text}\n", usage
