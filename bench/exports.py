"""A 2,000-input export in every format, against a baseline measured in the same run: the same
inputs selected with plain sqlite3 and written with csv.writer (the least an export can do)."""
from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.stats import ms, report, summary
from commands.exports import render
from commands.importers.apply import import_file
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import open_db
from storage import submissions as sub_store

ROOT = Path(__file__).resolve().parent.parent
INPUTS = 2000
REPEAT = 5


def run() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="convene-bench-export-"))
    db = open_db(tmp / "export.db")
    g = group_store.create_group(db, "cg", "Contact Group")
    import_file(db, g, str(ROOT / "tests" / "fixtures" / "special_session_agenda.txt"))
    import_file(db, g, str(ROOT / "tests" / "fixtures" / "wp15_working_paper.txt"))
    session = agenda_store.sessions_of_group(db, g.id)[0]
    qids = [q.id for q in agenda_store.questions_of_session(db, session.id)]
    qids += [q.id for lst in agenda_store.lists_of_group(db, g.id) for q in agenda_store.questions_of_list(db, lst.id)]
    rows = []
    for i in range(INPUTS):
        rows.append(dict(group_id=g.id, question_id=qids[i % len(qids)], delegation=f"Delegation {i // len(qids):03d}",
                         author="bench:u", text=("Нам важно — 我们支持 — ندعم. " * 20) + f"#{i}"))
    sub_store.submit_many(db, rows)
    now = datetime.now(timezone.utc)

    def baseline():
        conn = sqlite3.connect(tmp / "export.db")
        buf = io.StringIO()
        w = csv.writer(buf)
        for r in conn.execute("SELECT q.ref, q.text, s.delegation, s.text FROM submissions s JOIN questions q "
                              "ON q.id = s.question_id ORDER BY q.position, s.delegation"):
            w.writerow(r)
        conn.close()
        return buf.getvalue().encode()

    timings = {"baseline (sqlite3 + csv.writer)": []}
    for _ in range(REPEAT):
        t = time.perf_counter()
        baseline()
        timings["baseline (sqlite3 + csv.writer)"].append(time.perf_counter() - t)
    sizes = {}
    for fmt in ("csv", "md", "json", "docx", "ics"):
        timings[fmt] = []
        for _ in range(REPEAT):
            t = time.perf_counter()
            out = render(db, g, fmt, session if fmt != "json" else None, now)
            timings[fmt].append(time.perf_counter() - t)
            sizes[fmt] = len(out.content)
    base = summary(timings["baseline (sqlite3 + csv.writer)"])
    rows_out = [("inputs", f"{INPUTS:,} ({sub_store.count(db, g.id):,} stored)"),
                ("baseline median / p99", f"{ms(base['median'])} / {ms(base['p99'])}")]
    for fmt in ("csv", "md", "json", "docx", "ics"):
        s = summary(timings[fmt])
        rows_out.append((f"{fmt} median / p99", f"{ms(s['median'])} / {ms(s['p99'])} "
                                               f"(x{s['median'] / base['median']:.1f} baseline), {sizes[fmt]:,} bytes"))
    report(f"exports: {INPUTS:,} inputs, {REPEAT} runs each", rows_out)
