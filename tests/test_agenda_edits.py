"""Fixing an agenda in chat without YAML (issue 24, item 4): a coordinator corrects a wrong title, time, break and
question in Slack (the Edit form, over signed HTTP with the fake Web API) and at the console, with inputs kept;
a delegate is refused; an answered question leaves the agenda only when confirmed, and is then retired; a
re-import keeps a correction by hand the document does not contradict, and shows the one it does."""
from __future__ import annotations

import json

import pytest

from commands.contract import EditAgenda, EditField
from commands.importers.apply import import_file
from storage import agenda as agenda_store
from storage import audit
from storage import submissions as sub_store
from tests.fakes.slack_requests import block_action_body, view_submission_body


def _items(db, session_id=1):
    return [(it.number, it.title, it.kind) for it in agenda_store.items_of_session(db, session_id)]


def _question(db, ref, session_id=1):
    return agenda_store.session_question(db, session_id, ref)


def _hm(db, number, session_id=1):
    it = next(it for it in agenda_store.items_of_session(db, session_id) if it.number == number)
    s = agenda_store.session_by_id(db, session_id)
    from commands.text import timefmt
    return timefmt.hm(it.start, s.timezone), timefmt.hm(it.end, s.timezone) if it.end else None


# --- the console ---------------------------------------------------------------------------------

def test_a_coordinator_fixes_title_time_break_and_question_at_the_console_inputs_kept(bot, db):
    C = "console:coord"
    bot("iam Chile")
    assert "Received" in bot("submit 2.6 We support coherence.")
    q26 = _question(db, "2.6")

    assert bot("item edit 2 title Victim assistance (corrected)", user=C) == \
        "Item 2 is now “Victim assistance (corrected)”.\nSee it: agenda #1"
    assert bot("item edit 2 time 10:30-11:15", user=C).startswith("Item 2 is now at 10:30–11:15.")
    assert bot("item edit 5 break", user=C).startswith("“Closing remarks & next steps” is now a break.")
    assert bot("question edit 2.6 How can both Conventions be made coherent?", user=C).startswith(
        "Question 2.6 now reads “How can both Conventions be made coherent?”; its inputs stay with it.")

    assert _items(db)[1] == ("2", "Victim assistance (corrected)", "item")
    assert _hm(db, "2") == ("10:30", "11:15")
    assert _items(db)[4] == (None, "Closing remarks & next steps", "break")
    assert _items(db)[5][0] == "5"                       # the items after the break are renumbered
    q = _question(db, "2.6")
    assert q.id == q26.id and q.text == "How can both Conventions be made coherent?"
    [s] = sub_store.of_group(db, 1)
    assert (s.question_id, s.text) == (q26.id, "We support coherence.")       # the input stays with its question
    assert "How can both Conventions be made coherent?" in bot("inputs mine")
    assert [e.action for e in audit.of_group(db, 1)][:4] == ["question edit", "item edit", "item edit", "item edit"]


def test_a_delegate_is_refused_and_nothing_changes(bot, db):
    bot("iam Chile")
    before = _items(db)
    for line in ("item edit 2 title Mine now", "item add Extra", "item remove 2", "item move 3 after 1",
                 "question add 2 Why?", "question edit 2.1 Why?", "question remove 2.1", "session date 2010-06-26"):
        assert bot(line).startswith("Only coordinators of Contact Group on Cooperation can use "), line
    assert _items(db) == before and _question(db, "2.1").text.startswith("Within States")


