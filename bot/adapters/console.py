"""The terminal console: one line in, the reply's plain text out. Also scriptable (piped stdin)."""
from __future__ import annotations

import asyncio
import re
import sys
import time

from bot import metrics
from bot import frontends
from commands.core import Request
from commands.dispatch import handle
from commands.reply import Reply
from commands.text.sanitize import clean

# ANSI escapes and friends (never newlines), and bidirectional overrides that would reorder the terminal line
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x9b\u202a-\u202e\u2066-\u2069]")


def render(reply: Reply) -> str:
    """Plain text, with control characters a user might have put in their text removed."""
    prefix = "" if reply.ok else "! "
    return prefix + _CONTROL.sub("", clean(reply.plain()))


def parse_line(raw: str) -> tuple[str, str] | None:
    text = raw.strip()
    if not text or text.startswith("#"):
        return None
    word, _, rest = text.partition(" ")
    return word.lstrip("/!"), rest.strip()


class Console:
    def __init__(self, db, *, room: str, user: str, clock, out=None, settings=None, export_dir: str = "convene-exports"):
        self.outbox = None          # the process's Outbox (bot.outbox), set by the runtime
        self.export_dir = export_dir
        self.db = db
        self.room = room
        self.user = user
        self.clock = clock
        self.out = out or sys.stdout
        self.settings = settings

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def execute(self, raw: str) -> Reply | None:
        parsed = parse_line(raw)
        if parsed is None:
            return None
        command, text = parsed
        if command in ("quit", "exit"):
            raise EOFError
        request = Request(platform="console", room=self.room, user=self.user, command=command, text=text,
                          user_name=self.user.split(":", 1)[-1], front_end=frontends.CONSOLE)
        started = time.perf_counter()
        reply = handle(self.db, request, self.clock, self.settings, front_ends=frontends.ALL)
        metrics.observe("console", command, reply.ok, time.perf_counter() - started)
        return reply

    def save_files(self, reply: Reply) -> None:
        """The console's "upload": write each file under ``export_dir`` and say where."""
        import os
        for f in reply.files:
            os.makedirs(self.export_dir, exist_ok=True)
            path = os.path.join(self.export_dir, os.path.basename(f.filename))
            with open(path, "wb") as fh:
                fh.write(f.materialize(self.db))
            f.filename = os.path.abspath(path)

    def owns(self, target: str) -> bool:
        return target.startswith("console:")

    def deliver(self, reply: Reply, target: str) -> None:
        """Scheduler output addressed to this console's room or user."""
        self.say(f"[{target}] " + render(reply))

    async def run(self, stdin=None) -> None:
        stdin = stdin or sys.stdin
        interactive = stdin.isatty()
        loop = asyncio.get_running_loop()
        if interactive:
            self.say("Convene console — type 'help' for commands, 'quit' to leave.")
        while True:
            if interactive:
                self.out.write("> ")
                self.out.flush()
            raw = await loop.run_in_executor(None, stdin.readline)
            if not raw:
                break
            try:
                reply = self.execute(raw)
            except EOFError:
                break
            if reply is not None:
                self.save_files(reply)
                self.say(render(reply))
                if self.outbox is not None:
                    self.outbox.post_soon(reply.notices)
                    if reply.queued:
                        self.outbox.kick()
                else:
                    for target, note in reply.notices:
                        if self.owns(target):
                            self.deliver(note, target)
                if not interactive:
                    self.say("")
