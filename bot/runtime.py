"""`convene run`: one asyncio loop carrying every configured adapter (and the scheduler)."""
from __future__ import annotations

import asyncio
import getpass
import logging
import os

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
    raise SystemExit("chat adapters are not available yet")