@pytest.mark.parametrize("line, says", [
    ("item edit 2 time 25:00", "25:00 is not a time of day"),
    ("item edit 2 time 11:00-10:00", "The end (10:00) must come after the start (11:00)."),
    ("item edit 2 time soon", "'soon' is not a time I can read: write HH:MM or HH:MM-HH:MM"),
    ("item edit 99 title X", "There is no item 99 on the agenda"),
    ("item edit 2 colour red", "I can correct an item's title, time or presenters, or make it a break or an item"),
    ("item edit 2 title", "Say the new title"),
    ("item edit 2 break now", "'item edit 2 break' takes nothing after it."),
    ("item edit 3 break", "Item 3 has 5 discussion questions, and a break has none"),
    ("item move 2 after 2", "An item cannot follow itself"),
    ("item move 2 before 3", "Say which item goes after which"),
    ("question edit 9.9 X", "There is no question 9.9"),
    ("question edit WP.15:f X", "is not an agenda question"),
    ("question add 1", "Say the item and the question"),
    ("session date 2010-02-30", "is not a date I can read"),
    ("session date #99 2010-06-26", "There is no session #99"),
    ("item edit 2 title " + "x" * 1001, "keep it under 1000"),
])
def test_bad_input_gets_a_friendly_message_and_changes_nothing(bot, db, line, says):
    before = (_items(db), [(q.id, q.ref, q.text) for q in agenda_store.questions_of_session(db, 1)])
    out = bot(line, user="console:coord")
    assert says in out, out
    assert "Traceback" not in out
    assert (_items(db), [(q.id, q.ref, q.text) for q in agenda_store.questions_of_session(db, 1)]) == before
    assert audit.of_group(db, 1) == []


def test_a_time_that_does_not_exist_is_refused(bot, db):
    # 28 March 2010, 02:30 does not exist in Zurich (summer time starts): the session moved there first.
    C = "console:coord"
    assert "is now on Sunday 28 March 2010" in bot("session date 2010-03-28", user=C)
    out = bot("item edit 1 time 02:30", user=C)
    assert "2010-03-28 02:30 does not exist in Europe/Zurich: the clocks skip that hour" in out
    assert _hm(db, "1")[0] == "10:00"


def test_removing_an_answered_question_asks_for_confirm_then_retires_it(bot, db):
    C = "console:coord"
    bot("iam Chile")
    bot("submit 2.3 Our answer to 2.3.")
    q23, q24 = _question(db, "2.3"), _question(db, "2.4")
    out = bot("question remove 2.3", user=C)
    assert out.startswith("Question 2.3 has 1 input (on 2.3): removing it takes answered questions off the agenda.")
    assert "add 'confirm' at the end" in out and _question(db, "2.3").id == q23.id
    out = bot("question remove 2.3 confirm", user=C)
    assert out.startswith("Question 2.3 is withdrawn from the agenda with its 1 input")
    retired = agenda_store.retired_questions(db, session_id=1)
    assert [(q.id, q.ref) for q in retired] == [(q23.id, "2.3")]
    assert _question(db, "2.3").id == q24.id             # the next question takes its label
    [s] = sub_store.of_group(db, 1)
    assert s.question_id == q23.id and s.text == "Our answer to 2.3."
    from commands.exports import render
    from storage import groups as group_store
    text = render(db, group_store.group_by_id(db, 1), "md", agenda_store.session_by_id(db, 1),
                  bot.clock()).content.decode()
    assert "Questions withdrawn from the agenda" in text and "Our answer to 2.3." in text
    # An unanswered question is simply removed.
    assert bot("question remove 2.5", user=C).startswith("Question 2.5 is removed")
    assert len(agenda_store.retired_questions(db, session_id=1)) == 1


def test_removing_an_item_with_answered_questions_asks_first(bot, db):
    C = "console:coord"
    bot("iam Chile")
    bot("submit 4.1 On other matters.")
    out = bot("item remove 4", user=C)
    assert out.startswith("Item 4 has 1 input (on 4.1)") and len(_items(db)) == 6
    assert bot("item remove 4 confirm", user=C).startswith("Removed “International cooperation and assistance: "
                                                           "other relevant matters”; its answered questions are "
                                                           "withdrawn with their 1 input.")
    assert [n for n, _, _ in _items(db)] == ["1", "2", "3", "4", "5"]
    assert [q.ref for q in agenda_store.retired_questions(db, session_id=1)] == ["4.1"]


def test_moving_and_adding_items_relabels_their_questions_and_inputs_follow(bot, db):
    C = "console:coord"
    bot("iam Chile")
    bot("submit 3.2 On Article 5.")
    q32 = _question(db, "3.2")
    assert "now follows" in bot("item move 3 after 1", user=C)
    assert _question(db, "2.2").id == q32.id              # item 3 became item 2: its questions are 2.N
    assert bot("item add after 1 09:30 Welcome", user=C).startswith("Added item 2: “Welcome”.")
    assert _question(db, "3.2").id == q32.id
    assert "#1 Special Session on International Cooper… · 3.2" in bot("inputs mine")
    assert bot("question add 2 What would help?", user=C).startswith("Added question 2.1 under item 2.")
    assert bot("item move 1 after 7", user=C).startswith("“Introductory remarks & overview of the purpose of the "
                                                         "session” now follows “Special session ends” (item 7).")
    assert [n for n, _, _ in _items(db)] == ["1", "2", "3", "4", "5", "6", "7"]
    assert _question(db, "2.2").id == q32.id


