"""The speakers' timer, run by the scheduler (bot/scheduler.py) from the database: for each statement under way
with a time limit, the speaker is told privately 30 seconds before the end and when time is up — each claimed once
in ``floor_timer_log`` in the same transaction as the notice it queues — and the rolling list's elapsed time is
refreshed every minute. A restart re-plans from the statements under way; nothing is kept in memory that matters."""
from __future__ import annotations

from datetime import datetime, timedelta

from commands import reply_codec
from commands.families.floor_list import clock_text, people_of, publish_list
from commands.reply import Reply, Section, Strong, line
from commands.rules import speakers as rules
from storage import floor as store
from storage import groups as group_store
from storage import outbox as outbox_store
from storage.db import write_tx

TICK = 60      # seconds between refreshes of the elapsed time on the rolling list


def timer_plan(db, now: datetime, ticks: bool = True) -> list[tuple[str, int, str, datetime]]:
    """What the timer has to do for the statements under way: (job id, statement, kind, when), for kinds
    ``warn`` (30 s left) and ``up`` (time is up) not yet claimed, and ``tick`` (the elapsed time on the rolling
    list, every minute until time is up)."""
    out = []
    for speech, _group in store.timed_speeches(db):
        claimed = store.timers_claimed(db, speech.id)
        for kind, seconds in rules.timer_due(speech.limit_seconds).items():
            if kind not in claimed:
                out.append((f"floor:{speech.id}:{kind}", speech.id, kind, speech.started_at + timedelta(seconds=seconds)))
        if ticks:
            for n in range(1, speech.limit_seconds // TICK + 1):
                at = speech.started_at + timedelta(seconds=n * TICK)
                out.append((f"floor:{speech.id}:tick{n}", speech.id, "tick", at))
    return out


def fire_timer(db, speech_id: int, kind: str, now: datetime, front_ends, heads) -> bool:
    """One timer event, in one transaction: ``warn`` and ``up`` are claimed once (a second call, a restart, another
    process find them claimed and do nothing) and tell the speaker privately; every event refreshes the rolling
    list. A warning that comes due after the time is up (the bot was down) is recorded, not sent. Returns whether
    anything was queued."""
    with write_tx(db):
        speech = store.speech_by_id(db, speech_id)
        if speech is None or speech.ended_at is not None:
            return False
        lst = store.list_by_id(db, speech.list_id)
        group = group_store.group_by_id(db, lst.group_id)
        if kind in ("warn", "up"):
            if not store.claim_timer(db, speech.id, kind, now):
                return False
            late_warning = kind == "warn" and speech.seconds(now) >= (speech.limit_seconds or 0)
            if not late_warning:
                request = store.request_by_id(db, speech.request_id) if speech.request_id else None
                text = (f"30 seconds left: {speech.delegation}'s time on {lst.item_label} ends at "
                        if kind == "warn" else f"Time is up: {speech.delegation} has had its ")
                limit = clock_text(speech.limit_seconds)
                body = line(Strong("30 seconds left"), f" of {speech.delegation}'s {limit} on {lst.item_label}.") \
                    if kind == "warn" else line(Strong("Time is up"), f": {speech.delegation}'s {limit} on "
                                                                      f"{lst.item_label} are over.")
                notice = Reply(text=text + ("the Chair's call." if kind == "warn" else f"{limit}."),
                               sections=[Section(body=[body])])
                for person in dict.fromkeys(people_of(db, group.id, request)):
                    outbox_store.enqueue(db, person, reply_codec.dumps(notice), f"floor:{kind}", now)
            store.record(db, lst.id, now, "convene", "30 s left" if kind == "warn" else "time up", speech.delegation,
                         "not sent: the time was up" if late_warning else None)
        publish_list(db, group, lst, now, front_ends, heads)
    return True
