"""`convene run`: one asyncio loop carrying every configured adapter and the reminder scheduler."""
from __future__ import annotations

import asyncio
import getpass
import logging
import os
import signal

from bot.adapters.console import Console
from bot.demo import DEMO_ROOM, ensure_demo
from bot.scheduler import ReminderScheduler, Router
from commands.core import system_clock

log = logging.getLogger("convene.runtime")


class StartupError(Exception):
    """A chat platform could not be reached or refused our credentials; the message says which and why."""


def _why(platform: str, e: Exception) -> str:
    detail = getattr(e, "response", None)
    code = detail.get("error") if hasattr(detail, "get") else None
    if code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return f"{platform} refused the bot token ({code}): check SLACK_BOT_TOKEN"
    if e.__class__.__name__ in ("MForbidden", "MUnknownToken"):
        return f"{platform} refused the login ({e}): check MATRIX_USER_ID and MATRIX_PASSWORD / MATRIX_ACCESS_TOKEN"
    return f"cannot connect to {platform}: {e.__class__.__name__}: {e}"


def run(settings, db, *, clock=system_clock) -> int:
    if not settings.slack_enabled and not settings.matrix_enabled:
        user = f"console:{os.environ.get('USER') or getpass.getuser() or 'me'}"
        ensure_demo(db, clock(), user)
        log.info("no Slack or Matrix credentials: starting the console on the demo group")
        if settings.log_level == "INFO":
            # The console shares the terminal with its user: only warnings and errors go to the log there.
            logging.getLogger().setLevel(logging.WARNING)
        return asyncio.run(console_demo(settings, db, user, clock=clock))
    return asyncio.run(serve(settings, db, clock=clock))


async def console_demo(settings, db, user: str, *, clock=system_clock) -> int:
    console = Console(db, room=DEMO_ROOM, user=user, clock=clock, settings=settings)
    scheduler = ReminderScheduler(db, clock, Router([console]))
    await scheduler.start()
    try:
        await console.run()
    finally:
        await scheduler.stop()
    return 0


async def serve(settings, db, *, clock=system_clock, stop: asyncio.Event | None = None) -> int:
    """Start the chat adapters and the scheduler, run until SIGINT/SIGTERM (or ``stop``), shut down cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass   # not the main thread (tests run the bot on a background loop)
    runners = []
    if settings.slack_enabled:
        from bot.adapters.slack.app import SlackAdapter
        from bot.adapters.slack.server import SlackRunner
        runners.append(("Slack", SlackRunner(SlackAdapter(settings, db, clock), settings)))
    if settings.matrix_enabled:
        from bot.adapters.matrix import MatrixRunner
        runners.append(("Matrix", MatrixRunner(settings, db, clock)))
    started = []
    for name, r in runners:
        try:
            await r.start()
        except Exception as e:
            for s in reversed(started):
                await s.stop()
            raise StartupError(_why(name, e)) from e
        started.append(r)
    runners = started
    scheduler = ReminderScheduler(db, clock, Router([r.adapter for r in runners]))
    await scheduler.start()
    log.info("Convene is running")
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await scheduler.stop()
        for r in reversed(runners):
            await r.stop()
    return 0