# --- a re-import ---------------------------------------------------------------------------------

AGENDA = """\
title: Contact Group on Resource Mobilization
date: 2027-03-03
start: "10:00"
end: "12:00"
items:
  - number: 1
    title: Openning
    start: "10:00"
  - number: 2
    title: Funding mechanisms
    start: "10:15"
    questions:
      - How can the flow of funds be made faster?
      - Which mechanisms favour national ownership?
"""


def test_a_reimport_keeps_a_manual_title_fix_and_shows_a_document_that_changes_it(db, group, clock, tmp_path):
    from tests.conftest import Bot
    bot = Bot(db, clock)
    path = tmp_path / "agenda.yaml"
    path.write_text(AGENDA)
    [(s, _)] = import_file(db, group, str(path)).sessions
    C = "console:coord"
    bot("item edit 1 title Opening", user=C)
    bot("question edit 2.2 Which mechanisms favour national ownership of funds?", user=C)

    # The same document again (a revision elsewhere): the corrections stay.
    path.write_text(AGENDA.replace("end: \"12:00\"", "end: \"12:30\""))
    result = import_file(db, group, str(path), dry_run=True)
    plan = "\n".join(result.summary_lines(db))
    assert "keeps item 1 title “Opening”, corrected by hand (the document still says “Openning”)" in plan
    assert "keeps question 2.2 as reworded by hand" in plan
    import_file(db, group, str(path))
    assert _items(db, s.id)[0] == ("1", "Opening", "item")
    assert _question(db, "2.2", s.id).text == "Which mechanisms favour national ownership of funds?"

    # A document that retitles the item contradicts the correction: it is followed, and the plan says so.
    path.write_text(AGENDA.replace("Openning", "Opening of the meeting"))
    plan = "\n".join(import_file(db, group, str(path), dry_run=True).summary_lines(db))
    assert ("item 1 title: corrected by hand to “Opening”, and the document now says “Opening of the meeting” (it "
            "said “Openning”): the document's is taken") in plan
    import_file(db, group, str(path))
    assert _items(db, s.id)[0] == ("1", "Opening of the meeting", "item")


def test_a_reimport_keeps_a_time_a_break_and_an_added_item(db, group, clock, tmp_path):
    from tests.conftest import Bot
    bot = Bot(db, clock)
    path = tmp_path / "agenda.yaml"
    path.write_text(AGENDA)
    [(s, _)] = import_file(db, group, str(path)).sessions
    C = "console:coord"
    bot("item edit 2 time 10:30-11:30", user=C)
    bot("item add after 2 11:30-11:45 Coffee", user=C)
    bot("item edit 3 break", user=C)
    import_file(db, group, str(path))
    assert _items(db, s.id) == [("1", "Openning", "item"), ("2", "Funding mechanisms", "item"),
                                (None, "Coffee", "break")]
    assert _hm(db, "2", s.id) == ("10:30", "11:30")


# --- Slack: the Edit button and its form, over signed HTTP ---------------------------------------

def _values(view: dict, changes: dict) -> dict:
    """What Slack sends back for ``view``: every field with its initial value, then ``changes``."""
    out = {}
    for b in view["blocks"]:
        if b["type"] != "input":
            continue
        el = b["element"]
        if el["type"] == "radio_buttons":
            out[b["block_id"]] = ("radio_buttons", el.get("initial_option", {}).get("value"))
        elif el["type"] == "static_select":
            out[b["block_id"]] = ("static_select", el.get("initial_option", {}).get("value"))
        else:
            out[b["block_id"]] = el.get("initial_value", "")
    out.update(changes)
    return out


