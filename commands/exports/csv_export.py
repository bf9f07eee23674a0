"""CSV compilation: one row per input, for spreadsheets. UTF-8 with a byte-order mark so that
Excel opens Arabic, Chinese and Russian text correctly; fields quoted as needed (newlines kept)."""
from __future__ import annotations

import csv
import io

from commands.text import timefmt
from commands.exports.compilation import Compilation
from commands.text.sanitize import clean

COLUMNS = ["section", "ref", "question", "delegation", "author", "submitted_at", "updated_at", "late",
           "disclosure", "note", "text"]
# Times are the session's wall-clock with their UTC offset (2026-12-01T09:30:00+01:00): what a reader compares
# with the deadline, and still exact for a machine.


def build_csv(c: Compilation) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for sec in c.sections:
        heading = f"{sec.number}. {sec.title}" if sec.number else sec.title
        for q in sec.questions:
            for i in q.inputs:
                w.writerow([csv_cell(v) for v in (
                    heading, q.label, q.text, i.delegation, i.author, _local(i.created_at, c.tz),
                    _local(i.updated_at, c.tz),
                    "yes" if i.late else "no", "coordinators" if i.coordinators_only else "group", i.note or "",
                    i.text)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _local(moment, tz: str) -> str:
    return timefmt.to_local(moment, tz).isoformat(timespec="seconds")


def csv_cell(text) -> str:
    """The one escaper of the CSV sink (the compilation and the status grid). Every cell: one starting with = + - @ (or a tab or carriage return before one) would run as a formula
    in a spreadsheet: it gets a leading apostrophe, which spreadsheets show as text."""
    text = clean("" if text is None else str(text))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
