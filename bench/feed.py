"""The agenda page and the calendar feed, from the real `convene run` process over HTTP, against a static
aiohttp handler (its own process) serving the very same responses (body and headers) with the same ETag
logic: the ratio is the cost of finding the group, checking the cache and answering conditionally.

Load comes from wrk (C, its own process, one thread, 32 keep-alive connections), alternating ours and
the baseline for ROUNDS rounds of SECONDS each; we report the median requests/s and wrk's median and p99
latency, and the ratio ours / static. Two loads: the page (200 with the full HTML), and a calendar
client's poll of an unchanged feed (If-None-Match → 304). `make bench` installs wrk (Debian) as root.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

from bench.stats import report

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
SECONDS = 4
CONNECTIONS = 32

STATIC_SERVER = textwrap.dedent('''
    import sys
    from aiohttp import web
    import json
    page, ics, port = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), int(sys.argv[4])
    page_headers, ics_headers = json.loads(sys.argv[3])
    etag = ics_headers["ETag"]
    ics_304 = {k: v for k, v in ics_headers.items() if k not in ("Content-Type", "Content-Disposition")}
    async def page_h(request):
        return web.Response(body=page, headers=page_headers)
    async def ics_h(request):
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=ics_304)
        return web.Response(body=ics, headers=ics_headers)
    app = web.Application()
    app.router.add_get("/page", page_h)
    app.router.add_get("/calendar.ics", ics_h)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
''')


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _wrk(url: str, headers: dict | None = None) -> dict:
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=SECONDS + 30).stdout

    def lat(label):
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": lat("50"), "p99": lat("99"), "errors": int(non2xx.group(1)) if non2xx else 0}


def _rounds(ours_url, base_url, headers=None):
    ours, base = [], []
    for i in range(ROUNDS):
        pair = [(ours, ours_url), (base, base_url)] if i % 2 == 0 else [(base, base_url), (ours, ours_url)]
        for sink, url in pair:
            sink.append(_wrk(url, headers))
    return ours, base


def _fmt(runs: list[dict]) -> tuple[float, float, float, int]:
    return (statistics.median(r["rps"] for r in runs), statistics.median(r["p50"] for r in runs),
            statistics.median(r["p99"] for r in runs), sum(r["errors"] for r in runs))


def run() -> None:
    if not shutil.which("wrk"):
        print("\n== feed: skipped (wrk is not installed: apt-get install wrk, or run `make bench` as root)")
        return
    tmp = Path(tempfile.mkdtemp(prefix="convene-bench-feed-"))
    port, static_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATRIX_"))}
    env.update(CONVENE_DB=str(tmp / "bench.db"), CONVENE_ENV_FILE=str(tmp / "none.env"), PORT=str(port),
               CONVENE_PUBLIC_URL=f"http://127.0.0.1:{port}", CONVENE_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    # The real bot: `convene run` with no chat platform opens the console on the demo group and, with a public
    # URL, serves the pages; its stdin stays open for the whole run.
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp, stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    static = None
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        page_url = subprocess.run([sys.executable, "-m", "bot", "feed", "demo"], env=env, cwd=tmp, check=True,
                                  capture_output=True, text=True).stdout.splitlines()[0]
        hop = ("content-length", "date", "server", "connection", "keep-alive", "transfer-encoding")
        keep = lambda h: {k: v for k, v in h.items() if k.lower() not in hop}  # noqa: E731
        with urllib.request.urlopen(page_url) as resp:
            page, page_headers = resp.read(), keep(resp.headers)
        with urllib.request.urlopen(page_url + "calendar.ics") as resp:
            ics, ics_headers = resp.read(), keep(resp.headers)
        etag = ics_headers["ETag"]
        (tmp / "page.html").write_bytes(page)
        (tmp / "calendar.ics").write_bytes(ics)
        static = subprocess.Popen([sys.executable, "-c", STATIC_SERVER, str(tmp / "page.html"),
                                   str(tmp / "calendar.ics"), json.dumps([page_headers, ics_headers]),
                                   str(static_port)], env=env)
        base = f"http://127.0.0.1:{static_port}"
        _wait(base + "/page")
        _wrk(page_url)                                   # warm-up of both
        _wrk(base + "/page")
        rows = []
        for label, ours_url, base_url, headers in (
                ("page (200, %d bytes)" % len(page), page_url, base + "/page", None),
                ("feed poll (304)", page_url + "calendar.ics", base + "/calendar.ics", {"If-None-Match": etag})):
            ours, baseline = _rounds(ours_url, base_url, headers)
            o, b = _fmt(ours), _fmt(baseline)
            rows += [(f"{label}: convene run", f"{o[0]:,.0f} req/s, p50 {o[1]:.2f} ms, p99 {o[2]:.2f} ms"
                      + (f", {o[3]} errors" if o[3] else "")),
                     (f"{label}: static aiohttp", f"{b[0]:,.0f} req/s, p50 {b[1]:.2f} ms, p99 {b[2]:.2f} ms"),
                     (f"{label}: ratio", f"throughput x{o[0] / b[0]:.2f}, p50 x{o[1] / b[1]:.2f}, "
                                         f"p99 x{o[2] / b[2]:.2f} (aim: throughput >= 0.8)")]
        report(f"feed — agenda page and calendar feed over HTTP ({ROUNDS} rounds x {SECONDS} s, "
               f"{CONNECTIONS} connections, medians)", rows)
    finally:
        for proc in (bot, static):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run()