def test_a_coordinator_fixes_the_agenda_in_the_slack_form_inputs_kept(slack_bot, fake_slack):
    db = slack_bot.check
    slack_bot.sender.command("/convene", "iam Chile")
    slack_bot.sender.command("/submit", "2.6 We support coherence.")
    q26 = _question(db, "2.6")

    _, body = slack_bot.sender.command("/agenda", user="U0COORD", user_name="coord")
    [edit] = [b["accessory"] for b in body["blocks"] if b.get("accessory", {}).get("action_id") == "edit_agenda"]
    assert edit["value"] == EditAgenda(1, 1).encode()
    _, body = slack_bot.sender.command("/agenda")             # a delegate sees no Edit button
    assert "edit_agenda" not in json.dumps(body)

    slack_bot.sender.post(block_action_body("edit_agenda", edit["value"], user="U0COORD"))
    [opened] = fake_slack.wait_for("views.open")
    view = opened["view"]
    assert len(view["blocks"]) <= 100 and len(view["title"]["text"]) <= 24
    assert len(view["private_metadata"]) <= 3000
    items = agenda_store.items_of_session(db, 1)
    title2, time2 = EditField("i", items[1].id, "title").encode(), EditField("i", items[1].id, "time").encode()
    kind5 = EditField("i", items[4].id, "kind").encode()
    text26 = EditField("q", q26.id, "text").encode()
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[title2]["element"]["initial_value"] == "International cooperation and assistance: victim assistance"
    assert blocks[EditField("i", items[0].id, "time").encode()]["element"]["initial_value"] == "10:00"
    assert blocks[kind5]["element"]["initial_option"]["value"] == "item"
    assert all(b["element"].get("max_length", 0) <= 3000 for b in view["blocks"] if b["type"] == "input")
    assert blocks[text26]["hint"]["text"] == ("Inputs stay with the question. To reword it by command: /convene "
                                              "question edit 2.6 TEXT; to remove it: /convene question remove 2.6")

    # A bad time: the error shows on that field, and nothing is changed (not even the good title).
    status, resp = slack_bot.sender.post(view_submission_body(view, _values(view, {
        title2: "Victim assistance", time2: "10:30-09:00"}), user="U0COORD"))
    assert status == 200 and resp["response_action"] == "errors"
    assert list(resp["errors"]) == [time2] and "must come after the start" in resp["errors"][time2]
    assert _items(db)[1][1] == "International cooperation and assistance: victim assistance"

    status, resp = slack_bot.sender.post(view_submission_body(view, _values(view, {
        title2: "Victim assistance", time2: "10:30-11:15", kind5: ("radio_buttons", "break"),
        text26: "How can both Conventions be made coherent?"}), user="U0COORD"))
    assert status == 200 and resp in ("", {})
    eph = fake_slack.wait_for("chat.postEphemeral")[-1]
    assert eph["user"] == "U0COORD" and "Agenda corrected" in eph["text"]
    assert _items(db)[1] == ("2", "Victim assistance", "item") and _hm(db, "2") == ("10:30", "11:15")
    assert _items(db)[4] == (None, "Closing remarks & next steps", "break")
    q = _question(db, "2.6")
    assert q.id == q26.id and q.text == "How can both Conventions be made coherent?"
    [s] = sub_store.of_group(db, 1)
    assert s.question_id == q26.id and s.text == "We support coherence."
    assert {e.action for e in audit.of_group(db, 1)} >= {"item edit", "question edit"}


def test_a_delegate_pressing_edit_is_refused_in_slack(slack_bot, fake_slack):
    slack_bot.sender.command("/convene", "iam Chile")
    slack_bot.sender.post(block_action_body("edit_agenda", EditAgenda(1, 1).encode()))
    [opened] = fake_slack.wait_for("views.open")
    assert "Only coordinators of Contact Group on Cooperation can use item edit" in json.dumps(opened["view"])
    assert opened["view"].get("callback_id") is None           # a notice, not the form
    # A form submitted anyway (forged) changes nothing.
    item = agenda_store.items_of_session(slack_bot.check, 1)[1]
    from commands.contract import FormContext
    view = {"type": "modal", "callback_id": "convene_form:agenda_edit",
            "private_metadata": json.dumps(FormContext("item edit", "slack:C0CG").encode()), "blocks": []}
    status, resp = slack_bot.sender.post(view_submission_body(view, {EditField("i", item.id, "title").encode(): "X"}))
    assert status == 200 and "Only coordinators" in json.dumps(resp)
    assert agenda_store.items_of_session(slack_bot.check, 1)[1].title == item.title


