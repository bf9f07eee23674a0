"""Time to ack over signed HTTP: our /agenda and /submit vs a bare bolt app with a no-op handler.

Both are real processes served the same way (a bolt AsyncApp behind an aiohttp server on 127.0.0.1, one event
loop): ours is `convene run` (python -m bot run) in Slack's HTTP mode, the baseline is bench/bare_bolt.py. Web API
calls go to a fake Slack server. Each is hit with bursts of 50 concurrent signed slash-command requests from this
process; latency is measured at the client from send to complete response.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.stats import ms, report, summary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from commands.importers.apply import import_file  # noqa: E402
from storage import groups as group_store  # noqa: E402
from storage import open_db  # noqa: E402
from tests.conftest import process_env, slack_process_env  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.slack_requests import SlackSender, slash_body  # noqa: E402
from tests.slack_harness import SECRET, free_port, wait_http  # noqa: E402

CONCURRENCY = 50
ROUNDS = 20


async def _burst(url: str, sender: SlackSender, bodies: list[str]) -> tuple[list[float], int]:
    lat: list[float] = []
    bad = 0
    async with aiohttp.ClientSession() as session:
        async def one(body):
            nonlocal bad
            headers = sender.headers(body)
            t = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    bad += 1
            lat.append(time.perf_counter() - t)
        await asyncio.gather(*(one(b) for b in bodies))
    return lat, bad


def _measure(url: str, make_bodies) -> tuple[list[float], int]:
    sender = SlackSender(url, SECRET)
    all_lat, all_bad = [], 0
    asyncio.run(_burst(url, sender, make_bodies(0)))            # warm-up
    for r in range(ROUNDS):
        lat, bad = asyncio.run(_burst(url, sender, make_bodies(r + 1)))
        all_lat += lat
        all_bad += bad
    return all_lat, all_bad


def run() -> None:
    api = FakeSlackAPI()
    tmp = Path(tempfile.mkdtemp(prefix="convene-bench-slack-"))
    db = open_db(tmp / "bench.db")
    g = group_store.create_group(db, "cg", "Contact Group")
    group_store.bind_room(db, g.id, "slack:C0CG")
    import_file(db, g, str(ROOT / "tests" / "fixtures" / "special_session_agenda.txt"))
    for i in range(CONCURRENCY * (ROUNDS + 1)):
        group_store.set_delegation(db, g.id, f"slack:U{i:05d}", f"Delegation {i}")
    db.close()

    bare_port, ours_port = free_port(), free_port()
    bare_proc = subprocess.Popen([sys.executable, "-m", "bench.bare_bolt", str(bare_port), api.url, SECRET],
                                 cwd=ROOT, env=process_env(tmp / "unused.db"))
    ours_proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, stderr=subprocess.DEVNULL,
                                 env=slack_process_env(tmp / "bench.db", api.url, ours_port, CONVENE_LOG_LEVEL="WARNING"))
    wait_http(f"http://127.0.0.1:{bare_port}/healthz")
    wait_http(f"http://127.0.0.1:{ours_port}/healthz")

    bare = f"http://127.0.0.1:{bare_port}/slack/events"
    ours = f"http://127.0.0.1:{ours_port}/slack/events"
    agenda_bodies = lambda r: [slash_body("/agenda", "") for _ in range(CONCURRENCY)]  # noqa: E731

    def submit_bodies(r):
        return [slash_body("/submit", f"2.{1 + i % 6} Input of round {r} from delegation {r * CONCURRENCY + i}",
                           user=f"U{r * CONCURRENCY + i:05d}") for i in range(CONCURRENCY)]

    results = {}
    for name, url, bodies in (("bare /agenda", bare, agenda_bodies), ("ours /agenda", ours, agenda_bodies),
                              ("bare /submit", bare, submit_bodies), ("ours /submit", ours, submit_bodies)):
        results[name] = _measure(url, bodies)

    for proc in (ours_proc, bare_proc):
        proc.terminate()
        proc.wait(20)
    api.close()

    rows = []
    worst = 0.0
    for cmd in ("/agenda", "/submit"):
        b, b_bad = results[f"bare {cmd}"]
        o, o_bad = results[f"ours {cmd}"]
        sb, so = summary(b), summary(o)
        worst = max(worst, so["max"])
        rows += [(f"{cmd} bare p50 / p99", f"{ms(sb['median'])} / {ms(sb['p99'])}"),
                 (f"{cmd} ours p50 / p99", f"{ms(so['median'])} / {ms(so['p99'])} (max {ms(so['max'])}, "
                                           f"non-200: {o_bad + b_bad})"),
                 (f"{cmd} ratio p50 / p99", f"x{so['median'] / sb['median']:.2f} / x{so['p99'] / sb['p99']:.2f}")]
    rows.append(("requests per scenario", f"{CONCURRENCY} concurrent x {ROUNDS} rounds"))
    rows.append(("slowest ack (limit 3 s)", ms(worst)))
    report("slack: time to ack over signed HTTP, ours vs bare bolt app", rows)
