"""How soon the rolling list of speakers reflects the last change, in Slack and in Matrix.

A real `convene run` process per platform: Slack in HTTP mode against the fake Web API (the time is from sending
the signed `/floor request` to the fake Slack receiving the `chat.update` that shows the delegation), Matrix against
a real Synapse on loopback (from the delegate's `!floor request` to the bot's `m.replace` edit that shows it, seen
by polling the room). Two loads: single changes one after another, and bursts of 60 delegations asking at once
(from the last request sent to the edit that shows all sixty). Target: within 1 s (issue 26), median and p99.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.stats import ms, report, summary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from commands.importers.apply import import_file  # noqa: E402
from storage import groups as group_store  # noqa: E402
from storage import open_db  # noqa: E402
from tests.conftest import process_env, slack_process_env  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.slack_requests import SlackSender  # noqa: E402
from tests.harness import slack_plain  # noqa: E402
from tests.slack_harness import SECRET, free_port, wait_http  # noqa: E402

SINGLE = 40          # single changes, one after another
BURSTS = 5           # bursts of BURST delegations asking at once
BURST = 60
SEED = ROOT / "tests" / "fixtures" / "special_session_agenda.txt"
ITEMS = ("3", "4", "5", "6", "1")      # the seed agenda's other items: a fresh list for each burst


def _group(db_path: Path, room: str, coordinator: str, delegates: list[tuple[str, str]]) -> None:
    db = open_db(db_path)
    g = group_store.create_group(db, "cg", "Contact Group")
    group_store.bind_room(db, g.id, room)
    group_store.set_coordinator(db, g.id, coordinator, True)
    import_file(db, g, str(SEED))
    for user, delegation in delegates:
        group_store.set_delegation(db, g.id, user, delegation)
    db.close()


def _wait(predicate, timeout: float = 20.0, step: float = 0.001) -> float:
    """perf_counter() when ``predicate`` first holds."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return time.perf_counter()
        time.sleep(step)
    raise AssertionError("the rolling list did not show the change in time")


# --- Slack -------------------------------------------------------------------------------------------

def _slack_latest(api) -> str:
    with api.lock:
        for m, p in reversed(api.calls):
            if m in ("chat.postMessage", "chat.update") and str(p.get("text", "")).startswith("Speakers — "):
                return slack_plain(p)
    return ""


def slack() -> tuple[list[float], list[float], list[float]]:
    api = FakeSlackAPI()
    tmp = Path(tempfile.mkdtemp(prefix="convene-bench-floor-"))
    n = max(SINGLE, BURST)
    _group(tmp / "bench.db", "slack:C0CG", "slack:T0TEST:U0COORD",
           [(f"slack:T0TEST:U{i:05d}", f"Delegation {i:05d}") for i in range(n)])
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, stderr=subprocess.DEVNULL,
                            env=slack_process_env(tmp / "bench.db", api.url, port, CONVENE_LOG_LEVEL="WARNING"))
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        send = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET)
        send.command("/floor", "open 2", user="U0COORD")
        _wait(lambda: _slack_latest(api))
        single = []
        for i in range(SINGLE):
            t0 = time.perf_counter()
            send.command("/floor", "request", user=f"U{i:05d}")
            name = f"Delegation {i:05d}"
            single.append(_wait(lambda: name in _slack_latest(api)) - t0)
        bursts = []
        with ThreadPoolExecutor(BURST) as pool:
            for b in range(BURSTS):
                send.command("/floor", f"open {ITEMS[b]}", user="U0COORD")     # a fresh list for each burst
                users = list(range(BURST))
                _wait(lambda: "No one has asked" in _slack_latest(api))
                barrier = threading.Barrier(BURST)
                sent: list[float] = []

                def ask(i):
                    barrier.wait()
                    send.command("/floor", "request", user=f"U{i:05d}")
                    sent.append(time.perf_counter())
                list(pool.map(ask, users))
                last = max(sent)
                done = _wait(lambda: f"{BURST}. " in _slack_latest(api))
                bursts.append(max(0.0, done - last))
        return single, bursts, None
    finally:
        proc.terminate()
        proc.wait(20)
        api.close()


# --- Matrix ------------------------------------------------------------------------------------------

