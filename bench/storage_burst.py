"""A burst of 10,000 submissions from several concurrent writers, against raw sqlite3 inserts.

Each writer is a thread with its own connection, as the bot's worker threads (exports) or a
second process would be. Checked: every row stored with its exact text, no "database is locked".
Baseline: the same rows inserted by the same number of threads with plain ``sqlite3`` into a
table of the same shape (WAL, one INSERT and commit per row), so the ratio shows what our
storage layer (history row, upsert check, IMMEDIATE transaction) costs.
"""
from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.stats import ms, report, summary
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import open_db
from storage import submissions as sub_store
from storage.models import ImportedItem

TOTAL = 10_000
WRITERS = 8


def _setup(path: Path):
    db = open_db(path)
    g = group_store.create_group(db, "bench", "Bench group")
    start = datetime(2030, 1, 1, 9, tzinfo=timezone.utc)
    session, _ = agenda_store.save_session(
        db, g.id, source_key="bench", title="Bench", start=start, end=start.replace(hour=12),
        timezone="Europe/Zurich", venue=None, symbol=None, background=None,
        items=[ImportedItem(number=str(i), title=f"Item {i}", questions=[f"Question {i}.{n}?" for n in range(1, 6)])
               for i in range(1, 5)])
    qids = [q.id for q in agenda_store.questions_of_session(db, session.id)]
    return db, g.id, qids


def _rows(qids):
    return [(qids[i % len(qids)], f"Delegation {i // len(qids)}", f"Input number {i} — ünïcödé, “quotes” & <tags>")
            for i in range(TOTAL)]


def _run_threads(work, chunks):
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def runner(chunk):
        local = []
        try:
            for lat in work(chunk):
                local.append(lat)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=runner, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, errors


def run() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="convene-bench-"))
    db, gid, qids = _setup(tmp / "ours.db")
    rows = _rows(qids)
    chunks = [rows[i::WRITERS] for i in range(WRITERS)]

    def ours(chunk):
        conn = open_db(tmp / "ours.db")
        try:
            for qid, deleg, text in chunk:
                t = time.perf_counter()
                sub_store.submit(conn, group_id=gid, question_id=qid, delegation=deleg, author="bench:u", text=text)
                yield time.perf_counter() - t
        finally:
            conn.close()

    raw_path = tmp / "raw.db"
    setup = sqlite3.connect(raw_path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE submissions (id INTEGER PRIMARY KEY, question_id INT, delegation TEXT, "
                  "author TEXT, text TEXT, created_at TEXT)")
    setup.commit()
    setup.close()

    def raw(chunk):
        conn = sqlite3.connect(raw_path, timeout=10)
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            for qid, deleg, text in chunk:
                t = time.perf_counter()
                conn.execute("INSERT INTO submissions (question_id, delegation, author, text, created_at) "
                             "VALUES (?, ?, ?, ?, datetime('now'))", (qid, deleg, "bench:u", text))
                conn.commit()
                yield time.perf_counter() - t
        finally:
            conn.close()

    raw_time, raw_lat, raw_err = _run_threads(raw, chunks)
    our_time, our_lat, our_err = _run_threads(ours, chunks)

    stored = {(s.question_id, s.delegation, s.text) for s in sub_store.of_group(db, gid)}
    expected = set(rows)
    missing = len(expected - stored)
    locked = sum("locked" in str(e) for e in our_err)
    r, o = summary(raw_lat), summary(our_lat)
    report(f"storage: {TOTAL:,} submissions, {WRITERS} concurrent writers", [
        ("stored / expected", f"{len(stored):,} / {TOTAL:,} (missing {missing}, content checked)"),
        ("errors (database is locked)", f"{len(our_err)} ({locked})"),
        ("raw sqlite3 throughput", f"{TOTAL / raw_time:,.0f} rows/s"),
        ("convene throughput", f"{TOTAL / our_time:,.0f} rows/s"),
        ("throughput ratio convene/raw", f"{(TOTAL / our_time) / (TOTAL / raw_time):.2f}"),
        ("per-insert median raw / ours", f"{ms(r['median'])} / {ms(o['median'])} (x{o['median'] / r['median']:.2f})"),
        ("per-insert p99 raw / ours", f"{ms(r['p99'])} / {ms(o['p99'])} (x{o['p99'] / r['p99']:.2f})"),
    ])
    if missing or our_err or raw_err:
        raise SystemExit("storage benchmark FAILED: rows missing or errors")
