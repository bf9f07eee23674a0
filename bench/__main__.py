"""python -m bench [NAME …] — run the named benchmarks (default: all)."""
from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["storage_burst", "slack_ack", "reminders", "exports", "feed", "importer", "capacity", "matrix_crash", "floor_rolling"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    for name in names:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
