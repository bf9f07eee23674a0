"""Reminders on the bot's loop: APScheduler jobs derived from storage, a sent-log for at-most-once.

Storage is the source of truth. ``sync`` (at start-up, within ``WATCH_SECONDS`` of any change to the schedule in the
database — made by a chat command, the CLI or another process — and every ``RESYNC`` seconds) recomputes every
reminder from sessions, deadlines and offsets, and:

- sends what is due now and not yet handled. A reminder that fell due more than ``GRACE`` ago
  (the bot was down, or the clock jumped) is sent once, worded as late, if its event has not begun, it is the
  latest of its session's reminders of that kind that fell due, and the next one of them is not due sooner than
  it is late (``notices.sooner_next``); the others are recorded as *skipped*;
- keeps one APScheduler job per reminder due within ``HORIZON``, id ``reminder:{kind}:{session}:{offset}``,
  at its due time (later ones get their job at a resync before they come due, which keeps start-up
  fast with tens of thousands of sessions); a job only triggers ``sync``, so a stale job can never
  send stale content.

At-most-once: each delivery (reminder × recipient) is claimed in ``reminder_log`` (unique key)
before it is sent and confirmed after. A claim found unconfirmed at start-up means the process
died in between: it is marked *uncertain*, logged, and not resent (a duplicate post to 200
delegations is worse than a rare missing one, and the log says which).
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from commands import notices as core
from commands.families import floor_timer
from commands.registry import HEADS
from bot import frontends
from bot import metrics
from bot.dbworkers import InlineWorkers
from bot.outbox import Router  # noqa: F401  (what the scheduler sends through: the runtime gives it the Outbox)
from storage import floor as floor_store
from storage import leases
from storage import reminders as log_store

log = logging.getLogger("convene.scheduler")

GRACE = timedelta(seconds=10)       # later than this after its due time, a reminder counts as late (a healthy
                                    # process fires within a fraction of a second)
RESYNC = 30                         # seconds between periodic re-derivations from storage
WATCH_SECONDS = 1.0        # how often the schedule's fingerprint is compared (a change syncs within this)
HORIZON = timedelta(hours=6)        # jobs exist for reminders due within this window; resync adds the rest
LEASE = "scheduler"


def watched_fingerprint(db) -> str:
    """What the scheduler watches: the reminders' schedule and the statements under way on the speakers' lists."""
    return f"{log_store.schedule_fingerprint(db)}|{floor_store.timer_fingerprint(db)}"


class ReminderScheduler:
    def __init__(self, db, clock, router: Router, *, resync_seconds: float = RESYNC, workers=None,
                 lease_seconds: float | None = None, watch_seconds: float = WATCH_SECONDS, front_ends=None):
        self.db, self.clock, self.router = db, clock, router
        self.workers = workers or InlineWorkers(db)     # claims and confirmations wait for the lock there
        self._loop: asyncio.AbstractEventLoop | None = None
        # One scheduler per database (README "Running more than one process"): with a lease, only its holder plans
        # and sends; the others stand by and take over when it expires. Without (the console), always the leader.
        self.lease_ttl = timedelta(seconds=lease_seconds) if lease_seconds else None
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.role = "standby" if self.lease_ttl else "leader"
        self.last_sync: datetime | None = None
        self.next_due: datetime | None = None
        self.resync_seconds = resync_seconds
        self.watch_seconds = watch_seconds
        self.front_ends = front_ends or frontends.ALL      # how each addressee types commands, for the texts
        self._fingerprint: str | None = None
        self._last_look: tuple[datetime, float] | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._pending_sync = False
        self.sent: list[tuple[str, str]] = []     # (key, target) of this process, for tests and logs
        self._ticked: set[str] = set()            # rolling-list refreshes done (idempotent: kept in memory only)

    # --- lifecycle -------------------------------------------------------------------

    async def recover(self) -> None:
        """Claims left unconfirmed by the previous leader (it died between claiming and confirming): uncertain."""
        for entry in await self.workers.run(log_store.mark_unconfirmed_uncertain, self.clock()):
            log.warning("reminder %s to %s was claimed but not confirmed before the last stop: it may or may not "
                        "have been delivered; not resending", entry.key, entry.target)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.lease_ttl is None:
            await self.recover()
        else:
            await self.lease_tick()
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self.scheduler.start()
        self.scheduler.add_job(self.sync, "interval", seconds=self.resync_seconds, id="reminders:resync",
                               coalesce=True, max_instances=1, misfire_grace_time=None)
        if self.lease_ttl is not None:
            self.scheduler.add_job(self.lease_tick, "interval", seconds=self.lease_ttl.total_seconds() / 3,
                                   id="reminders:lease", coalesce=True, max_instances=1, misfire_grace_time=None)
        # The database is the one dependency: a change made anywhere (a chat command, the CLI, another process)
        # moves its schedule fingerprint, and the next look (every WATCH_SECONDS) syncs.
        self._fingerprint = await self.workers.run(watched_fingerprint)
        self._last_look = (self.clock(), time.monotonic())
        self.scheduler.add_job(self.watch, "interval", seconds=self.watch_seconds, id="reminders:watch",
                               coalesce=True, max_instances=1, misfire_grace_time=None)
        await self.sync()

    async def watch(self) -> None:
        """Sync when the schedule changed in the database since the last look, or when the clock jumped (a
        suspended machine woke, the system clock was corrected): what fell due meanwhile is handled now."""
        now, mono = self.clock(), time.monotonic()
        jumped = self._last_look is not None and abs(
            (now - self._last_look[0]).total_seconds() - (mono - self._last_look[1])) > 2
        self._last_look = (now, mono)
        try:
            fingerprint = await self.workers.run(watched_fingerprint)
        except Exception as e:
            log.warning("could not read the schedule's fingerprint: %s", e)
            return
        if fingerprint != self._fingerprint or jumped:
            if jumped:
                log.info("the clock jumped: re-planning the reminders")
            self._fingerprint = fingerprint
            self.request_sync()

    async def lease_tick(self) -> None:
        """Take or renew the lease; a standby takes over when the leader's lease has expired."""
        try:
            held, fresh = await self.workers.run(leases.acquire, LEASE, self.holder, self.clock(), self.lease_ttl)
        except Exception as e:
            log.warning("could not renew the scheduler lease: %s", e)
            held, fresh = False, False
        if held and (fresh or self.role != "leader"):
            self.role = "leader"
            log.info("this process now sends the reminders (scheduler lease %s)", self.holder)
            await self.recover()
            self.request_sync()
        elif not held and self.role == "leader":
            self.role = "standby"
            log.warning("the scheduler lease went to another process: this one stops sending reminders")
            self._reconcile_jobs([])
        elif not held and self.role != "standby":
            self.role = "standby"

    async def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        if self.lease_ttl is not None and self.role == "leader":
            try:
                await self.workers.run(leases.release, LEASE, self.holder)   # the standby takes over at once
            except Exception as e:
                log.warning("could not release the scheduler lease: %s", e)
            self.role = "standby"

    def health(self) -> dict:
        return {"role": self.role, "holder": self.holder,
                "last_sync": self.last_sync.isoformat() if self.last_sync else None,
                "next_due": self.next_due.isoformat() if self.next_due else None}

    def request_sync(self) -> None:
        """Called by the core after a change (on the loop, or in a database thread); coalesces bursts into one
        sync on the loop."""
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not loop:
            loop.call_soon_threadsafe(self.request_sync)
            return
        if self._pending_sync:
            return
        self._pending_sync = True

        async def later():
            self._pending_sync = False
            await self.sync()
        loop.create_task(later())

    # --- the work --------------------------------------------------------------------

    async def sync(self) -> None:
        if self.role != "leader":
            return                  # a standby: the leader sends
        async with self._lock:
            now = self.clock()
            problems: list[core.Unplannable] = []
            planned = await self.workers.run(core.plan, now, until=now + HORIZON, problems=problems)
            await self._report_problems(problems)
            await self._handle_due(now, [p for p in planned if p.due <= now])
            future = [p for p in planned if p.due > now]
            self._reconcile_jobs(future)
            self.last_sync, self.next_due = now, min((p.due for p in future), default=None)
            await self._floor_timers(now)

    async def _floor_timers(self, now: datetime) -> None:
        """The speakers' timer: 30 s left and time up, told to the speaker privately and claimed once in the
        database (commands.families.floor_timer.fire_timer), and the elapsed time refreshed on the rolling list; one
        APScheduler job per future event, derived from the statements under way (a restart re-derives them)."""
        try:
            planned = await self.workers.run(floor_timer.timer_plan, now)
        except Exception:
            log.exception("the speakers' timer could not be planned")
            return
        due: list[tuple[str, int, str]] = []
        latest_tick: dict[int, tuple[datetime, str]] = {}
        for job_id, speech_id, kind, at in planned:
            if at > now:
                continue
            if kind != "tick":
                due.append((job_id, speech_id, kind))
            elif job_id not in self._ticked and (speech_id not in latest_tick or at > latest_tick[speech_id][0]):
                latest_tick[speech_id] = (at, job_id)      # of refreshes come due together, the latest is enough
        for job_id, speech_id, kind, at in planned:
            if kind == "tick" and at <= now:
                self._ticked.add(job_id)
        due += [(job_id, speech_id, "tick") for speech_id, (_, job_id) in latest_tick.items()]
        queued = False
        for job_id, speech_id, kind in due:
            try:
                queued |= await self.workers.run(floor_timer.fire_timer, speech_id, kind, now, self.front_ends, HEADS)
            except Exception:
                log.exception("speakers' timer %s failed", job_id)
        if queued and hasattr(self.router, "kick"):
            self.router.kick()
        if self.scheduler is None:
            return
        future = {job_id: due for job_id, _, _, due in planned if due > now}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("floor:") and job.id not in future:
                job.remove()
        ahead = self.clock() - datetime.now(timezone.utc)
        if abs(ahead) < timedelta(seconds=1):
            ahead = timedelta(0)
        for job_id, due in future.items():
            run_at = due - ahead
            job = self.scheduler.get_job(job_id)
            if job is not None and job.next_run_time == run_at:
                continue
            self.scheduler.add_job(self.sync, DateTrigger(run_date=run_at, timezone=timezone.utc), id=job_id,
                                   replace_existing=True, misfire_grace_time=None, coalesce=True)

    async def _report_problems(self, problems: list) -> None:
        """A group whose data cannot be planned is skipped (every other group's reminders go out), logged, and
        its coordinators are told once; when it plans again, a later problem is reported afresh."""
        bad = {p.group_id: p for p in problems}
        run = self.workers.run
        for group_id, reason in (await run(log_store.reported_problems)).items():
            if group_id not in bad:
                await run(log_store.set_reported_problem, group_id, None)
                log.info("reminders of group %s can be planned again", group_id)
        known = await run(log_store.reported_problems)
        for group_id, problem in bad.items():
            if known.get(group_id) == problem.reason:
                continue
            log.warning("reminders of group %s skipped: %s", group_id, problem.reason)
            await run(log_store.set_reported_problem, group_id, problem.reason)
            report = await run(core.problem_report, problem)
            for target in await run(core.coordinators_of, group_id):
                if self.router.owner(target) is None:
                    continue
                try:
                    await self.router.deliver(target, report, cause="report")
                except Exception as e:
                    log.error("could not tell %s that group %s is skipped: %s", target, group_id, e)

    async def _handle_due(self, now: datetime, due: list[core.Planned]) -> None:
        if not due:
            return
        run = self.workers.run
        handled = await run(log_store.handled_reminders)
        fresh = []
        for p in due:
            last = handled.get((p.kind, p.session_id, p.offset))
            # Never handled: fresh. Handled for another due time (the session or deadline moved): fresh only
            # if the new due time came after the change, i.e. the move made it due again.
            if last is None or (last != p.due and p.changed_at is not None and p.due > p.changed_at):
                fresh.append(p)
        by_event: dict[tuple[str, int], list[core.Planned]] = {}
        for p in fresh:
            by_event.setdefault((p.kind, p.session_id), []).append(p)
        for (kind, session_id), group in by_event.items():
            group.sort(key=lambda p: p.due)
            latest = group[-1]
            already = await run(log_store.sent_dues, kind, session_id)
            superseded = any(d >= latest.due for d in already)
            send = latest if (latest.event > now and not superseded) else None
            sooner = None
            if send is not None and now - send.due > GRACE:
                # Late (a downtime, a clock jump): not sent when the next one of the same event comes sooner.
                sooner = await run(core.sooner_next, send, now)
                if sooner is not None:
                    send = None
            for p in group:
                if p is send:
                    continue
                reason = ("its event had begun" if p.event <= now else
                          "a later reminder of the same event was due" if p is not latest or superseded else
                          f"the next reminder of the same event is due sooner ({sooner.isoformat()})" if sooner
                          else "not sent")
                recorded = await run(
                    log_store.claim, p.key("*"), kind=p.kind, session_id=p.session_id, offset=p.offset,
                    due_at=p.due, target="*", late=True, now=now, status="skipped",
                    detail=f"fell due {p.due.isoformat()} while Convene was not running; skipped: {reason}")
                if recorded:       # another process may have recorded (or sent) it: only the recorder says so
                    log.info("reminder %s skipped (%s)", p.job_id, reason)
                    metrics.reminder(p.kind, "skipped")
            if send is not None:
                try:
                    await self._send(send, now, late=now - send.due > GRACE)
                except Exception:
                    # One reminder that cannot be built must not stop the others.
                    log.exception("reminder %s could not be sent", send.job_id)

    async def _send(self, p: core.Planned, now: datetime, late: bool) -> None:
        run = self.workers.run
        deliveries = await run(core.deliveries, p, now, late, self.front_ends)
        if not deliveries:
            await run(log_store.claim, p.key("*"), kind=p.kind, session_id=p.session_id, offset=p.offset, due_at=p.due,
                      target="*", late=late, now=now, status="skipped", detail="no recipients")
            return
        for target, reply in deliveries:
            if self.router.owner(target) is None:
                # Not ours to send (that platform is not connected in this process): leave it unclaimed.
                continue
            key = p.key(target)
            if not await run(log_store.claim, key, kind=p.kind, session_id=p.session_id, offset=p.offset,
                             due_at=p.due, target=target, late=late, now=now):
                continue
            try:
                await self.router.deliver(target, reply, cause=f"reminder:{p.kind}")
            except Exception as e:  # delivery failed after the adapter's own retries
                log.error("reminder %s to %s failed: %s", p.job_id, target, e)
                await run(log_store.finish, key, "failed", self.clock(), detail=str(e)[:500])
                metrics.reminder(p.kind, "failed")
                continue
            await run(log_store.finish, key, "sent", self.clock())
            metrics.reminder(p.kind, "late" if late else "sent")
            self.sent.append((key, target))
            log.info("reminder %s sent to %s%s", p.job_id, target, " (late)" if late else "")

    def _reconcile_jobs(self, future: list[core.Planned]) -> None:
        if self.scheduler is None:
            return
        wanted = {p.job_id: p for p in future}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("reminder:") and job.id not in wanted:
                job.remove()
        # APScheduler runs jobs on the system clock; ours may run ahead of it (a rehearsal): fire at the system time
        # that is the due time on our clock.
        ahead = self.clock() - datetime.now(timezone.utc)
        if abs(ahead) < timedelta(seconds=1):
            ahead = timedelta(0)
        for job_id, p in wanted.items():
            run_at = p.due - ahead
            job = self.scheduler.get_job(job_id)
            if job is not None and job.next_run_time == run_at:
                continue
            self.scheduler.add_job(self.sync, DateTrigger(run_date=run_at, timezone=timezone.utc), id=job_id,
                                   replace_existing=True, misfire_grace_time=None, coalesce=True)

    def job_ids(self) -> list[str]:
        return sorted(j.id for j in self.scheduler.get_jobs()) if self.scheduler else []
