"""Reminders and deadlines with an injectable clock: offsets, nudges, downtime, crashes, reschedules, DST."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.scheduler import ReminderScheduler, Router
from commands.text import timefmt
from commands.text.durations import DurationError, parse_offsets
from commands.importers.apply import import_document
from commands.importers.model import ParsedDocument, ParsedItem, ParsedSession
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import reminders as log_store
from tests.conftest import Bot, Clock

UTC = timezone.utc
TZ = "Europe/Zurich"


class Recorder:
    """The adapter boundary: owns console and slack targets and records what it is asked to deliver."""

    def __init__(self):
        self.delivered: list[tuple[str, object]] = []
        self.fail_with: BaseException | None = None

    def owns(self, target):
        return target.startswith(("console:", "slack:"))

    async def deliver(self, reply, target):
        if self.fail_with is not None:
            raise self.fail_with
        self.delivered.append((target, reply))

    def texts(self, target=None):
        return [r.plain() for t, r in self.delivered if target is None or t == target]

    def targets(self):
        return [t for t, _ in self.delivered]


def local(text):
    return timefmt.parse_user_datetime(text, TZ)


def make_session(db, group, start_local: str, *, hours=3, title="Contact group meeting", key="s1"):
    naive = datetime.strptime(start_local, "%Y-%m-%d %H:%M")
    doc = ParsedDocument(sessions=[ParsedSession(
        key=key, title=title, start=naive, end=naive + timedelta(hours=hours), timezone=TZ,
        items=[ParsedItem(number="1", title="Opening", start=naive),
               ParsedItem(number="2", title="Funding", questions=["How?", "When?"])])])
    result = import_document(db, group, doc)
    return result.sessions[0][0]


@pytest.fixture
def world(db):
    g = group_store.create_group(db, "rm", "Resource Mobilization Contact Group", registration="open")
    group_store.bind_room(db, g.id, "slack:C0RM")
    group_store.set_coordinator(db, g.id, "slack:U0COORD", True)
    clock = Clock(local("2026-12-01 08:00"))
    rec = Recorder()
    sched = ReminderScheduler(db, clock, Router([rec]))
    return g, clock, rec, sched


def sync(sched):
    asyncio.run(sched.sync())


def test_offsets_grammar():
    assert [o.text for o in parse_offsets("15m,2d,1h")] == ["2d", "1h", "15m"]
    assert [o.text for o in parse_offsets("1d12h, 90s")] == ["1d12h", "1m30s"]
    assert parse_offsets("off") == []
    for bad in ("2x", "", "1h,-5m", "0m", "400d"):
        with pytest.raises(DurationError):
            parse_offsets(bad)


def test_session_reminders_at_each_offset_once(db, world):
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-03 10:00")
    sync(sched)
    assert rec.delivered == []
    clock.set(local("2026-12-02 10:00") + timedelta(seconds=5))
    sync(sched)
    [text] = rec.texts("slack:C0RM")
    assert "Reminder: Contact group meeting" in text and "Starts tomorrow at 10:00" in text
    assert "1. Opening" in text and "(Sent late" not in text
    sync(sched)
    assert len(rec.delivered) == 1                 # no duplicate on a second pass
    clock.set(local("2026-12-03 09:00"))
    sync(sched)
    assert len(rec.delivered) == 2 and "Starts in 1 hour: " in rec.texts()[-1]
    statuses = [(e.offset, e.status) for e in log_store.log_of_session(db, s.id)]
    assert statuses == [("1d", "sent"), ("1h", "sent")]


def test_group_offsets_change_and_off(db, world):
    g, clock, rec, sched = world
    make_session(db, g, "2026-12-03 10:00")
    group_store.update_group(db, g.id, session_offsets="2h,15m")
    clock.set(local("2026-12-03 08:00"))
    sync(sched)
    assert len(rec.delivered) == 1
    group_store.update_group(db, g.id, session_offsets="")
    clock.set(local("2026-12-03 09:45"))
    sync(sched)
    assert len(rec.delivered) == 1


def test_missed_during_downtime_only_latest_sent_late(db, world):
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-03 10:00")
    sync(sched)
    clock.set(local("2026-12-03 09:40"))            # down across both the 1d and the 1h due times
    restarted = ReminderScheduler(db, clock, Router([rec]))
    asyncio.run(restarted.recover())
    sync(restarted)
    [text] = rec.texts()
    assert "Starts in 20 minutes" in text and "Sent late" in text
    log = {e.offset: e.status for e in log_store.log_of_session(db, s.id)}
    assert log == {"1d": "skipped", "1h": "sent"}


def test_missed_after_event_began_is_skipped(db, world):
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-03 10:00")
    clock.set(local("2026-12-03 10:30"))
    sync(sched)
    assert rec.delivered == []
    assert {e.status for e in log_store.log_of_session(db, s.id)} == {"skipped"}


def test_crash_between_claim_and_confirm_is_uncertain_never_resent(db, world):
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-03 10:00")
    clock.set(local("2026-12-02 10:00"))
    rec.fail_with = asyncio.CancelledError()         # the process dies in the middle of sending
    with pytest.raises(asyncio.CancelledError):
        sync(sched)
    rec.fail_with = None
    restarted = ReminderScheduler(db, clock, Router([rec]))
    asyncio.run(restarted.recover())
    sync(restarted)
    assert rec.delivered == []
    [entry] = log_store.log_of_session(db, s.id)
    assert entry.status == "uncertain" and "not resent" in entry.detail


def test_failed_delivery_is_recorded_not_retried_forever(db, world):
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-03 10:00")
    clock.set(local("2026-12-02 10:00"))
    rec.fail_with = RuntimeError("channel_not_found")
    sync(sched)
    rec.fail_with = None
    sync(sched)
    assert rec.delivered == []
    [entry] = log_store.log_of_session(db, s.id)
    assert entry.status == "failed" and "channel_not_found" in entry.detail


def test_deadline_nudges_only_delegations_without_input_and_summary(db, world):
    g, clock, rec, sched = world
    make_session(db, g, "2026-12-10 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    for user, deleg in (("slack:U1", "Chile"), ("slack:U2", "Norway"), ("slack:U3", "Peru"), ("slack:U4", "peru")):
        bot(f"iam {deleg}", user=user, platform="slack")
    assert "Approved" in bot("registration approve 1", user="slack:U3", platform="slack")   # Peru's member agrees
    assert bot.reply("submit 2.1 Our answer", user="slack:U1", platform="slack").ok
    assert "Only coordinators" in bot("deadline 2026-12-08 17:00", user="slack:U1", platform="slack")
    out = bot("deadline 2026-12-08 17:00", user="slack:U0COORD", platform="slack")
    assert "is due" in out and "Tue 8 Dec 2026 17:00" in out
    clock.set(local("2026-12-07 17:00"))             # 1d before
    sync(sched)
    dms = sorted(t for t in rec.targets() if t.startswith("slack:U") and t != "slack:U0COORD")
    assert dms == ["slack:U2", "slack:U3", "slack:U4"]
    nudge = rec.texts("slack:U3")[0]
    assert "Peru has not sent written input" in nudge and "tomorrow at 17:00" in nudge and "2.1" in nudge
    assert "/submit REF TEXT" in nudge
    # The status names who has not sent input: by default it goes to the coordinators only, never the room.
    [summary] = rec.texts("slack:U0COORD")
    assert "1 of 3 registered delegations has sent input." in summary and "Not yet: Norway, Peru" in summary
    assert rec.texts("slack:C0RM") == []
    assert "slack:U1" not in rec.targets()


def test_the_status_before_a_deadline_goes_where_the_coordinators_say(db, world):
    g, clock, rec, sched = world
    make_session(db, g, "2026-12-10 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    coord = dict(user="slack:U0COORD", platform="slack")
    bot("iam Chile", user="slack:U1", platform="slack")
    bot("deadline 2026-12-08 17:00", **coord)
    assert bot("reminders status room", **coord) == ("Before a deadline, the status (who has sent input, who has not) "
                                                     "is posted in this group's rooms, for everyone in them.\n"
                                                     "See what is planned: /convene upcoming")
    assert "Only coordinators" in bot("reminders status off", user="slack:U1", platform="slack")
    assert "room (everyone in the group's rooms) or off" in bot("reminders status everyone", **coord)
    clock.set(local("2026-12-05 17:00"))             # 3d before
    sync(sched)
    assert len(rec.texts("slack:C0RM")) == 1 and rec.texts("slack:U0COORD") == []
    bot("reminders status off", **coord)
    clock.set(local("2026-12-07 17:00"))             # 1d before
    sync(sched)
    assert len(rec.texts("slack:C0RM")) == 1 and rec.texts("slack:U0COORD") == []
    assert len(rec.texts("slack:U1")) == 2           # with the status off, Chile (nothing in) is still nudged


def test_late_input_marked_and_coordinators_told_or_refused(db, world):
    g, clock, rec, sched = world
    make_session(db, g, "2026-12-10 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    bot("iam Chile", user="slack:U1", platform="slack")
    bot("deadline 2026-12-08 17:00", user="slack:U0COORD", platform="slack")
    clock.set(local("2026-12-08 17:05"))
    reply = bot.reply("submit 2.1 Sorry for the delay", user="slack:U1", platform="slack")
    assert reply.ok and "Late:" in reply.plain()
    [(target, note)] = reply.notices
    assert target == "slack:U0COORD" and "Late input: Chile on #1 Contact group meeting · 2.1" in note.plain()
    bot("late refuse", user="slack:U0COORD", platform="slack")
    refused = bot.reply("submit 2.2 Even later", user="slack:U1", platform="slack")
    assert not refused.ok and "does not accept late input" in refused.plain()


def test_reschedule_later_reminder_due_again_earlier_not_repeated(db, world):
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-03 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    clock.set(local("2026-12-03 09:00"))
    sync(sched)
    n = len(rec.delivered)
    assert n == 1                                    # the 1d one fell due long before: recorded as skipped
    clock.set(local("2026-12-03 09:20"))
    out = bot("reschedule #%d 2026-12-03 10:15" % s.id, user="slack:U0COORD", platform="slack")
    assert "now takes place" in out
    sync(sched)
    assert len(rec.delivered) == n                   # new 1h due (09:15) was already past at the move
    moved = agenda_store.session_by_id(db, s.id)
    assert timefmt.hm(moved.start, TZ) == "10:15" and timefmt.hm(moved.end, TZ) == "13:15"
    items = agenda_store.items_of_session(db, s.id)
    assert timefmt.hm(items[0].start, TZ) == "10:15"
    bot("reschedule #%d 2026-12-03 15:00" % s.id, user="slack:U0COORD", platform="slack")
    clock.set(local("2026-12-03 14:00"))
    sync(sched)
    assert len(rec.delivered) == n + 1 and "Starts in 1 hour: " in rec.texts()[-1]


@pytest.mark.parametrize("session_local, due_local, due_utc", [
    ("2026-03-29 10:00", "2026-03-28 10:00", datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),     # spring forward
    ("2026-10-25 10:00", "2026-10-24 10:00", datetime(2026, 10, 24, 8, 0, tzinfo=UTC)),    # fall back
])
def test_day_offsets_keep_wall_clock_across_dst(db, world, session_local, due_local, due_utc):
    g, clock, rec, sched = world
    clock.set(local(session_local) - timedelta(days=3))
    make_session(db, g, session_local)
    from commands.notices import plan
    [one_day] = [p for p in plan(db, clock()) if p.offset == "1d"]
    assert one_day.due == due_utc and timefmt.hm(one_day.due, TZ) == "10:00"
    [one_hour] = [p for p in plan(db, clock()) if p.offset == "1h"]
    assert one_hour.due == local(session_local) - timedelta(hours=1)
    clock.set(due_utc - timedelta(seconds=1))
    sync(sched)
    assert rec.delivered == []
    clock.set(due_utc)
    sync(sched)
    assert len(rec.delivered) == 1 and "(Sent late" not in rec.texts()[0]


def test_reminder_commands(db, world):
    g, clock, rec, sched = world
    make_session(db, g, "2026-12-03 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    coord = dict(user="slack:U0COORD", platform="slack")
    assert "Only coordinators" in bot("reminders session 1h", user="slack:U9", platform="slack")
    assert "2d,1h,15m" in bot("reminders session 15m,2d,1h", **coord)
    assert group_store.group_by_id(db, g.id).session_offsets == "2d,1h,15m"
    assert "not a duration" in bot("reminders session 2x", **coord)
    assert "off" in bot("reminders deadline off", **coord)
    assert "already past" in bot("deadline 2026-11-30 17:00", **coord)
    assert "does not exist" in bot("deadline 2027-03-28 02:30", **coord)
    assert "YYYY-MM-DD HH:MM" in bot("deadline next friday", **coord)
    up = bot("upcoming", **coord)
    assert "reminder 2d before" in up and "reminder 1h before" in up and "reminder 15m before" in up


def test_upcoming_lists_planned_posts_in_order(db, world):
    g, clock, rec, sched = world
    make_session(db, g, "2026-12-03 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    up = bot("upcoming", user="slack:U0COORD", platform="slack")
    first, second = up.index("reminder 1d before"), up.index("reminder 1h before")
    assert first < second and "Wed 2 Dec 2026 10:00" in up


def test_one_groups_unplannable_data_never_stops_the_others(db, clock):
    """A group restored with a session in an unknown zone beside a healthy group: the healthy group's reminder
    goes out on time, the broken group is skipped, and its coordinators are told once."""
    healthy = group_store.create_group(db, "ok", "Healthy group", registration="open")
    group_store.bind_room(db, healthy.id, "slack:C0OK")
    broken = group_store.create_group(db, "bad", "Broken group", registration="open")
    group_store.bind_room(db, broken.id, "slack:C0BAD")
    group_store.set_coordinator(db, broken.id, "slack:U0BADCOORD", True)
    clock.set(local("2026-12-01 09:00"))
    make_session(db, healthy, "2026-12-01 10:00", key="ok")          # its 1h reminder is due now
    bad = make_session(db, broken, "2026-12-01 10:00", key="bad")
    db.execute("UPDATE sessions SET timezone = 'Mars/Olympus_Mons' WHERE id = ?", [bad.id])
    rec = Recorder()
    sched = ReminderScheduler(db, clock, Router([rec]))

    async def go():
        await sched.start()
        await sched.sync()                                            # a second pass tells nobody twice
        clock.set(local("2026-12-01 09:30"))
        await sched.sync()
        await sched.stop()
    asyncio.run(go())
    assert [t for t in rec.targets() if t.startswith("slack:C")] == ["slack:C0OK"]
    assert "Reminder: Contact group meeting" in rec.texts("slack:C0OK")[0]
    [report] = rec.texts("slack:U0BADCOORD")
    assert "Reminders for Broken group are paused" in report and "Mars/Olympus_Mons" in report
    assert "Other groups are not affected" in report
    bot = Bot(db, clock, room="slack:C0BAD", user="slack:U0BADCOORD")
    assert "paused" in bot("upcoming", platform="slack")
    # Corrected: the group plans again (and a later problem would be reported afresh).
    db.execute("UPDATE sessions SET timezone = 'Europe/Zurich' WHERE id = ?", [bad.id])
    asyncio.run(sched.sync())
    from storage import reminders as store
    assert store.reported_problems(db) == {}


def test_two_processes_after_downtime_send_once_and_only_one_logs_skipped(db_path, db, caplog, monkeypatch):
    """Two schedulers on one database file (two processes' worth of connections) come up after a downtime in which
    both reminders of a session fell due: the latest is sent once, the earlier is recorded skipped once, and only
    the scheduler that recorded it says so in its log."""
    import logging
    from storage import open_db
    g = group_store.create_group(db, "two", "Two processes", registration="open")
    group_store.bind_room(db, g.id, "slack:C0TWO")
    clock = Clock(local("2026-12-01 09:00"))
    make_session(db, g, "2026-12-01 10:00", key="two")
    clock.set(local("2026-12-01 09:30"))                 # 1d (yesterday 10:00) and 1h (09:00) both fell due
    other = open_db(db_path)
    recorders = [Recorder(), Recorder()]
    caplog.set_level(logging.INFO, logger="convene.scheduler")

    async def go():
        a = ReminderScheduler(db, clock, Router([recorders[0]]))
        b = ReminderScheduler(other, clock, Router([recorders[1]]))
        await a.start()
        # The other process planned at the same moment, before the first recorded anything: a stale view.
        from bot import scheduler as sched_module
        monkeypatch.setattr(sched_module.log_store, "handled_reminders", lambda db: {})
        monkeypatch.setattr(sched_module.log_store, "sent_dues", lambda db, kind, sid: [])
        await b.start()
        await asyncio.gather(a.stop(), b.stop())
    asyncio.run(go())
    other.close()
    sent = recorders[0].targets() + recorders[1].targets()
    assert sent == ["slack:C0TWO"]
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 1


def test_a_reminder_made_late_by_a_change_does_not_blame_downtime(db, world):
    """A session scheduled after its 1-hour reminder would have gone out: the reminder comes now, and says why,
    without claiming the bot was down."""
    g, clock, rec, sched = world
    clock.set(local("2026-12-03 09:30"))
    s = make_session(db, g, "2026-12-03 10:00")
    from storage.db import to_iso
    db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [to_iso(clock()), s.id])   # scheduled at 09:30
    sync(sched)
    [text] = rec.texts("slack:C0RM")
    assert "Starts in 30 minutes: " in text
    assert "(Sent now: the session was scheduled or moved after this reminder would have gone out.)" in text
    assert "not running" not in text and "offline" not in text


def test_a_deadline_after_the_meeting_or_a_move_before_the_deadline_needs_confirm(db, world):
    """Post-session written input is legitimate, but never set by accident."""
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-10 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    coord = dict(user="slack:U0COORD", platform="slack")
    refused = bot("deadline 2026-12-12 17:00", **coord)
    assert refused == (f"That deadline (Sat 12 Dec 2026 17:00) falls after “Contact group meeting” (#{s.id}) ends "
                       "(Thu 10 Dec 2026 13:00): written input would then be collected after the meeting. That is "
                       "allowed; to do it on purpose, add 'confirm' at the end.")
    assert agenda_store.session_by_id(db, s.id).deadline is None
    assert "is due" in bot("deadline 2026-12-12 17:00 confirm", **coord)
    assert timefmt.hm(agenda_store.session_by_id(db, s.id).deadline, TZ) == "17:00"
    moved = bot(f"reschedule #{s.id} 2026-12-11 09:00", **coord)
    assert "would end before its input deadline" in moved
    assert timefmt.hm(agenda_store.session_by_id(db, s.id).start, TZ) == "10:00"
    assert "now takes place" in bot(f"reschedule #{s.id} 2026-12-11 09:00 confirm", **coord)


def test_a_date_followed_by_a_time_is_the_deadline_not_a_session(db, world):
    """Issue 21: `deadline 2026-12-10 5pm` answered "There is no session on 2026-12-10". A date followed by a time
    of day is a datetime, in the 24-hour or the 12-hour form; a session's date followed by a datetime still names it."""
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-10 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    coord = dict(user="slack:U0COORD", platform="slack")
    assert "is due Tue 8 Dec 2026 17:00 Geneva time" in bot("deadline 2026-12-08 5pm", **coord)
    assert "is due Tue 8 Dec 2026 17:30 Geneva time" in bot("deadline 2026-12-08 5:30pm", **coord)
    assert "is due Wed 9 Dec 2026 09:15 Geneva time" in bot("deadline 2026-12-10 2026-12-09 9:15 a.m.", **coord)
    assert timefmt.hm(agenda_store.session_by_id(db, s.id).deadline, TZ) == "09:15"
    refused = bot("deadline 2026-12-08 17pm", **coord)
    assert refused == "'17pm' is not a time: with am or pm the hour is 1 to 12 (5pm, or 17:00)"
    assert "There is no session" not in bot("deadline 2026-12-08 5", **coord)
    assert timefmt.hm(agenda_store.session_by_id(db, s.id).deadline, TZ) == "09:15"


def test_a_clock_jump_to_just_before_the_next_nudge_sends_only_that_one(db, world):
    """Issue 21: a clock jump landing 20 s before the 1-day nudge sent the 3-day one (two days late) and then the
    1-day one 20 s later, saying the same. A late reminder whose next one (same deadline) comes sooner than it is
    late is recorded as skipped; a reminder a few minutes late with the next days away is still sent, late."""
    g, clock, rec, sched = world
    s = make_session(db, g, "2026-12-10 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    bot("iam Chile", user="slack:U1", platform="slack")
    bot("deadline 2026-12-08 17:00", user="slack:U0COORD", platform="slack")     # nudges 3d, 1d, 2h before
    sync(sched)
    clock.set(local("2026-12-07 16:59") + timedelta(seconds=40))                 # the jump: 20 s before the 1d
    sync(sched)
    assert rec.delivered == []
    clock.set(clock() + timedelta(seconds=20))
    sync(sched)
    assert sorted(rec.targets()) == ["slack:U0COORD", "slack:U1"]
    assert all("(Sent late" not in text for text in rec.texts())
    log = {(e.offset, e.target): e for e in log_store.log_of_session(db, s.id)}
    assert sorted((o, t, e.status) for (o, t), e in log.items()) == [
        ("1d", "slack:U0COORD", "sent"), ("1d", "slack:U1", "sent"), ("3d", "*", "skipped")]
    assert "the next reminder of the same event is due sooner" in log[("3d", "*")].detail
    # Five minutes late with the next one a day away: sent, worded as late.
    clock.set(local("2026-12-08 15:05"))
    sync(sched)
    assert len(rec.delivered) == 4 and "Sent late" in rec.texts("slack:U1")[-1]