def test_a_long_agenda_is_edited_one_item_at_a_time_in_slack(slack_bot, fake_slack):
    db = slack_bot.check
    from commands.importers.apply import import_document
    from commands.importers.model import ParsedDocument, ParsedItem, ParsedSession
    from datetime import datetime
    from storage import groups as group_store
    items = [ParsedItem(number=str(n), title=f"Item number {n}", start=datetime(2010, 6, 25, 9, 0 + n),
                        questions=[f"Question {n}?"]) for n in range(1, 31)]
    doc = ParsedDocument(sessions=[ParsedSession(title="Long day", start=datetime(2010, 6, 25, 9, 0),
                                                 end=datetime(2010, 6, 25, 18, 0), items=items, key="long")])
    import_document(db, group_store.group_by_id(db, 1), doc)
    sid = max(s.id for s in agenda_store.sessions_of_group(db, 1))
    slack_bot.sender.post(block_action_body("edit_agenda", EditAgenda(1, sid).encode(), user="U0COORD"))
    [opened] = fake_slack.wait_for("views.open")
    view = opened["view"]
    [pick] = [b for b in view["blocks"] if b.get("block_id") == "pick"]
    assert len(pick["element"]["options"]) == 30
    target = agenda_store.items_of_session(db, sid)[11]
    status, resp = slack_bot.sender.post(view_submission_body(view, {"pick": ("static_select", f"i{target.id}")},
                                                              user="U0COORD"))
    assert resp["response_action"] == "update"
    one = resp["view"]
    assert {b["block_id"] for b in one["blocks"] if b["type"] == "input"} == {
        f"i{target.id}.title", f"i{target.id}.time", f"i{target.id}.presenters", f"i{target.id}.kind",
        f"q{_question(db, '12.1', sid).id}.text"}
    status, resp = slack_bot.sender.post(view_submission_body(one, _values(one, {
        f"i{target.id}.title": "Item twelve"}), user="U0COORD"))
    assert resp in ("", {}) and agenda_store.item_by_id(db, target.id).title == "Item twelve"


# --- Matrix, against a real Synapse --------------------------------------------------------------

def test_a_coordinator_fixes_the_agenda_in_matrix_inputs_kept(matrix):
    from tests.test_matrix import body, setup_room
    m = matrix.start()
    room, g = setup_room(m)
    db = m.check
    said = 2

    def say(person, text):
        nonlocal said
        person.send(room, text)
        said += 1
        return body(m.bot_said(person, room, said)[-1])

    assert "registered" in say(m.ana, "!iam Chile")
    assert "Received" in say(m.ana, "!submit 2.6 We support coherence.")
    q26 = _question(db, "2.6")
    assert say(m.ana, "!item edit 2 title Mine").startswith("⚠ Only coordinators of Resource Mobilization Contact "
                                                            "Group can use item edit")
    assert say(m.coord, "!convene item edit 2 title Victim assistance").startswith("Item 2 is now “Victim assistance”.")
    assert say(m.coord, "!item edit 2 time 10:30-11:15").startswith("Item 2 is now at 10:30–11:15.")
    assert say(m.coord, "!item edit 5 break").startswith("“Closing remarks & next steps” is now a break.")
    assert say(m.coord, "!question edit 2.6 How can both Conventions be made coherent?").startswith(
        "Question 2.6 now reads")
    assert _items(db)[1] == ("2", "Victim assistance", "item") and _hm(db, "2") == ("10:30", "11:15")
    assert _items(db)[4] == (None, "Closing remarks & next steps", "break")
    q = _question(db, "2.6")
    assert (q.id, q.text) == (q26.id, "How can both Conventions be made coherent?")
    [s] = sub_store.of_group(db, g.id)
    assert (s.question_id, s.text) == (q26.id, "We support coherence.")
    agenda = say(m.ana, "!agenda")
    assert "10:30–11:15  2. Victim assistance" in agenda and "(Closing remarks & next steps)" in agenda


# --- the CLI --------------------------------------------------------------------------------------

