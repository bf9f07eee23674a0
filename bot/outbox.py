"""One outbox: every message the bot sends on its own goes through here.

Notices (a late input for the coordinators, a report that a group's reminders are skipped), reminders and nudges
are addressed (``slack:T…:U…``, ``matrix:@ana:example.org``, ``console:main``) and handed to the outbox, which
routes each to the front end that owns the address, whichever front end caused it: a late input sent from Slack
reaches a coordinator who lives on Matrix. Every delivery is recorded in the ``outbox`` table with its outcome.

- ``post`` (notices): the message is written to disk first (``queued``), then sent by the pump; a failure is
  retried after 2, 10 and 60 seconds, then recorded as ``failed`` and logged. A front end that decides inside a
  transaction (Matrix) writes with ``enqueue`` in that transaction and calls ``kick`` after it commits, so the
  notice is on disk exactly when the input is.
- ``deliver`` (reminders): sent at once and awaited; the scheduler's own ledger makes them at-most-once, so a
  failure is recorded and raised, never retried here.
- **Messages updated in place** (the rolling list of speakers): a delivery with a ``slot`` is the newest version of
  one message in a room. The first is posted and the message it became is remembered (``outbox_slots``); later
  versions are handed to the front end's ``update(reply, target, ref)`` (Slack ``chat.update``, a Matrix
  ``m.replace`` edit, the console reprints); a version still queued behind a newer one is ``superseded``, so a
  burst of changes costs one edit. A front end without ``update`` posts each version anew.
- A process that stops while sending leaves ``sending`` rows: at the next start they become ``uncertain`` and are
  not sent again (except an edit of a message already posted, which is harmless to repeat: it is sent again);
  ``queued`` ones are sent.
"""
from __future__ import annotations

import asyncio
import inspect
import logging

from bot import failpoints, metrics
from bot.dbworkers import InlineWorkers
from commands import reply_codec
from storage import outbox as store

log = logging.getLogger("convene.outbox")

RETRY_DELAYS = (2.0, 10.0, 60.0)     # seconds before the 2nd, 3rd and 4th attempt of a notice


class NoFrontEnd(LookupError):
    """No front end of this process owns the address (that platform is not configured here)."""


class Router:
    """Routing only: the front end that owns an address (``owns(target)``) delivers to it."""

    def __init__(self, front_ends: list):
        self.front_ends = list(front_ends)

    def attach(self, front_end) -> None:
        self.front_ends.append(front_end)

    def owner(self, target: str):
        return next((f for f in self.front_ends if f.owns(target)), None)

    async def _send(self, target: str, reply, key: str | None = None):
        """Post ``reply``; returns what the front end says the message is (a Slack ts, a Matrix event id) or None."""
        front_end = self.owner(target)
        if front_end is None:
            raise NoFrontEnd(f"no connected front end for {target.split(':', 1)[0]}")
        params = inspect.signature(front_end.deliver).parameters
        result = front_end.deliver(reply, target, key=key) if "key" in params else front_end.deliver(reply, target)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def _update(self, target: str, reply, ref: str) -> None:
        front_end = self.owner(target)
        if front_end is None:
            raise NoFrontEnd(f"no connected front end for {target.split(':', 1)[0]}")
        result = front_end.update(reply, target, ref)
        if inspect.isawaitable(result):
            await result

    async def deliver(self, target: str, reply, cause: str = "reminder") -> None:
        await self._send(target, reply)


def _permanent(e: BaseException) -> bool:
    """Errors a retry cannot fix: nobody owns the address, the workspace uninstalled Convene."""
    return isinstance(e, NoFrontEnd) or type(e).__name__ == "NotInstalled"


