"""One item run by a Chair, the same on every front end: ten delegations of three categories ask for the floor, one
withdraws, one asks a right of reply, the Chair moves one, closes the list, calls timed statements, removes one;
after each step the rolling list — as that front end shows it — is what the room should see; at the end ``floor
log`` and the JSON export give the same record.

A driver gives: ``say(line, who)`` (the reply as that person reads it), ``rolling(check)`` (the rolling list as the
room sees it, waited for until ``check`` passes), ``advance(seconds)`` (the Chair's clock moves; the timer runs),
``told(who)`` (what that person was told privately, where the test can read it), ``prefix`` (how commands are
typed), ``db`` (a connection to read the record) and ``refused`` (how a refusal is marked).
"""
from __future__ import annotations

import json
import re
import time

from commands.exports.json_export import group_document
from storage import floor as floor_store
from storage import groups as group_store

PARTIES = ["Chile", "Peru", "Mexico", "Austria"]
OBSERVERS = ["Norway", "Japan", "Canada"]
ORGANISATIONS = ["ICRC", "UNDP", "OSCE"]
DELEGATIONS = PARTIES + OBSERVERS + ORGANISATIONS
ASKING = ["Norway", "ICRC", "Chile", "Peru", "Japan", "UNDP", "Mexico", "Canada", "OSCE", "Austria"]
HEADS = ("Speaking", "Next", "Right of reply", "Spoken")


def who(delegation: str) -> str:
    return delegation.lower()


def state(text: str) -> dict:
    """The rolling list's parts: speaking (a line or None), next / reply / spoken (names in order), closed."""
    out = {"speaking": None, "next": [], "reply": [], "spoken": [], "closed": "List closed" in text}
    part = None
    for raw in text.replace("\u2060", "").split("\n"):
        ln = raw.strip().lstrip("* ").strip()
        if ln in HEADS:
            part = ln
            continue
        if part is None or not ln or ln.startswith(("List ", "Ask:", "Item closed", "(times")):
            if ln.startswith(("List ", "Item closed")):
                part = None
            continue
        if part == "Speaking":
            out["speaking"] = None if ln == "No one yet." else ln
        elif part in ("Next", "Right of reply"):
            m = re.match(r"\d+\. (\S+)", ln)
            if m:
                out["next" if part == "Next" else "reply"].append(m.group(1))
        elif part == "Spoken":
            out["spoken"].append(ln)
    return out


def expect(driver, **want):
    """Wait for the rolling list to show ``want`` (as the room sees it) and return what it shows."""
    def check(text):
        got = state(text)
        return all(got[k] == v if not callable(v) else v(got[k]) for k, v in want.items())
    return state(driver.rolling(check))