def matrix() -> tuple[list[float], list[float], list[float]] | None:
    from tests.fakes.synapse import Synapse
    try:
        hs = Synapse(Path(tempfile.mkdtemp(prefix="convene-bench-synapse-"))).start()
    except Exception as e:            # no Synapse on this machine (make test installs it)
        print(f"\n(matrix part skipped: {e})")
        return None
    tmp = Path(tempfile.mkdtemp(prefix="convene-bench-floor-matrix-"))
    proc = None
    try:
        bot, coord = hs.register("convenebench"), hs.register("chairbench")
        people = [hs.register(f"delegate{i:03d}") for i in range(max(SINGLE, BURST))]
        _group(tmp / "bench.db", "matrix:!placeholder", f"matrix:{coord.user_id}",
               [(f"matrix:{p.user_id}", f"Delegation {i:03d}") for i, p in enumerate(people)])
        env = process_env(tmp / "bench.db", MATRIX_HOMESERVER=hs.url, MATRIX_USER_ID=bot.user_id,
                          MATRIX_PASSWORD=bot.password, CONVENE_LOG_LEVEL="WARNING")
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, stderr=subprocess.DEVNULL, env=env)
        room = coord.create_room("Floor bench", invite=[bot.user_id] + [p.user_id for p in people])
        for p in people:
            p.join(room)
        coord.wait_for(room, bot.user_id, 1, timeout=60)          # the bot joined and introduced itself
        db = open_db(tmp / "bench.db")
        db.execute("UPDATE rooms SET room = ? WHERE room = 'matrix:!placeholder'", [f"matrix:{room}"])
        db.close()

        def latest() -> str:
            events = coord.messages(room, sender=bot.user_id, limit=30)
            for e in reversed(events):
                c = e["content"]
                if (c.get("m.new_content") or {}).get("body", "").startswith("Speakers — "):
                    return c["m.new_content"]["body"]
                if c.get("body", "").startswith("Speakers — "):
                    return c["body"]
            return ""

        coord.send(room, "!floor open 2")
        _wait(lambda: latest(), 30, 0.01)
        single = []
        for i in range(SINGLE):
            t0 = time.perf_counter()
            people[i].send(room, "!floor request")
            name = f"Delegation {i:03d}"
            single.append(_wait(lambda: name in latest(), 30, 0.025) - t0)
        bursts, answered = [], []
        with ThreadPoolExecutor(BURST) as pool:
            for b in range(BURSTS):
                coord.send(room, f"!floor open {ITEMS[b]}")
                _wait(lambda: "No one has asked" in latest(), 30, 0.01)
                barrier = threading.Barrier(BURST)
                sent: list[float] = []

                ids: list[str] = []

                def ask(p):
                    barrier.wait()
                    ids.append(p.send(room, "!floor request"))
                    sent.append(time.perf_counter())
                list(pool.map(ask, people[:BURST]))
                last = max(sent)
                bursts.append(max(0.0, _wait(lambda: f"{BURST}. " in latest(), 60, 0.025) - last))
                answered.append(_after_answer(coord, room, bot.user_id, set(ids)))
        return single, bursts, answered
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(20)
        hs.stop()


def _after_answer(user, room, bot_id, asked: set[str]) -> float:
    """Seconds from the bot's answer to the last of ``asked`` to its first edit of the list showing all of them
    (both as the homeserver stamped them)."""
    events = user.messages(room, sender=bot_id, limit=400)
    answers = [e["origin_server_ts"] for e in events
               if ((e["content"].get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id") in asked]
    edits = [e["origin_server_ts"] for e in events
             if f"{BURST}. " in (e["content"].get("m.new_content") or {}).get("body", "")]
    return max(0.0, (min(edits) - max(answers)) / 1000)


def _rows(name: str, single: list[float], bursts: list[float], answered: list[float] | None) -> list[tuple[str, str]]:
    s, b = summary(single), summary(bursts)
    rows = [(f"{name}: one change ({s['n']}), from the command sent",
             f"median {ms(s['median'])}, p99 {ms(s['p99'])}, max {ms(s['max'])}"),
            (f"{name}: {BURST} at once ({b['n']} bursts), from the last request answered" if answered is None else
             f"{name}: {BURST} at once ({b['n']} bursts), from the last request sent",
             f"median {ms(b['median'])}, p99 {ms(b['p99'])}, max {ms(b['max'])}")]
    if answered is not None:
        a = summary(answered)
        rows.append((f"{name}: {BURST} at once, from the bot's answer to the last request",
                     f"median {ms(a['median'])}, p99 {ms(a['p99'])}, max {ms(a['max'])}"))
    return rows


def run() -> None:
    rows = _rows("Slack chat.update", *slack())
    m = matrix()
    if m is not None:
        rows += _rows("Matrix m.replace", *m)
    report("The rolling list of speakers reflects the last change (target: within 1 s)", rows)


if __name__ == "__main__":
    run()