class Outbox(Router):
    def __init__(self, db, clock, front_ends: list | None = None, workers=None, *,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS):
        super().__init__(front_ends or [])
        self.db, self.clock = db, clock
        self.workers = workers or InlineWorkers(db)
        self.retry_delays = retry_delays
        self._wake: asyncio.Event | None = None
        self._pump_task: asyncio.Task | None = None
        self._retries: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        await self.workers.run(store.requeue_edits, self.clock())
        uncertain = await self.workers.run(store.mark_uncertain, self.clock())
        if uncertain:
            log.warning("%s message(s) were being sent when the bot stopped: recorded as uncertain, not resent",
                        uncertain)
        self._pump_task = self._loop.create_task(self._pump())
        self._wake.set()                          # what was queued before a restart goes out now

    async def stop(self) -> None:
        for task in [self._pump_task, *self._retries]:
            if task is not None:
                task.cancel()
        await asyncio.gather(*[t for t in [self._pump_task, *self._retries] if t], return_exceptions=True)
        self._pump_task = None

    # --- notices ----------------------------------------------------------------------

    def enqueue(self, db, target: str, reply, cause: str = "notice") -> int:
        """Record a notice with ``db`` (inside the caller's transaction); ``kick`` after the commit sends it."""
        return store.enqueue(db, target, reply_codec.dumps(reply), cause, self.clock())

    def kick(self) -> None:
        """Wake the pump (thread-safe: database threads call it too)."""
        if self._loop is None or self._wake is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def post(self, target: str, reply, cause: str = "notice") -> int:
        """Record a notice on disk and have it sent; returns its id."""
        delivery_id = await self.workers.run(store.enqueue, target, reply_codec.dumps(reply), cause, self.clock())
        self.kick()
        return delivery_id

    def post_soon(self, notices, cause: str = "notice") -> None:
        """``post`` each (target, reply) of a Reply's notices, from a front end's handler on the loop."""
        for target, note in notices:
            task = asyncio.get_running_loop().create_task(self.post(target, note, cause))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)

    async def _pump(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                for d in await self.workers.run(store.queued):
                    if self.owner(d.target) is None:
                        continue            # another process (with that platform) may send it
                    if d.slot is not None and await self.workers.run(store.supersede, d, self.clock()):
                        continue            # a newer version of that message is queued: it goes instead
                    failpoints.hit("outbox.before_send")
                    await self._attempt(d.id, d.target, d.body, d.slot)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the outbox could not read its queue; will try again")
                await asyncio.sleep(1)
                self._wake.set()

    async def _attempt(self, delivery_id: int, target: str, body: str, slot: str | None = None) -> None:
        run = self.workers.run
        if not await run(store.claim, delivery_id, self.clock()):
            return
        failpoints.hit("outbox.after_claim")
        try:
            reply, key = reply_codec.loads(body), f"outbox.{delivery_id}"
            if slot is None:
                await self._send(target, reply, key=key)
            else:
                await self._send_version(target, reply, slot, key)
        except Exception as e:
            d = await run(store.get, delivery_id)
            attempts = d.attempts if d else 1
            if _permanent(e) or attempts > len(self.retry_delays):
                await run(store.finish, delivery_id, "failed", self.clock(), str(e)[:500])
                metrics.delivery("failed")
                log.error("message %s to %s failed after %s attempt(s): %s", delivery_id, target, attempts, e)
                return
            await run(store.finish, delivery_id, "queued", self.clock(), str(e)[:500])
            metrics.retried(target.split(":", 1)[0], "outbox")
            delay = self.retry_delays[attempts - 1]
            log.warning("message %s to %s failed (%s); retrying in %.0f s", delivery_id, target, e, delay)
            task = asyncio.get_running_loop().create_task(self._retry_after(delay))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
            return
        await run(store.finish, delivery_id, "sent", self.clock())
        metrics.delivery("sent")

    async def _send_version(self, target: str, reply, slot: str, key: str) -> None:
        """A version of the message ``slot`` in ``target``: an update of the message when there is one (and the
        front end can edit), else a post, remembered as the slot's message."""
        run = self.workers.run
        ref = await run(store.slot_ref, target, slot)
        if ref is not None and hasattr(self.owner(target), "update"):
            await self._update(target, reply, ref)
            return
        posted = await self._send(target, reply, key=key)
        if isinstance(posted, str) and posted:
            await run(store.set_slot_ref, target, slot, posted, self.clock())

    async def _retry_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._wake.set()

    # --- reminders --------------------------------------------------------------------

    async def deliver(self, target: str, reply, cause: str = "reminder") -> None:
        """Send now, recorded; raise on failure (no retry: the scheduler's ledger keeps reminders at most once)."""
        run = self.workers.run
        delivery_id = await run(store.enqueue, target, reply_codec.dumps(reply), cause, self.clock(), "sending")
        try:
            await self._send(target, reply, key=f"outbox.{delivery_id}")
        except Exception as e:
            await run(store.finish, delivery_id, "failed", self.clock(), str(e)[:500])
            raise
        await run(store.finish, delivery_id, "sent", self.clock())

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until nothing is queued that this process can send (tests, shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            pending = [d for d in await self.workers.run(store.queued) if self.owner(d.target) is not None]
            if not pending:
                return
            await asyncio.sleep(0.02)