def test_the_cli_corrects_an_agenda_with_the_chat_words(cli_env, tmp_path):
    from tests.test_cli import convene
    from storage.db import open_db
    path = tmp_path / "agenda.yaml"
    path.write_text(AGENDA)
    convene(cli_env, "group", "create", "rm", "--name", "Resource Mobilization", "--registration", "open")
    convene(cli_env, "group", "bind", "rm", "console:main")
    convene(cli_env, "import", str(path), "--group", "rm")
    out = convene(cli_env, "console", "--group", "rm", "--user", "chile", stdin="iam Chile\nsubmit 2.2 Ours.\n").stdout
    assert "Received" in out
    assert convene(cli_env, "item", "edit", "rm", "1", "title", "Opening").stdout.startswith("Item 1 is now “Opening”.")
    assert convene(cli_env, "item", "edit", "rm", "--session", "1", "2", "time", "10:20-11:00").stdout.startswith(
        "Item 2 is now at 10:20–11:00.")
    refused = convene(cli_env, "question", "remove", "rm", "2.2", check=False)
    assert refused.returncode == 1 and refused.stderr.startswith("convene: Question 2.2 has 1 input (on 2.2)")
    assert "withdrawn from the agenda" in convene(cli_env, "question", "remove", "rm", "2.2", "confirm").stdout
    assert "is now on Thursday 4 March 2027" in convene(cli_env, "session", "date", "rm", "2027-03-04").stdout
    bad = convene(cli_env, "item", "edit", "rm", "9", "title", "X", check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("convene: There is no item 9") and not bad.stdout
    db = open_db(cli_env["CONVENE_DB"])
    try:
        assert _items(db)[0] == ("1", "Opening", "item") and _hm(db, "2") == ("10:20", "11:00")
        assert [e.actor for e in audit.of_group(db, 1)][:4] == ["cli"] * 4
    finally:
        db.close()


def test_import_and_edit_from_the_slack_preview_opens_the_form_on_what_was_imported(slack_bot, fake_slack):
    from tests.test_slack import _wait_posted
    slack_bot.sender.command("/convene", "import", user="U0COORD")
    [opened] = fake_slack.wait_for("views.open")
    fake_slack.share_file("F0YML", "agenda.yaml", AGENDA.encode())
    slack_bot.sender.post(view_submission_body(opened["view"], {"document": ("file_input", ["F0YML"]), "start": ""},
                                               user="U0COORD"))
    preview = _wait_posted(fake_slack, "chat.postEphemeral", lambda c: "Preview" in json.dumps(c))
    from tests.test_slack import decision_buttons
    [button] = [b for b in decision_buttons(preview, "import_decision") if b["text"]["text"] == "Import and edit"]
    slack_bot.sender.post(block_action_body(button["action_id"], button["value"], user="U0COORD"))
    form = fake_slack.wait_for("views.open", 2)[-1]["view"]
    [session] = [s for s in agenda_store.sessions_of_group(slack_bot.check, 1) if s.title.startswith("Contact Group")]
    first = agenda_store.items_of_session(slack_bot.check, session.id)[0]
    title = EditField("i", first.id, "title").encode()
    assert {b["block_id"]: b for b in form["blocks"] if b["type"] == "input"}[title]["element"]["initial_value"] == \
        "Openning"
    imported = _wait_posted(fake_slack, "chat.postEphemeral", lambda c: "Imported" in json.dumps(c))
    assert "edit_agenda" in json.dumps(imported)            # and an Edit button under the result, for later
    status, resp = slack_bot.sender.post(view_submission_body(form, _values(form, {title: "Opening"}), user="U0COORD"))
    assert resp in ("", {}) and agenda_store.item_by_id(slack_bot.check, first.id).title == "Opening"


def test_a_corrected_first_time_survives_two_reimports_without_moving_the_session(db, group, clock, tmp_path):
    from tests.conftest import Bot
    bot = Bot(db, clock)
    path = tmp_path / "agenda.yaml"
    path.write_text(AGENDA)
    [(s, _)] = import_file(db, group, str(path)).sessions
    assert bot("item edit 1 time 09:30-10:00", user="console:coord").startswith("Item 1 is now at 09:30–10:00.")
    moved = agenda_store.session_by_id(db, s.id)
    from commands.text import timefmt
    assert timefmt.hm(moved.start, moved.timezone) == "09:30"          # the session starts with its first item
    for _ in range(2):
        result = import_file(db, group, str(path))
        assert not result.plan.sessions[0].kept_reschedule
        again = agenda_store.session_by_id(db, s.id)
        assert (again.start, again.end) == (moved.start, moved.end)
        assert _hm(db, "1", s.id) == ("09:30", "10:00") and _hm(db, "2", s.id) == ("10:15", None)


def test_typed_item_edit_opens_the_form_in_slack_and_a_stale_form_changes_nothing(slack_bot, fake_slack):
    db = slack_bot.check
    slack_bot.sender.command("/convene", "item edit 2", user="U0COORD", user_name="coord")
    [opened] = fake_slack.wait_for("views.open")
    view = opened["view"]
    item2 = agenda_store.items_of_session(db, 1)[1]
    assert {b["block_id"] for b in view["blocks"] if b["type"] == "input"} >= {f"i{item2.id}.title",
                                                                              f"i{item2.id}.kind"}
    assert view["title"]["text"] == "Correct an item"
    _, body = slack_bot.sender.command("/convene", "item remove 5", user="U0COORD", user_name="coord")
    slack_bot.sender.command("/convene", "item edit 5", user="U0COORD", user_name="coord")
    stale_view = fake_slack.wait_for("views.open", 2)[-1]["view"]
    assert "Closing remarks" not in json.dumps(stale_view)         # item 5 is now "Special session ends"
    # The first form still names item 2, which exists: it saves. A form naming a removed item is refused whole.
    removed = {"type": "modal", "callback_id": view["callback_id"], "private_metadata": view["private_metadata"],
               "blocks": []}
    before = _items(db)
    status, resp = slack_bot.sender.post(view_submission_body(removed, {
        f"i{item2.id}.title": "Renamed", "i999999.title": "Ghost"}, user="U0COORD"))
    assert resp["response_action"] == "update" and "out of date" in json.dumps(resp)
    assert _items(db) == before


WITH_BREAK = AGENDA + """\
  - break: Briefing by the Implementation Support Unit
    start: "11:00"
    end: "11:30"
  - number: 3
    title: Closing
    start: "11:30"
"""


def test_a_break_made_an_item_is_named_by_its_time_numbered_and_kept_by_a_reimport(db, group, clock, tmp_path):
    from tests.conftest import Bot
    bot = Bot(db, clock)
    path = tmp_path / "agenda.yaml"
    path.write_text(WITH_BREAK)
    [(s, _)] = import_file(db, group, str(path)).sessions
    assert _items(db, s.id)[2] == (None, "Briefing by the Implementation Support Unit", "break")
    assert bot("item edit 11:00 item", user="console:coord").startswith(
        "“Briefing by the Implementation Support Unit” is now item 3.")
    assert [n for n, _, _ in _items(db, s.id)] == ["1", "2", "3", "4"]
    assert bot("question add 3 What support is needed?", user="console:coord").startswith("Added question 3.1")
    plan = "\n".join(import_file(db, group, str(path), dry_run=True).summary_lines(db))
    assert "keeps item 3 as an item, as corrected by hand (the document still has it as a break)" in plan
    assert "keeps question 3.1, added by hand" in plan
    import_file(db, group, str(path))
    assert _items(db, s.id) == [("1", "Openning", "item"), ("2", "Funding mechanisms", "item"),
                                ("3", "Briefing by the Implementation Support Unit", "item"), ("4", "Closing", "item")]
    assert _question(db, "3.1", s.id).text == "What support is needed?"


def test_the_edit_actions_are_decoded_strictly():
    from commands.contract import ActionError
    assert EditAgenda.decode(EditAgenda(3, 12).encode()) == EditAgenda(3, 12)
    assert EditField.decode("i12.title") == EditField("i", 12, "title")
    assert EditField.decode("q7.text") == EditField("q", 7, "text") and EditField.decode("pick").kind == "pick"
    for bad in ("edit|g1|s2|i3", "edit|g0|s2", "edit|g1|s", "", "imp|g1|p2|apply"):
        with pytest.raises(ActionError):
            EditAgenda.decode(bad)
    for bad in ("i12.text", "q7.title", "i0.title", "x1.title", "i1.title ", "pick2"):
        with pytest.raises(ActionError):
            EditField.decode(bad)
    with pytest.raises(ActionError):
        EditField.picked("q3")
