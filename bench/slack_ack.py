"""Time to ack over signed HTTP: our /agenda and /submit vs two baselines, measured in the same run.

All three are real processes served the same way (an aiohttp server on 127.0.0.1, one event loop): ours is
`convene run` (python -m bot run) in Slack's HTTP mode, each delegation its own; the baselines are in
bench/bare_bolt.py: the **floor**, a bare aiohttp handler that only checks Slack's signature and answers a fixed
reply, and a **bare bolt** app with no-op listeners. Web API calls go to a fake Slack server. Each is hit with
bursts of 50 concurrent signed slash-command requests from this process; latency is measured at the client from
send to complete response. The ratios to the floor are the figures that matter (targets: /submit p50 and p99
within x2, /agenda p50 within x1.5).
"""
from __future__ import annotations

import asyncio
import os
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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(urls: dict[str, str], pids: dict[str, int], make_bodies) -> dict[str, tuple[list[float], int, float]]:
    """Rounds of bursts, each round hitting every server in turn (so that the machine's other work weighs on all of
    them alike): {kind: (latencies, non-200 answers, the server's CPU seconds per request)}."""
    senders = {kind: SlackSender(url, SECRET) for kind, url in urls.items()}
    out = {kind: ([], 0, 0.0) for kind in urls}
    for kind, url in urls.items():
        asyncio.run(_burst(url, senders[kind], make_bodies(0)))            # warm-up
    for r in range(ROUNDS):
        bodies = make_bodies(r + 1)
        for kind, url in urls.items():
            cpu = cpu_seconds(pids[kind])
            lat, bad = asyncio.run(_burst(url, senders[kind], bodies))
            lats, bads, cpus = out[kind]
            out[kind] = (lats + lat, bads + bad, cpus + cpu_seconds(pids[kind]) - cpu)
    return {kind: (lats, bads, cpus / len(lats)) for kind, (lats, bads, cpus) in out.items()}


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

    ports = {"floor": free_port(), "bare": free_port(), "ours": free_port()}
    procs = [subprocess.Popen([sys.executable, "-m", "bench.bare_bolt", str(ports[kind]), api.url, SECRET,
                               "floor" if kind == "floor" else "bolt"], cwd=ROOT, env=process_env(tmp / "unused.db"))
             for kind in ("floor", "bare")]
    procs.append(subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, stderr=subprocess.DEVNULL,
                                  env=slack_process_env(tmp / "bench.db", api.url, ports["ours"],
                                                        CONVENE_LOG_LEVEL="WARNING")))
    for port in ports.values():
        wait_http(f"http://127.0.0.1:{port}/healthz")
    urls = {kind: f"http://127.0.0.1:{port}/slack/events" for kind, port in ports.items()}
    agenda_bodies = lambda r: [slash_body("/agenda", "") for _ in range(CONCURRENCY)]  # noqa: E731

    def submit_bodies(r):
        return [slash_body("/submit", f"2.{1 + i % 6} Input of round {r} from delegation {r * CONCURRENCY + i}",
                           user=f"U{r * CONCURRENCY + i:05d}") for i in range(CONCURRENCY)]

    results = {}
    pids = {"floor": procs[0].pid, "bare": procs[1].pid, "ours": procs[2].pid}
    for cmd, bodies in (("/agenda", agenda_bodies), ("/submit", submit_bodies)):
        for kind, measured in _measure(urls, pids, bodies).items():
            results[(kind, cmd)] = measured

    for proc in procs:
        proc.terminate()
        proc.wait(20)
    api.close()

    rows = []
    worst = 0.0
    for cmd in ("/agenda", "/submit"):
        s = {kind: summary(results[(kind, cmd)][0]) for kind in ("floor", "bare", "ours")}
        cpu = {kind: results[(kind, cmd)][2] for kind in ("floor", "bare", "ours")}
        bad = sum(results[(kind, cmd)][1] for kind in ("floor", "bare", "ours"))
        worst = max(worst, s["ours"]["max"])
        rows += [(f"{cmd} floor p50 / p99", f"{ms(s['floor']['median'])} / {ms(s['floor']['p99'])}"),
                 (f"{cmd} bare bolt p50 / p99", f"{ms(s['bare']['median'])} / {ms(s['bare']['p99'])}"),
                 (f"{cmd} ours p50 / p99", f"{ms(s['ours']['median'])} / {ms(s['ours']['p99'])} "
                                          f"(max {ms(s['ours']['max'])}, non-200: {bad})"),
                 (f"{cmd} ours / floor p50 / p99", f"x{s['ours']['median'] / s['floor']['median']:.2f} / "
                                                   f"x{s['ours']['p99'] / s['floor']['p99']:.2f}"),
                 (f"{cmd} ours / bare bolt p50 / p99", f"x{s['ours']['median'] / s['bare']['median']:.2f} / "
                                                       f"x{s['ours']['p99'] / s['bare']['p99']:.2f}"),
                 (f"{cmd} server CPU per request", f"floor {ms(cpu['floor'])}, bare bolt {ms(cpu['bare'])}, ours "
                                                   f"{ms(cpu['ours'])} (x{cpu['ours'] / max(cpu['floor'], 1e-9):.2f})")]
    rows.append(("requests per scenario", f"{CONCURRENCY} concurrent x {ROUNDS} rounds"))
    rows.append(("slowest ack (limit 3 s)", ms(worst)))
    report("slack: time to ack over signed HTTP — ours vs the signature-only floor and a bare bolt app", rows)