def run_item(d) -> None:
    p, no = d.prefix, d.refused
    for name in DELEGATIONS:
        assert d.say(f"iam {name}", who(name)).startswith(f"You are registered with the delegation of {name}")
    for name in OBSERVERS:
        assert d.say(f"roster category {name} observer", "coord") == f"{name}: Observer State."
    for name in ORGANISATIONS:
        assert d.say(f"roster category {name} organisation", "coord") == f"{name}: International organisation."
    assert d.say("floor limit organisation 2", "coord") == (
        "Statements of International organisation delegations: 2:00 minutes from the next call.")
    # Only the Chair opens the floor.
    assert d.say("floor open 2", "chile") == no + (
        "Only coordinators of Contact Group on Cooperation can use floor open. Ask one of them, or ask them to make "
        "you a coordinator.")
    assert d.say("floor open 2", "coord").startswith(
        "The floor is open on 2. International cooperation and assistance: victim assistance")
    expect(d, speaking=None, next=[], closed=False)

    # Requests, in the order of arrival; the list orders them by category, then time of request.
    order = []
    for name in ASKING:
        answer = d.say("floor request", who(name))
        assert answer.startswith(f"{name} is on the list: "), answer
        order.append(name)
        ranked = sorted(order, key=lambda n: (0 if n in PARTIES else 1 if n in OBSERVERS else 2, ASKING.index(n)))
        assert f"{name} is on the list: " + _ordinal(ranked.index(name) + 1) in answer
        expect(d, next=ranked)
    assert ranked == ["Chile", "Peru", "Mexico", "Austria", "Norway", "Japan", "Canada", "ICRC", "UNDP", "OSCE"]
    # One place per delegation.
    assert d.say("floor request", "chile").startswith("Chile is already on the list: 1st (one place per delegation).")

    # A withdrawal.
    assert d.say("floor withdraw", "mexico").startswith("Mexico's request for the floor is withdrawn.")
    expect(d, next=["Chile", "Peru", "Austria", "Norway", "Japan", "Canada", "ICRC", "UNDP", "OSCE"])
    # A move by the Chair (and not by a delegate).
    assert d.say("floor move Canada 1", "peru") == no + (
        "Only coordinators of Contact Group on Cooperation can use floor move. Ask one of them, or ask them to make "
        "you a coordinator.")
    assert d.say("floor move Canada 1", "coord").startswith("Canada is now 1st (the order is the Chair's")
    expect(d, next=["Canada", "Chile", "Peru", "Austria", "Norway", "Japan", "ICRC", "UNDP", "OSCE"])
    # The list is closed: a request after that is refused with the reason.
    assert d.say("floor close", "coord").startswith("The list of speakers on 2. International cooperation")
    expect(d, closed=True)
    assert d.say("floor request", "mexico") == no + (
        "The list of speakers on 2. International cooperation and assistance: victim assistance is closed: the "
        f"Chair takes no more requests. A right of reply is still possible: {p}floor reply.")

    # Timed statements: Canada (an observer: 3 minutes).
    assert d.say("floor next", "coord").startswith("Canada has the floor (3:00 min).")
    expect(d, speaking=lambda s: s is not None and s.startswith("Canada — Observer State · 0:00 of 3:00"),
           next=["Chile", "Peru", "Austria", "Norway", "Japan", "ICRC", "UNDP", "OSCE"])
    d.advance(150)
    expect(d, speaking=lambda s: s is not None and s.startswith("Canada — Observer State · 2:30 of 3:00"))
    d.told_wait("canada", "30 seconds left of Canada's 3:00")
    d.advance(35)
    expect(d, speaking=lambda s: s is not None and "3:05 of 3:00 (time is up)" in s)
    d.told_wait("canada", "Time is up: Canada's 3:00")
    # A right of reply (taken at the end), asked while the list is closed.
    assert d.say("floor reply", "peru").startswith("Right of reply for Peru: 9th on the list")
    expect(d, reply=["Peru"])
    assert d.say("floor next", "coord").startswith("Chile has the floor (5:00 min).")
    expect(d, speaking=lambda s: s is not None and s.startswith("Chile — State Party · 0:00 of 5:00"),
           spoken=["Canada 3:05"])
    lengths = {"Chile": 240, "Peru": 200, "Austria": 61, "Norway": 170, "ICRC": 90, "UNDP": 119, "OSCE": 45}
    calls = ["Peru", "Austria", "Norway"]
    d.advance(lengths["Chile"])
    for name in calls:
        assert d.say("floor next", "coord").startswith(f"{name} has the floor")
        d.advance(lengths[name])
    # The Chair takes Japan off the list.
    assert d.say("floor remove Japan", "coord").startswith("Japan is off the list.")
    expect(d, next=["ICRC", "UNDP", "OSCE"], reply=["Peru"])
    for name in ["ICRC", "UNDP", "OSCE"]:
        assert d.say("floor next", "coord").startswith(f"{name} has the floor (2:00 min).")
        d.advance(lengths[name])
    assert d.say("floor next", "coord").startswith("Peru has a right of reply")
    d.advance(30)
    assert d.say("floor next", "coord").startswith("Peru has finished; no one else is waiting.")
    spoken = ["Canada 3:05", "Chile 4:00", "Peru 3:20", "Austria 1:01", "Norway 2:50", "ICRC 1:30", "UNDP 1:59",
              "OSCE 0:45", "Peru 0:30 (reply)"]
    expect(d, speaking=None, next=[], reply=[], spoken=spoken)

    # The record: floor log and the JSON export give the same statements and events.
    log = d.say("floor log", "coord")
    statements, record = re.split(r"\n\s*Record\s*\n", log, maxsplit=1)
    rows = [re.split(r"[\s·]+", ln.strip()) for ln in statements.split("\n")
            if re.match(r"\s*\d+[\s·]+\d\d:\d\d\s", ln)]
    assert [(next(w for w in r if w in DELEGATIONS), r[-1]) for r in rows] == [
        (s.split()[0], s.split()[1]) for s in spoken]
    group = group_store.group_by_slug(d.db, "cg")
    doc = json.loads(json.dumps(group_document(d.db, group), default=str))
    [exported] = doc["floor"]["lists"]
    assert [(s["delegation"], s["seconds"]) for s in exported["statements"]] == [
        (s.split()[0], _seconds(s.split()[1])) for s in spoken]
    record = [re.sub(r"^\d\d:\d\d( Geneva time)? ", "", ln.strip()) for ln in record.split("\n")
              if re.match(r"\s*\d\d:\d\d ", ln)]
    assert len(record) == len(exported["record"]) == len(floor_store.events(d.db, floor_store.lists_of_group(
        d.db, group.id)[0].id))
    assert [e["action"] for e in exported["record"]] == [_action(r) for r in record]
    assert [e["delegation"] for e in exported["record"] if e["action"] == "request"] == ASKING
    assert "9 statements, 19:00 in all" in log


def _action(line: str) -> str:
    return line.split(" · ")[0].split(" (")[0]


def _seconds(clock: str) -> int:
    m, s = clock.split(":")
    return int(m) * 60 + int(s)


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def wait_until(fn, timeout: float = 10.0, what: str = "a condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")
