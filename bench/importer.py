"""The plain-text agenda reader on a 1 MB programme (many days, timed items, presenters, questions that continue
over lines, prose), against the baseline of reading the same file's lines. Median and p99 of RUNS runs."""
from __future__ import annotations

import datetime
import statistics
import tempfile
import time
from pathlib import Path

from bench.stats import percentile, report
from commands.importers import read_document
from commands.importers.normalise import normalise

RUNS = 15


def programme(target_bytes: int = 1_000_000) -> str:
    out = ["Intersessional Meetings of the Standing Committees", "Programme", "",
           "Venue: Palais des Nations, Geneva", ""]
    day, k = datetime.date(2030, 6, 3), 0
    while sum(len(x) + 1 for x in out) < target_bytes:
        out += [day.strftime("%A, %d %B %Y"), ""]
        for slot in range(8):
            k += 1
            out += [f"{9 + slot:02d}.00 - {9 + slot:02d}.45 {slot + 1}. Standing Committee topic {k} on mine action",
                    "Introduced by the Co-Chairs, Belgium and Thailand",
                    f"- How are States Parties applying the Action Plan to topic {k}, and what do",
                    "they need from donors to finish the work on time?",
                    "Background prose describing the item at some length, as programmes often do, over",
                    "several lines that continue the same paragraph without a blank line between them.", ""]
        day += datetime.timedelta(days=1)
    return "\n".join(out) + "\n"


def run() -> None:
    path = Path(tempfile.mkdtemp(prefix="convene-bench-import-")) / "programme.txt"
    path.write_text(programme(), encoding="utf-8")
    size = path.stat().st_size
    ours, base = [], []
    sessions = 0
    for _ in range(RUNS):
        t = time.perf_counter()
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        base.append(time.perf_counter() - t)
        normalise.cache_clear()          # each run reads the document cold (the memo only spares a second pass)
        t = time.perf_counter()
        doc = read_document(str(path))
        ours.append(time.perf_counter() - t)
        sessions = len(doc.sessions)
    o50, b50 = statistics.median(ours), statistics.median(base)
    report(f"importer — plain-text programme of {size / 1e6:.2f} MB ({len(lines):,} lines, {sessions} sessions), "
           f"{RUNS} runs", [
               ("read_document", f"median {o50 * 1000:.0f} ms, p99 {percentile(ours, 99) * 1000:.0f} ms"),
               ("baseline: read the lines", f"median {b50 * 1000:.1f} ms, p99 {percentile(base, 99) * 1000:.1f} ms"),
               ("ratio", f"x{o50 / b50:.0f} (median); well under a second: {'yes' if o50 < 1 else 'NO'}")])


if __name__ == "__main__":
    run()
