"""Reminders at scale: 10,000 sessions across 500 groups.

- Start-up: time for the scheduler to rebuild its schedule from storage (plan every reminder, check the
  sent-log, create one APScheduler job each), against a baseline of adding the same number of no-op
  DateTrigger jobs to a bare AsyncIOScheduler in the same run.
- Memory: Python heap allocated by the rebuild (tracemalloc peak), against the bare jobs' peak.
- Firing precision: 300 reminders due over the next 3 seconds, delivered through a recording adapter;
  lateness = delivery time - due time (median and worst), against bare APScheduler jobs due at the
  same times.
"""
from __future__ import annotations

import asyncio
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bench.stats import ms, report, summary
from bot.scheduler import ReminderScheduler, Router
from commands import notices as core
from storage import groups as group_store
from storage import open_db
from storage.db import to_iso, write_tx

GROUPS = 500
SESSIONS_PER_GROUP = 20
FIRE_COUNT = 300


class Recording:
    def __init__(self, clock):
        self.clock = clock
        self.at: list[tuple[str, float]] = []

    def owns(self, target):
        return target.startswith("console:")

    async def deliver(self, reply, target):
        self.at.append((target, time.time()))


def _populate(db, now: datetime) -> None:
    with write_tx(db):
        for gi in range(GROUPS):
            g = group_store.create_group(db, f"g{gi}", f"Group {gi}")
            db.execute("INSERT INTO rooms (room, group_id, created_at) VALUES (?, ?, ?)",
                       [f"console:g{gi}", g.id, to_iso(now)])
            for si in range(SESSIONS_PER_GROUP):
                # spread over the next ~200 days, the first ones within hours
                start = now + timedelta(minutes=120 + (si * GROUPS + gi) * 28)
                db.execute('INSERT INTO sessions (group_id, source_key, title, start, "end", timezone, deadline, '
                           "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'Europe/Zurich', ?, ?, ?)",
                           [g.id, f"k{si}", f"Session {si}", to_iso(start), to_iso(start + timedelta(hours=3)),
                            to_iso(start - timedelta(days=1)), to_iso(now), to_iso(now)])


def _startup(db) -> tuple[float, int, int, int]:
    async def go():
        router = Router([Recording(None)])
        s = ReminderScheduler(db, lambda: datetime.now(timezone.utc), router, resync_seconds=3600)
        tracemalloc.start()
        t = time.perf_counter()
        await s.start()
        elapsed = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        jobs = len(s.job_ids())
        await s.stop()
        return elapsed, peak, jobs, len(router.adapters[0].at)
    return asyncio.run(go())


def _bare_startup(dues: list[datetime]) -> tuple[float, int]:
    async def go():
        sched = AsyncIOScheduler(timezone=timezone.utc)
        sched.start()
        tracemalloc.start()
        t = time.perf_counter()
        for i, due in enumerate(dues):
            sched.add_job(_noop, DateTrigger(run_date=due, timezone=timezone.utc), id=f"j{i}",
                          misfire_grace_time=None)
        elapsed = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        sched.shutdown(wait=False)
        return elapsed, peak
    return asyncio.run(go())


async def _noop():
    return None


def _precision(tmp: Path) -> tuple[list[float], list[float]]:
    db = open_db(tmp / "fire.db")
    now = datetime.now(timezone.utc)
    base = now + timedelta(seconds=2)
    dues = [base + timedelta(seconds=3 * i / FIRE_COUNT) for i in range(FIRE_COUNT)]
    with write_tx(db):
        for i, due in enumerate(dues):
            g = group_store.create_group(db, f"f{i}", f"F{i}")
            group_store.update_group(db, g.id, session_offsets="1h", deadline_offsets="")
            db.execute("INSERT INTO rooms (room, group_id, created_at) VALUES (?, ?, ?)",
                       [f"console:f{i}", g.id, to_iso(now)])
            start = due + timedelta(hours=1)
            db.execute('INSERT INTO sessions (group_id, source_key, title, start, "end", timezone, '
                       "created_at, updated_at) VALUES (?, 'k', 'S', ?, ?, 'UTC', ?, ?)",
                       [g.id, to_iso(start), to_iso(start + timedelta(hours=1)), to_iso(now), to_iso(now)])
    # storage keeps whole seconds: lateness is measured against the due time as stored
    due_of = {f"console:f{i}": due.replace(microsecond=0).timestamp() for i, due in enumerate(dues)}

    async def ours():
        rec = Recording(None)
        s = ReminderScheduler(db, lambda: datetime.now(timezone.utc), Router([rec]), resync_seconds=3600)
        await s.start()
        while len(rec.at) < FIRE_COUNT and time.time() < base.timestamp() + 20:
            await asyncio.sleep(0.05)
        await s.stop()
        return [t - due_of[target] for target, t in rec.at]

    async def bare():
        fired: list[float] = []
        sched = AsyncIOScheduler(timezone=timezone.utc)
        sched.start()
        start = datetime.now(timezone.utc) + timedelta(seconds=2)
        bare_dues = [start + timedelta(seconds=3 * i / FIRE_COUNT) for i in range(FIRE_COUNT)]

        async def fire(due_ts):
            fired.append(time.time() - due_ts)
        for i, due in enumerate(bare_dues):
            sched.add_job(fire, DateTrigger(run_date=due, timezone=timezone.utc), args=[due.timestamp()],
                          id=f"b{i}", misfire_grace_time=None)
        while len(fired) < FIRE_COUNT and time.time() < start.timestamp() + 20:
            await asyncio.sleep(0.05)
        sched.shutdown(wait=False)
        return fired

    lateness = asyncio.run(ours())
    db.close()
    return lateness, asyncio.run(bare())


def run() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="convene-bench-rem-"))
    db = open_db(tmp / "rem.db")
    now = datetime.now(timezone.utc)
    _populate(db, now)
    planned = core.plan(db, now)
    future = [p.due for p in planned if p.due > now + timedelta(minutes=1)]
    ours_time, ours_peak, jobs, sent = _startup(db)
    bare_time, bare_peak = _bare_startup(future[:jobs])
    naive_time, naive_peak = _bare_startup(future)
    db.close()
    ours_late, bare_late = _precision(tmp)
    so, sb = summary(ours_late), summary(bare_late)
    report(f"reminders: {GROUPS * SESSIONS_PER_GROUP:,} sessions across {GROUPS} groups", [
        ("reminders in storage / jobs within horizon", f"{len(planned):,} / {jobs:,} (+{sent} due at start-up, sent)"),
        ("start-up rebuild, ours", f"{ours_time * 1000:.0f} ms, heap peak {ours_peak / 2**20:.1f} MiB"),
        ("bare add_job of the same jobs", f"{bare_time * 1000:.0f} ms (ratio x{ours_time / bare_time:.2f}), "
                                          f"heap {bare_peak / 2**20:.1f} MiB"),
        ("naive: one job per reminder", f"{naive_time * 1000:.0f} ms for {len(future):,} jobs (ours x"
                                        f"{ours_time / naive_time:.2f}), heap {naive_peak / 2**20:.1f} MiB "
                                        f"(ours x{ours_peak / naive_peak:.2f})"),
        (f"firing lateness ({FIRE_COUNT} due within 3 s) median", f"{ms(so['median'])} (bare {ms(sb['median'])})"),
        ("firing lateness worst", f"{ms(so['max'])} (bare {ms(sb['max'])}); p99 {ms(so['p99'])} "
                                  f"(bare {ms(sb['p99'])})"),
        ("delivered / expected", f"{so['n']} / {FIRE_COUNT}"),
    ])
