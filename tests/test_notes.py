"""Notes during the session (issue 27, item 1): recorded on the item in progress by the Chair or a rapporteur, read
by everyone, dated actions reminded once to whoever holds them, carried by the JSON export and restored — on the
console core and over signed Slack HTTP."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from bot.scheduler import ReminderScheduler, Router
from commands.exports.json_export import export_json, group_document
from commands.exports.json_restore import restore_group
from commands.registry import HEADS
from storage import audit as audit_store
from storage import groups as group_store
from storage import notes as notes_store
from storage import reminders as log_store
from tests.harness import slack_plain
from tests.test_reminders import Recorder, local, make_session

ITEM2 = "2. International cooperation and assistance: victim assistance"


def test_note_is_a_command_word():
    assert HEADS[-1] == "note"


def test_notes_go_on_the_item_whose_floor_is_open(bot, db):
    bot("iam Chile", user="console:chile")
    assert bot("note agreed The paper is adopted", user="console:coord") == (
        "No agenda item is in progress, so I can't tell which item the note belongs to: open the floor on it "
        "(floor open ITEM) and record the note again. Nothing was recorded.")
    assert notes_store.of_group(db, 1) == []
    bot("floor open 2", user="console:coord")
    assert bot("note agreed The paper is adopted", user="console:coord") == (
        f"Note 1 on {ITEM2}: Agreed: The paper is adopted\nAll notes: notes · change it: note edit 1 TEXT")
    assert bot("note action Chile circulate a revised draft by 2010-06-30", user="console:coord").startswith(
        f"Note 2 on {ITEM2}: Action: Chile — circulate a revised draft (by Wed 30 Jun 2010 18:00)")
    assert bot("note info Austria spoke on funding", user="console:coord").startswith("Note 3 on ")
    assert bot("note edit 3 Austria spoke twice", user="console:coord").startswith(
        f"Note 3 on {ITEM2}: Noted: Austria spoke twice")
    assert bot("notes", user="console:chile") == (
        "Notes — Contact Group on Cooperation\n====================================\n"
        f"{ITEM2}\n"
        "  1. Agreed: The paper is adopted\n"
        "  2. Action: Chile — circulate a revised draft (by Wed 30 Jun 2010 18:00)\n"
        "  3. Noted: Austria spoke twice\n"
        "(times: Geneva time, Europe/Zurich)")
    assert bot("notes 3", user="console:chile").startswith("No notes on item 3.")
    assert bot("note remove 1", user="console:coord") == f"Note 1 on {ITEM2} is removed."
    assert [n.number for n in notes_store.of_group(db, 1)] == [2, 3]
    # Audited, each change.
    actions = [e.action for e in audit_store.of_group(db, 1)]
    assert {"note agreed", "note action", "note info", "note edit", "note remove"} <= set(actions)


def test_bad_input_changes_nothing(bot, db):
    bot("floor open 2", user="console:coord")
    coord = dict(user="console:coord")
    assert bot("note", **coord).startswith("Write note agreed TEXT, note action DELEGATION TEXT")
    assert bot("note frobnicate x", **coord).startswith("'frobnicate' is not something note can do.")
    assert bot("note agreed", **coord) == "Write note agreed TEXT."
    assert bot("note agreed " + "x" * 2001, **coord).startswith("A note is at most 2000 characters")
    assert bot("note action Chile go by 2010-02-30", **coord).startswith("'2010-02-30' is not a real date")
    assert bot("note action Chile go by 2009-06-30", **coord).startswith("2009-06-30 is in the past")
    assert bot("note edit x text", **coord).startswith("Write note edit N TEXT with the note's number")
    assert bot("note remove 7", **coord).startswith("There is no note 7 in Contact Group on Cooperation")
    # A number too large for SQLite names no note (it once ended in "Something went wrong").
    assert bot("note edit 99999999999999999999999 x", **coord).startswith("There is no note 99999999999999999999999")
    assert notes_store.of_group(db, 1) == []


def test_a_delegate_is_refused_a_rapporteur_allowed_everyone_reads(bot, db):
    bot("iam Chile", user="console:chile")
    bot("floor open 2", user="console:coord")
    refusal = ("Only the coordinators and rapporteurs of Contact Group on Cooperation can use note {}. Ask a "
               "coordinator to make you a rapporteur.")
    for line, name in (("note agreed x", "agreed"), ("note action Chile x", "action"), ("note info x", "info"),
                       ("note edit 1 x", "edit"), ("note remove 1", "remove")):
        reply = bot.reply(line, user="console:chile")
        assert not reply.ok and reply.text == refusal.format(name), line
    assert bot("rapporteur add console:rita", user="console:chile").startswith(
        "Only coordinators of Contact Group on Cooperation can use rapporteur add.")
    assert bot("rapporteur add console:rita", user="console:coord") == (
        "rita is a rapporteur of Contact Group on Cooperation: they can record notes (note agreed TEXT).")
    assert bot("note agreed Funding is a priority", user="console:rita").startswith("Note 1 on ")
    assert bot("notes", user="console:chile").splitlines()[3] == "  1. Agreed: Funding is a priority"
    assert bot("rapporteur remove console:rita", user="console:coord") == "rita is no longer a rapporteur."
    assert bot("note info x", user="console:rita") == refusal.format("info")
    assert bot("help", user="console:chile").count("For the coordinators and rapporteurs") == 1


def test_a_dated_action_is_reminded_once_to_whoever_holds_it(db):
    g = group_store.create_group(db, "rm", "Resource Mobilization Contact Group", registration="open")
    group_store.bind_room(db, g.id, "slack:C0RM")
    group_store.set_coordinator(db, g.id, "slack:U0COORD", True)
    from tests.conftest import Bot, Clock
    clock = Clock(local("2026-12-01 08:00"))
    rec = Recorder()
    sched = ReminderScheduler(db, clock, Router([rec]))
    make_session(db, g, "2026-12-10 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    slack = dict(platform="slack")
    bot("iam Chile", user="slack:U0CL1", **slack)
    bot("member slack:U0CL2 Chile", user="slack:U0COORD", **slack)
    bot("iam Peru", user="slack:U0PE", **slack)
    coord = dict(user="slack:U0COORD", **slack)
    bot("floor open 2", **coord)
    assert "by Fri 4 Dec 2026 12:00" in bot("note action Chile send the figures by 2026-12-04 12:00", **coord)
    assert "by Sat 5 Dec 2026 18:00" in bot("note action slack:U0PE draft the letter by 2026-12-05", **coord)
    bot("note action Peru no date for this", **coord)
    asyncio.run(sched.sync())
    assert rec.delivered == []
    up = bot("upcoming", **coord)
    assert "Thu 3 Dec 2026 12:00  action 1 (1d before its date) → Chile: send the figures" in up
    assert "action 2 (1d before its date) → U0PE: draft the letter" in up and "action 3" not in up
    clock.set(local("2026-12-03 12:00") + timedelta(seconds=2))
    asyncio.run(sched.sync())
    asyncio.run(sched.sync())
    assert sorted(rec.targets()) == ["slack:U0CL1", "slack:U0CL2"]
    text = rec.texts("slack:U0CL1")[0]
    assert "Chile's action from 2. Funding: send the figures" in text and "Due tomorrow at 12:00" in text
    clock.set(local("2026-12-04 18:00"))
    asyncio.run(sched.sync())
    asyncio.run(sched.sync())
    assert rec.targets()[2:] == ["slack:U0PE"]
    assert "Your action from 2. Funding: draft the letter" in rec.texts("slack:U0PE")[0]
    assert [(e.kind, e.status) for e in log_store.all_entries(db)] == [("action", "sent")] * 3
    assert "action 1" not in bot("upcoming", **coord)


def test_the_json_export_carries_the_notes_and_a_restore_brings_them_back(bot, db):
    bot("floor open 2", user="console:coord")
    bot("rapporteur add console:rita", user="console:coord")
    bot("note agreed Adopted", user="console:rita")
    bot("note action console:bea write it up by 2010-07-01 09:00", user="console:rita")
    bot("note info Noted", user="console:coord")
    bot("note remove 1", user="console:coord")
    group = group_store.group_by_slug(db, "cg")
    before = group_document(db, group)
    assert [(n["number"], n["kind"], n["text"]) for n in before["notes"]] == [
        (2, "action", "write it up"), (3, "info", "Noted")]
    assert before["notes"][0]["due_at"] == "2010-07-01T07:00:00+00:00" and before["notes"][0]["holder"] == "console:bea"
    restored, counts = restore_group(db, export_json(db, group), slug="cg2")
    assert counts["notes"] == 2
    after = group_document(db, restored)

    def comparable(doc):
        return [{k: v for k, v in n.items() if k != "session"} for n in doc["notes"]], doc["rapporteurs"]
    assert comparable(after) == comparable(before)
    assert all(n.item_id is not None for n in notes_store.of_group(db, restored.id))
    assert notes_store.is_rapporteur(db, restored.id, "console:rita")
    # A damaged note is refused whole, with where it is; nothing is restored.
    import json
    import pytest
    from commands.exports.json_restore import DocumentError
    for change, where in (({"kind": "decided"}, "notes[0].kind"), ({"number": 0}, "notes[0].number"),
                          ({"text": "x" * 2001}, "notes[0].text"), ({"due_at": "soon"}, "notes[0].due_at")):
        doc = json.loads(export_json(db, group))
        doc["notes"][0].update(change)
        with pytest.raises(DocumentError, match=re.escape(where)):
            restore_group(db, json.dumps(doc), slug="cg3")
        assert group_store.group_by_slug(db, "cg3") is None


def test_notes_over_signed_slack_http(slack_bot, fake_slack):
    send = slack_bot.sender.command
    send("/convene", "iam Chile", user="U0CHILE", user_name="chile")
    send("/floor", "open 2", user="U0COORD")
    status, body = send("/note", "agreed Funding first", user="U0CHILE", user_name="chile")
    assert status == 200 and slack_plain(body).startswith(
        "Only the coordinators and rapporteurs of Contact Group on Cooperation can use note agreed.")
    send("/convene", "rapporteur add <@U0RITA|rita>", user="U0COORD")
    status, body = send("/note", "agreed Funding first", user="U0RITA", user_name="rita")
    assert slack_plain(body).startswith(f"Note 1 on {ITEM2}")
    status, body = send("/note", "action Chile send figures", user="U0RITA", user_name="rita")
    assert "Action: Chile — send figures" in slack_plain(body)
    status, body = send("/note", "action <@U0PE|pe> draft the letter by 2010-07-01", user="U0RITA", user_name="rita")
    assert "Action: U0PE — draft the letter (by Thu 1 Jul 2010 18:00 Geneva time)" in slack_plain(body)
    _, body = send("/convene", "notes", user="U0CHILE", user_name="chile")
    assert "1. Agreed: Funding first" in slack_plain(body) and "2. Action: Chile — send figures" in slack_plain(body)
    assert [(n.text, n.holder) for n in notes_store.of_group(slack_bot.check, 1)] == [
        ("Funding first", None), ("send figures", "Chile"), ("draft the letter", "slack:T0TEST:U0PE")]


def test_an_action_reminder_is_claimed_once_even_by_a_scheduler_with_a_stale_view(db, db_path, monkeypatch):
    """A second process that planned before the first recorded anything: the claim in reminder_log lets one through."""
    from storage import open_db
    from tests.conftest import Bot, Clock
    g = group_store.create_group(db, "rm", "Resource Mobilization Contact Group", registration="open")
    group_store.bind_room(db, g.id, "slack:C0RM")
    group_store.set_coordinator(db, g.id, "slack:U0COORD", True)
    clock = Clock(local("2026-12-01 08:00"))
    make_session(db, g, "2026-12-10 10:00")
    bot = Bot(db, clock, room="slack:C0RM")
    bot("floor open 2", user="slack:U0COORD", platform="slack")
    bot("note action slack:U0PE draft the letter by 2026-12-05", user="slack:U0COORD", platform="slack")
    clock.set(local("2026-12-04 18:00"))
    first, second = Recorder(), Recorder()
    asyncio.run(ReminderScheduler(db, clock, Router([first])).sync())
    other = open_db(db_path)
    try:
        from bot import scheduler as sched_module
        monkeypatch.setattr(sched_module.log_store, "handled_reminders", lambda db: {})
        monkeypatch.setattr(sched_module.log_store, "sent_dues", lambda db, kind, sid: [])
        asyncio.run(ReminderScheduler(other, clock, Router([second])).sync())
    finally:
        other.close()
    assert first.targets() == ["slack:U0PE"] and second.targets() == []
