"""Time to ack over signed HTTP: our /agenda and /submit vs a bare bolt app with a no-op handler.

Both apps run the same way (bolt AsyncApp behind an aiohttp server on 127.0.0.1, Web API calls
to a fake Slack server), in this process, and are hit with bursts of 50 concurrent signed
slash-command requests. Latency is measured at the client from send to complete response.
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.stats import ms, report, summary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from commands.importing import import_file  # noqa: E402
from storage import groups as group_store  # noqa: E402
from storage import open_db  # noqa: E402
from tests.fakes.loop import BackgroundLoop  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.fakes.slack_requests import SlackSender, slash_body  # noqa: E402
from tests.slack_harness import SECRET, RunningBot, free_port, wait_http  # noqa: E402

CONCURRENCY = 50
ROUNDS = 12


def _bare_app(api_url: str) -> web.Application:
    app = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=api_url), signing_secret=SECRET)

    @app.command("/agenda")
    async def noop(ack):
        await ack()

    @app.command("/submit")
    async def noop2(ack):
        await ack()

    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

    async def events(request):
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request):
        return web.Response(text="ok")
    web_application = web.Application()
    web_application.router.add_post("/slack/events", events)
    web_application.router.add_get("/healthz", healthz)
    return web_application


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

    bare_port = free_port()
    bare_loop = BackgroundLoop()

    async def start_bare():
        runner = web.AppRunner(_bare_app(api.url), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", bare_port).start()
        return runner
    bare_runner = bare_loop.run(start_bare())

    ours_port = free_port()
    from commands.core import system_clock
    bot = RunningBot(Settings(db_path=str(tmp / "bench.db"), slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,
                              slack_api_url=api.url, port=ours_port), system_clock)
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

    bot.stop()
    bare_loop.run(bare_runner.cleanup())
    bare_loop.close()
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
