"""`convene run`: one asyncio loop carrying every configured adapter and the reminder scheduler."""
from __future__ import annotations

import asyncio
import getpass
import logging
import os
import signal
from datetime import timedelta

from bot.adapters.console import Console
from bot.dbworkers import workers_for
from storage.db import write_health
from bot.demo import DEMO_ROOM, ensure_demo, operator_groups
from bot.outbox import Outbox
from bot.scheduler import ReminderScheduler
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
        others = operator_groups(db)
        if others:
            slugs = ", ".join(g.slug for g in others[:5]) + (" …" if len(others) > 5 else "")
            raise StartupError(f"no Slack or Matrix settings (is .env in this directory?), and the database "
                               f"holds groups ({slugs}): the demo group is only added to a fresh database. Set the "
                               "chat settings, or talk to a group at the terminal with convene console --group SLUG")
        user = f"console:{os.environ.get('USER') or getpass.getuser() or 'me'}"
        ensure_demo(db, clock(), user)
        log.info("no Slack or Matrix credentials: starting the console on the demo group")
        if settings.log_level == "INFO":
            # The console shares the terminal with its user: only warnings and errors go to the log there.
            logging.getLogger().setLevel(logging.WARNING)
        return asyncio.run(console_demo(settings, db, user, clock=clock))
    return asyncio.run(serve(settings, db, clock=clock))


def web_server(settings, db, clock, workers=None):
    """The web server with the agenda pages and feeds mounted (Slack mounts its own route), or None
    when nothing needs it (no Slack HTTP mode and no CONVENE_PUBLIC_URL)."""
    if not settings.web_enabled:
        return None
    from bot.web.feed import FeedSite
    from bot.web.server import WebServer
    server = WebServer(settings.port)
    server.feed = FeedSite(db, settings, clock, workers)
    server.mount("agenda pages and feeds", server.feed.add_routes)
    return server


HOUSEKEEPING_EVERY = 3600          # seconds
SEEN_EVENTS_KEPT = timedelta(days=1)   # Slack retries within minutes and signs for 5; a day is plenty
OUTBOX_KEPT = timedelta(days=30)       # the record of what was sent, for a coordinator's "did they get it?"
INBOX_KEPT = timedelta(days=30)        # handled chat events (an edit of an older message still finds its input)


def housekeeping(db, clock) -> int:
    """Prune the dedupe log (Slack event ids, signed-request replay keys, Matrix invites) of entries older than a
    day (duplicates come within minutes, so older keys only take space), and the outbox of deliveries settled more
    than 30 days ago, and the front ends' inbox of events handled more than 30 days ago. Returns how many rows were
    removed."""
    from storage import events, inbox, outbox
    now = clock()
    return (events.forget_before(db, now - SEEN_EVENTS_KEPT) + outbox.forget_before(db, now - OUTBOX_KEPT)
            + inbox.prune(db, now - INBOX_KEPT))


async def _housekeeping_forever(workers, clock) -> None:
    """In a database thread: its deletes take the write lock, which another process (an import, a backup) may hold
    for seconds, and the event loop must not wait for it."""
    while True:
        try:
            removed = await workers.run(housekeeping, clock)
            if removed:
                log.info("housekeeping: %s old dedupe keys removed", removed)
        except Exception:
            log.exception("housekeeping failed; will try again")
        await asyncio.sleep(HOUSEKEEPING_EVERY)


def scheduled_backup(db, settings, now=None):
    """One scheduled backup into CONVENE_BACKUP_DIR, verified and rotated (see storage.backups)."""
    from storage.backups import backup_into
    result = backup_into(db, settings.backup_dir, settings.backup_keep, now)
    log.info("backup written to %s (%s pages; %s old ones removed)", result.path, result.pages, len(result.removed))
    return result


async def _backups_forever(settings, workers, scheduler) -> None:
    """Backups by the process that holds the scheduler lease (one process, not every one)."""
    await asyncio.sleep(60)                     # not in the middle of start-up
    while True:
        if scheduler.role == "leader":
            try:
                await workers.run(scheduled_backup, settings)
            except Exception as e:
                log.error("scheduled backup failed: %s", e)
        await asyncio.sleep(settings.backup_every_hours * 3600)


async def _start_web(server) -> None:
    try:
        await server.start()
    except OSError as e:
        raise StartupError(f"cannot listen on port {server.port} (PORT): {e.strerror or e}") from e


async def console_demo(settings, db, user: str, *, clock=system_clock) -> int:
    console = Console(db, room=DEMO_ROOM, user=user, clock=clock, settings=settings)
    outbox = console.outbox = Outbox(db, clock, [console])
    scheduler = ReminderScheduler(db, clock, outbox)
    server = web_server(settings, db, clock)
    if server is not None:
        await _start_web(server)
    await outbox.start()
    await scheduler.start()
    try:
        await console.run()
    finally:
        await scheduler.stop()
        await outbox.stop()
        if server is not None:
            await server.stop()
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
    workers = workers_for(settings, db)
    server = web_server(settings, db, clock, workers)
    if settings.slack_enabled:
        from bot.adapters.slack.app import SlackAdapter
        from bot.adapters.slack.server import SlackRunner
        runners.append(("Slack", SlackRunner(SlackAdapter(settings, db, clock, workers), settings, server)))
    if settings.matrix_enabled:
        from bot.adapters.matrix import MatrixRunner
        runners.append(("Matrix", MatrixRunner(settings, db, clock, workers)))
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
    if server is not None:
        try:
            await _start_web(server)
        except StartupError:
            for s in reversed(runners):
                await s.stop()
            raise
    # One outbox for every message the bot sends on its own, routed to whichever front end owns the address.
    outbox = Outbox(db, clock, [r.adapter for r in runners], workers)
    for r in runners:
        r.adapter.outbox = outbox
    await outbox.start()
    scheduler = ReminderScheduler(db, clock, outbox, workers=workers,
                                  lease_seconds=settings.scheduler_lease_seconds)
    if server is not None:
        server.health = lambda: {"database": write_health.check(db), "scheduler": scheduler.health()}
        server.metrics_source = lambda: (settings.db_path, scheduler, write_health)
    await scheduler.start()
    keeper = asyncio.get_running_loop().create_task(_housekeeping_forever(workers, clock))
    backups = (asyncio.get_running_loop().create_task(_backups_forever(settings, workers, scheduler))
               if settings.backup_dir else None)
    log.info("Convene is running")
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        keeper.cancel()
        if backups is not None:
            backups.cancel()
        await scheduler.stop()
        await outbox.stop()
        if server is not None:
            await server.stop()
        for r in reversed(runners):
            await r.stop()
        await asyncio.get_running_loop().run_in_executor(None, workers.close)
    return 0
