"""`convene run`: one asyncio loop carrying every configured adapter (and the scheduler)."""
from __future__ import annotations

import asyncio
import getpass
import logging
import os
import signal

from bot.adapters.console import Console
from bot.demo import DEMO_ROOM, ensure_demo
from commands.core import system_clock

log = logging.getLogger("convene.runtime")


def run(settings, db, *, clock=system_clock) -> int:
    if not settings.slack_enabled and not settings.matrix_enabled:
        user = f"console:{os.environ.get('USER') or getpass.getuser() or 'me'}"
        ensure_demo(db, clock(), user)
        log.info("no Slack or Matrix credentials: starting the console on the demo group")
        console = Console(db, room=DEMO_ROOM, user=user, clock=clock, settings=settings)
        asyncio.run(console.run())
        return 0
    return asyncio.run(serve(settings, db, clock=clock))


async def serve(settings, db, *, clock=system_clock, stop: asyncio.Event | None = None) -> int:
    """Start the chat adapters, run until SIGINT/SIGTERM (or ``stop``), then shut down cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    runners = []
    if settings.slack_enabled:
        from bot.adapters.slack.app import SlackAdapter
        from bot.adapters.slack.server import SlackRunner
        runners.append(SlackRunner(SlackAdapter(settings, db, clock), settings))
    for r in runners:
        await r.start()
    log.info("Convene is running")
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        for r in reversed(runners):
            await r.stop()
    return 0
