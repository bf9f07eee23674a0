"""Capacity of one `convene run` process (Slack over signed HTTP, fake Web API on 127.0.0.1).

World: 500 groups, 60 delegates each (30,000 members), each group with the seed agenda (14 questions) on a session
in the coming days, its own channel, reminders at the default offsets. Load: an open-loop mix at rising rates —
60 % /agenda, 20 % /submit (a new text each time), 10 % Home tab opens (app_home_opened events), 10 % /questions —
while reminders fall due (sessions are staggered so that some reminders fire during the run). For each rate: the
latency of every request (median, p99) and errors; the sustained rate is the highest at which p99 stays under
500 ms. Then the process's memory (VmHWM), and the database size after a simulated year, measured as the bytes per
input of 20,000 more inputs (each with its history row) times a year's inputs for 500 groups.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp

from bench.stats import percentile, report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from commands.importers import read_document  # noqa: E402
from commands.importers.apply import import_document  # noqa: E402
from storage import agenda as agenda_store  # noqa: E402
from storage import open_db  # noqa: E402
from storage import submissions as sub_store  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.slack_requests import SlackSender, event_body, slash_body  # noqa: E402
from tests.slack_harness import SECRET, free_port, wait_http  # noqa: E402

GROUPS, DELEGATES = 500, 60
RATES = (50, 100, 200, 400, 600, 800, 1000)
SECONDS = 8
P99_LIMIT = 0.5
YEAR_SESSIONS, YEAR_ANSWERS = 10, 40 * 8      # per group and year: sessions; inputs per session (40 delegations x 8)


def build_world(path: Path) -> None:
    db = open_db(path)
    seed = read_document(str(ROOT / "tests" / "fixtures" / "special_session_agenda.txt"))
    now = datetime.now(timezone.utc)
    with db.conn:
        pass
    for g in range(GROUPS):
        db.execute("INSERT INTO groups (slug, name, timezone, created_at) VALUES (?, ?, 'Europe/Zurich', ?)",
                   [f"g{g}", f"Group {g}", now.isoformat()])
    groups = {r["slug"]: r["id"] for r in db.query("SELECT id, slug FROM groups")}
    rows = []
    for g in range(GROUPS):
        gid = groups[f"g{g}"]
        db.execute("INSERT INTO rooms (room, group_id, created_at) VALUES (?, ?, ?)", [f"slack:C{g:05d}", gid,
                                                                                     now.isoformat()])
        for d in range(DELEGATES):
            rows.append([gid, f"slack:U{g:03d}{d:03d}", f"user {d}", f"Delegation {d}", int(d == 0),
                         now.isoformat(), now.isoformat()])
    db.conn.executemany("INSERT INTO members (group_id, user, display_name, delegation, is_coordinator, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.conn.commit()
    from storage import groups as group_store
    for g in range(GROUPS):
        group = group_store.group_by_slug(db, f"g{g}")
        doc = read_document(str(ROOT / "tests" / "fixtures" / "special_session_agenda.txt"))
        # Staggered: some sessions start within the hour (their 1h reminder fires during the run), most later.
        start = (datetime.now() + timedelta(minutes=61 + g % 3, days=0 if g % 10 == 0 else 1 + g % 5))
        shift = start.replace(second=0, microsecond=0) - doc.sessions[0].start
        for s in doc.sessions:
            s.start, s.end = s.start + shift, s.end + shift
            for it in s.items:
                it.start = it.start + shift if it.start else None
                it.end = it.end + shift if it.end else None
        import_document(db, group, doc)
    del seed
    db.close()


async def load(url: str, sender: SlackSender, rate: int, seconds: float) -> tuple[list[float], int]:
    rnd = random.Random(rate)
    lat: list[float] = []
    errors = 0
    sem = asyncio.Semaphore(400)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400)) as session:
        async def one(i: int):
            nonlocal errors
            g, d = rnd.randrange(GROUPS), rnd.randrange(1, DELEGATES)
            user, channel = f"U{g:03d}{d:03d}", f"C{g:05d}"
            kind = rnd.random()
            if kind < 0.6:
                body, json_body = slash_body("/agenda", "", user=user, channel=channel), False
            elif kind < 0.8:
                body, json_body = slash_body("/submit", f"2.{1 + i % 6} Statement {rate}-{i} on this question.",
                                             user=user, channel=channel), False
            elif kind < 0.9:
                body, json_body = event_body({"type": "app_home_opened", "user": user, "tab": "home",
                                              "channel": "D0"}, event_id=f"Ev{rate}x{i}"), True
            else:
                body, json_body = slash_body("/questions", "3", user=user, channel=channel), False
            async with sem:
                t = time.perf_counter()
                try:
                    async with session.post(url, data=body.encode(), headers=sender.headers(body, json_body=json_body),
                                            timeout=aiohttp.ClientTimeout(total=10)) as resp:
                        await resp.read()
                        if resp.status != 200:
                            errors += 1
                except Exception:
                    errors += 1
                lat.append(time.perf_counter() - t)

        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(i)))
        await asyncio.gather(*tasks)
    return lat, errors


def year_size(path: Path) -> tuple[float, int]:
    """Bytes per stored input (text of ~600 characters, with its history row), from 20,000 more inputs."""
    db = open_db(path)
    before = path.stat().st_size + (Path(str(path) + "-wal").stat().st_size if Path(str(path) + "-wal").exists() else 0)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.stat().st_size
    qs = [q for s in agenda_store.all_sessions(db)[:200] for q in agenda_store.questions_of_session(db, s.id)]
    text = ("Our delegation supports the coordinated approach described in the working paper and wishes to add "
            "that national ownership requires predictable, multi-year funding. ") * 4
    rows = []
    for n in range(20_000):
        q = qs[n % len(qs)]
        rows.append(dict(group_id=1, question_id=q.id, delegation=f"Year delegation {n // len(qs)}",
                         author="slack:UYEAR", text=text))
    sub_store.submit_many(db, rows)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = path.stat().st_size
    db.close()
    per_input = (after - before) / 20_000
    return per_input, GROUPS * YEAR_SESSIONS * YEAR_ANSWERS


def run() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="convene-bench-capacity-"))
    db_path = tmp / "capacity.db"
    t = time.perf_counter()
    build_world(db_path)
    built = time.perf_counter() - t
    api = FakeSlackAPI()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATRIX_"))}
    env.update(CONVENE_DB=str(db_path), CONVENE_ENV_FILE=str(tmp / "none.env"), PORT=str(port),
               SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api.url,
               CONVENE_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    rows = [("world", f"{GROUPS} groups x {DELEGATES} delegates, seed agenda each (built in {built:.0f} s)")]
    sustained = None
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        url = f"http://127.0.0.1:{port}/slack/events"
        sender = SlackSender(url, SECRET)
        asyncio.run(load(url, sender, 20, 2))                      # warm-up
        for rate in RATES:
            lat, errors = asyncio.run(load(url, sender, rate, SECONDS))
            p50, p99 = statistics.median(lat), percentile(lat, 99)
            ok = p99 < P99_LIMIT and errors == 0
            rows.append((f"{rate} req/s offered", f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
                                                  f"errors {errors}{'' if ok else '  <- over the limit'}"))
            if ok:
                sustained = rate
            else:
                break
        status = json.loads(__import__("urllib.request").request.urlopen(f"http://127.0.0.1:{port}/healthz").read())
        with open(f"/proc/{bot.pid}/status") as fh:
            hwm = next(ln.split()[1] for ln in fh if ln.startswith("VmHWM"))
        rows.append(("sustained rate (p99 < 500 ms)", f"{sustained or 0} req/s of the mix"))
        rows.append(("memory (peak RSS)", f"{int(hwm) / 1024:.0f} MiB"))
        rows.append(("reminders posted during the run", str(len([c for c in api.of('chat.postMessage')]))))
        rows.append(("scheduler", f"{status['scheduler']['role']}, next due {status['scheduler']['next_due']}"))
    finally:
        bot.terminate()
        bot.wait(30)
        api.close()
    size_now = db_path.stat().st_size
    per_input, year_inputs = year_size(db_path)
    rows.append(("database now", f"{size_now / 1e6:.0f} MB"))
    rows.append(("database after a simulated year", f"about {(size_now + per_input * year_inputs) / 1e9:.1f} GB "
                                                    f"({year_inputs:,} inputs at {per_input:,.0f} bytes each)"))
    report("capacity — one convene run process, Slack over signed HTTP", rows)


if __name__ == "__main__":
    run()
