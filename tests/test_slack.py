"""The Slack app over its real HTTP endpoint, with signed requests and a fake Web API on 127.0.0.1."""
import json
import time

import pytest

from tests.conftest import ROOT

from storage import groups as group_store
from storage import submissions as sub_store
from tests.fakes.slack_requests import TEAM, block_action_body, event_body, slash_body, view_submission_body


def all_text(body) -> str:
    return json.dumps(body, ensure_ascii=False)


def section_texts(body) -> str:
    return "\n".join(b["text"]["text"] for b in body["blocks"] if b["type"] == "section")


def test_agenda_renders_block_kit_with_date_tokens(slack_bot, fake_slack):
    status, body = slack_bot.sender.command("/agenda")
    assert status == 200
    assert body["response_type"] == "ephemeral"
    assert body["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text":
                                 "Agenda — Special Session on International Cooperation and Assistance"}}
    text = section_texts(body)
    assert "<!date^1277452800^{time}|10:00 Geneva time>" in text   # 25 June 2010 10:00 CEST
    assert "*1. Introductory remarks &amp; overview of the purpose of the session*" in text
    assert "Ambassador Susan Eckey of Norway" in text
    assert len(body["blocks"]) <= 50
    assert fake_slack.of("auth.test")   # connected at start-up


def test_agenda_item_and_public(slack_bot):
    _, body = slack_bot.sender.command("/agenda", "2 public")
    assert body["response_type"] == "in_channel"
    text = section_texts(body)
    assert all(f"`2.{n}`" in text for n in range(1, 7))
    buttons = [b["accessory"] for b in body["blocks"] if "accessory" in b]
    assert len(buttons) == 6 and buttons[0]["action_id"] == "submit_input" and [b["value"] for b in buttons] == [f"submit|S1:2.{n}" for n in range(1, 7)]


def test_questions_three_whole(slack_bot):
    _, body = slack_bot.sender.command("/questions", "3")
    assert "increase speed of the flow of funds through these mechanisms?" in section_texts(body)


def test_submit_decodes_entities_and_mentions_and_escapes_echo(slack_bot):
    slack_bot.sender.command("/convene", "iam Chile")
    raw = "R&amp;D matters &lt;b&gt; — thanks <@U0BOB|bob>, <!channel> see <https://evil.example|click>"
    status, body = slack_bot.sender.command("/submit", "2.6 " + raw)
    assert status == 200 and "Received" in body["text"]
    [s] = sub_store.of_group(slack_bot.check, 1)
    assert s.text == "R&D matters <b> — thanks @bob, @channel see click (https://evil.example)"
    echoed = all_text(body)
    assert "<!channel>" not in echoed and "<@U0BOB" not in echoed and "<https://evil" not in echoed
    assert "R&amp;D matters &amp;lt;b&amp;gt;" not in echoed     # not double-escaped
    assert "R&amp;D matters &lt;b&gt;" in echoed
    assert "@\u2060channel" in echoed


def test_unbound_channel_gets_setup_hint(slack_bot):
    _, body = slack_bot.sender.command("/agenda", channel="C0OTHER")
    assert "/convene setup" in all_text(body)


def test_setup_binds_channel_and_makes_caller_coordinator(slack_bot):
    _, body = slack_bot.sender.command("/convene", "setup Resource Mobilization Contact Group", channel="C0NEW",
                                       user="U0ZOE")
    assert body["response_type"] == "in_channel"
    g = group_store.group_for_room(slack_bot.check, "slack:C0NEW")
    assert g.slug == "resource-mobilization-contact-group"
    assert group_store.member(slack_bot.check, g.id, "slack:T0TEST:U0ZOE").is_coordinator


def test_non_coordinator_refused_coordinator_allowed(slack_bot):
    _, body = slack_bot.sender.command("/convene", "session list")
    assert "Only coordinators" in all_text(body)
    _, body = slack_bot.sender.command("/convene", "session list", user="U0COORD")
    assert "#1" in all_text(body)


def test_forged_and_stale_signatures_refused_before_any_handler(slack_bot, fake_slack):
    body = slash_body("/convene", "iam Chile")
    forged = slack_bot.sender.headers(body, secret="not-the-secret")
    status, _ = slack_bot.sender.post(body, headers=forged)
    assert status == 401
    stale = slack_bot.sender.headers(body, ts=int(time.time()) - 6 * 60)
    status, _ = slack_bot.sender.post(body, headers=stale)
    assert status == 401
    tampered = slack_bot.sender.headers(body)
    status, _ = slack_bot.sender.post(body.replace("Chile", "Chilf"), headers=tampered)
    assert status == 401
    assert group_store.member(slack_bot.check, 1, "slack:T0TEST:U0ANA") is None


def test_oversize_and_empty_input_refused(slack_bot):
    slack_bot.sender.command("/convene", "iam Chile")
    _, body = slack_bot.sender.command("/submit", "2.6 " + "x" * 20_001)
    assert "20,000" in all_text(body)
    _, body = slack_bot.sender.command("/submit", "2.9 text")
    assert "2.1–2.6" in all_text(body)
    assert sub_store.count(slack_bot.check, 1) == 0


def test_submit_without_text_opens_modal_and_submission_is_stored(slack_bot, fake_slack):
    slack_bot.sender.command("/convene", "iam Chile")
    status, _ = slack_bot.sender.command("/submit", "")
    assert status == 200
    [opened] = fake_slack.wait_for("views.open")
    assert opened["trigger_id"].endswith(".8088930838d88f008e0")
    view = opened["view"]
    assert len(view["title"]["text"]) <= 24
    select = next(b for b in view["blocks"] if b.get("block_id") == "question")["element"]
    assert all(len(o["text"]["text"]) <= 75 for o in select["options"])
    assert {o["value"] for o in select["options"]} >= {"S1:2.6", "L1:f"}
    text_el = next(b for b in view["blocks"] if b.get("block_id") == "text")
    assert text_el["element"]["max_length"] == 3000 and "/inputs append" in text_el["hint"]["text"]

    # An empty text: the error shows on the field, nothing stored.
    status, body = slack_bot.sender.post(view_submission_body(view, {"question": ("static_select", "S1:2.6"),
                                                                     "text": "", "disclosure": ("radio_buttons", "group")}))
    assert status == 200 and body["response_action"] == "errors" and "text" in body["errors"]
    assert sub_store.count(slack_bot.check, 1) == 0

    status, body = slack_bot.sender.post(view_submission_body(view, {
        "question": ("static_select", "S1:2.6"), "text": "Coherence & cooperation",
        "disclosure": ("radio_buttons", "coordinators"), "note": "On behalf of GRULAC"}))
    assert status == 200 and body in ("", {})     # closes the modal
    [s] = sub_store.of_group(slack_bot.check, 1)
    assert (s.ref, s.delegation, s.text, s.disclosure, s.note) == \
        ("2.6", "Chile", "Coherence & cooperation", "coordinators", "On behalf of GRULAC")
    [eph] = fake_slack.wait_for("chat.postEphemeral")
    assert eph["channel"] == "C0CG" and eph["user"] == "U0ANA" and "Received" in eph["text"]


def test_button_opens_preselected_modal_and_edit_prefills(slack_bot, fake_slack):
    slack_bot.sender.command("/convene", "iam Chile")
    slack_bot.sender.command("/submit", "2.6 First version")
    slack_bot.sender.post(block_action_body("submit_input", "submit|S1:2.6"))
    [opened] = fake_slack.wait_for("views.open")
    blocks = {b.get("block_id"): b for b in opened["view"]["blocks"]}
    assert blocks["question"]["element"]["initial_option"]["value"] == "S1:2.6"
    assert blocks["text"]["element"]["initial_value"] == "First version"
    slack_bot.sender.command("/inputs", "edit 2.6")
    opened = fake_slack.wait_for("views.open", 2)[-1]
    assert {b.get("block_id"): b for b in opened["view"]["blocks"]}["text"]["element"]["initial_value"] == "First version"


def test_button_for_unregistered_user_explains_in_a_modal(slack_bot, fake_slack):
    slack_bot.sender.post(block_action_body("submit_input", "submit|S1:2.6", user="U0NEW"))
    [opened] = fake_slack.wait_for("views.open")
    assert ("Tell me your delegation first, then send your input again: /convene iam COUNTRY (for example "
            "/convene iam Chile).") in all_text(opened["view"])


def test_app_home_published_once_per_event_id(slack_bot, fake_slack):
    slack_bot.sender.command("/convene", "iam Chile")
    ev = {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA", "tab": "home", "event_ts": "1.2"}
    body = event_body(ev, event_id="Ev0HOME1")
    assert slack_bot.sender.post(body, json_body=True)[0] == 200
    assert slack_bot.sender.post(body, json_body=True, retry_num=1)[0] == 200
    [published] = fake_slack.wait_for("views.publish")
    time.sleep(0.3)
    assert len(fake_slack.of("views.publish")) == 1
    assert published["user_id"] == "U0ANA"
    home = all_text(published["view"])
    assert "Contact Group on Cooperation" in home and "Open for Chile" in home
    assert published["view"]["type"] == "home" and len(published["view"]["blocks"]) <= 100


def test_home_button_submission_without_channel(slack_bot, fake_slack):
    slack_bot.sender.command("/convene", "iam Chile")
    slack_bot.sender.post(block_action_body("submit_input", "submit|g1|S1:2.3", channel=None))
    [opened] = fake_slack.wait_for("views.open")
    view = opened["view"]
    slack_bot.sender.post(view_submission_body(view, {"question": ("static_select", "S1:2.3"),
                                                      "text": "From the Home tab",
                                                      "disclosure": ("radio_buttons", "group")}))
    fake_slack.wait_for("chat.postMessage")
    [s] = sub_store.of_group(slack_bot.check, 1)
    assert s.ref == "2.3" and s.text == "From the Home tab"
    [home] = fake_slack.wait_for("views.publish")          # the Home tab is refreshed after the submission
    assert "Open for Chile: 27 questions" in all_text(home["view"])   # 28 open, 2.3 now answered
    assert fake_slack.of("conversations.open")[0]["users"] == "U0ANA"


def test_help_lists_slash_commands(slack_bot):
    _, body = slack_bot.sender.command("/convene", "help")
    text = all_text(body)
    assert "/agenda [SESSION] [ITEM] [public|ics]" in text and "/convene iam DELEGATION" in text


from tests.test_desk import COORDINATOR_COMMANDS, example_line  # noqa: E402


def _slash(line: str):
    head, _, rest = line.partition(" ")
    if head in ("agenda", "questions", "submit", "inputs", "floor"):
        return f"/{head}", rest
    return "/convene", line


@pytest.mark.parametrize("name", COORDINATOR_COMMANDS)
def test_coordinator_commands_refused_for_delegates_in_slack(slack_bot, name):
    command, text = _slash(example_line(name).replace("@pe", "<@U0PE|pe>").replace("@coord", "<@U0COORD|coord>"))
    status, body = slack_bot.sender.command(command, text)
    assert status == 200 and "Only coordinators" in all_text(body), body
    assert group_store.group_by_id(slack_bot.check, 1).registration == "open"


def test_export_is_uploaded_privately_after_the_ack(slack_bot, fake_slack):
    slack_bot.sender.command("/convene", "iam Chile", user="U0CL")
    slack_bot.sender.command("/submit", "2.6 R&amp;D — Россия 中国 عربى", user="U0CL")
    status, body = slack_bot.sender.command("/inputs", "export docx", user="U0COORD")
    assert status == 200 and "Preparing" in body["text"] and body["response_type"] == "ephemeral"
    fake_slack.wait_for("files.completeUploadExternal")
    [opened] = [p for p in fake_slack.of("conversations.open") if p.get("users") == "U0COORD"]
    [complete] = fake_slack.of("files.completeUploadExternal")
    assert complete["channel_id"] == "DU0COORD"
    [data] = fake_slack.uploads()
    from docx import Document
    import io
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "R&D — Россия 中国 عربى" in text


def test_coordinator_can_assign_member_by_mention(slack_bot):
    _, body = slack_bot.sender.command("/convene", "member <@U0PE|pe> Peru", user="U0COORD")
    assert "Peru" in all_text(body)
    assert group_store.member(slack_bot.check, 1, "slack:T0TEST:U0PE").delegation == "Peru"
    slack_bot.sender.command("/convene", "coordinator add <@U0PE|pe>", user="U0COORD")
    assert group_store.member(slack_bot.check, 1, "slack:T0TEST:U0PE").is_coordinator


def test_coordinator_desk_and_deadlines_over_slack(slack_bot, fake_slack):
    """The coordinator paths a delegate is refused, walked through by a coordinator over signed HTTP."""
    slack_bot.sender.command("/convene", "iam Chile", user="U0CL")
    slack_bot.sender.command("/submit", "2.6 First &amp; foremost", user="U0CL")
    slack_bot.sender.command("/inputs", "edit 2.6 Second version", user="U0CL")
    coord = dict(user="U0COORD")
    _, body = slack_bot.sender.command("/convene", "reminders session 2d,1h", **coord)
    assert "2d,1h" in all_text(body)
    _, body = slack_bot.sender.command("/convene", "deadline 2010-06-24 17:00", **coord)
    assert "is due" in all_text(body) and "<!date^1277391600^" in all_text(body)     # 24 June 2010 17:00 CEST
    _, body = slack_bot.sender.command("/convene", "upcoming", **coord)
    assert "reminder 2d before" in all_text(body) and "input deadline 2h before" in all_text(body)
    _, body = slack_bot.sender.command("/inputs", "status", **coord)
    assert "1 of 1 registered delegation has sent input" in all_text(body) and "*Chile* · 1 · 2.6" in all_text(body)
    _, body = slack_bot.sender.command("/inputs", "history 2.6", **coord)
    text = all_text(body)
    assert "First &amp; foremost" in text and "Second version" in text and " · edit · " in text
    _, body = slack_bot.sender.command("/convene", "reschedule #1 2010-06-25 15:00", **coord)
    assert body["response_type"] == "in_channel" and "now takes place" in all_text(body)
    _, body = slack_bot.sender.command("/agenda", "ics")                  # a delegate's calendar file
    assert "calendar file" in all_text(body)
    fake_slack.wait_for("files.completeUploadExternal")
    [ics] = fake_slack.uploads()
    assert ics.startswith(b"BEGIN:VCALENDAR") and b"TZID=Europe/Zurich:20100625T150000" in ics


@pytest.mark.parametrize("value", ["S1:2.6", "submit|S1:2.6; DROP TABLE", "submit|X1:2.6", "submit|g0|S1:2.6", ""])
def test_a_button_value_we_did_not_make_is_refused(slack_bot, fake_slack, value):
    """Button values are typed actions (commands.contract): anything else is refused with a message, never used."""
    slack_bot.sender.command("/convene", "iam Chile")
    slack_bot.sender.post(block_action_body("submit_input", value))
    [opened] = fake_slack.wait_for("views.open")
    assert opened["view"]["title"]["text"] == "Convene"
    assert "That button or form is out of date" in json.dumps(opened["view"]["blocks"])


def test_a_home_button_for_a_group_one_is_not_in_opens_nothing(slack_bot, fake_slack):
    """The group a Home-tab button names is checked again: a non-member gets no form for it."""
    slack_bot.sender.post(block_action_body("submit_input", "submit|g1|S1:2.6", user="U0OUTSIDER", channel=None))
    [opened] = fake_slack.wait_for("views.open")
    assert "isn't set up for a contact group" in json.dumps(opened["view"]["blocks"])
    assert "blocks" in opened["view"] and not any(b.get("type") == "input" for b in opened["view"]["blocks"])


def test_a_form_whose_context_was_tampered_with_submits_nothing(slack_bot, fake_slack):
    slack_bot.sender.command("/convene", "iam Chile")
    view = {"type": "modal", "callback_id": "convene_form:submit_input",
            "private_metadata": json.dumps({"command": "convene", "room": "slack:C0CG", "group_id": None})}
    status, body = slack_bot.sender.post(view_submission_body(view, {"question": ("static_select", "S1:2.6"),
                                                                     "text": "Tampered"}))
    assert body["response_action"] == "update" and "out of date" in json.dumps(body["view"])
    assert not list(slack_bot.check.query("SELECT * FROM submissions"))


def test_restricted_inputs_stay_restricted_and_out_of_the_public_edition_over_slack(slack_bot, fake_slack):
    """Over the signed endpoint: a colleague's re-submit keeps coordinators-only; the default export leaves it out;
    `full` brings it, in a file named so, marked restricted."""
    send = slack_bot.sender.command
    send("/convene", "iam Chile", user="U0CL")
    send("/convene", "iam Chile", user="U0CL2")
    send("/convene", "registration approve 1", user="U0CL")
    send("/submit", "2.6 --coordinators Our private view", user="U0CL")
    _, again = send("/submit", "2.6 Our revised private view", user="U0CL2")
    assert "Visible to the coordinators only" in all_text(again)
    [sub] = sub_store.of_group(slack_bot.check, 1)
    assert (sub.text, sub.disclosure) == ("Our revised private view", "coordinators")
    send("/inputs", "export md", user="U0COORD")
    fake_slack.wait_for("files.completeUploadExternal")
    send("/inputs", "export md full", user="U0COORD")
    fake_slack.wait_for("files.completeUploadExternal", 2)
    public, full = fake_slack.uploads()
    assert b"Our revised private view" not in public and b"1 input for the coordinators only is not" in public
    assert full.startswith(b"> **Restricted") and b"Our revised private view" in full
    names = [f["title"] for c in fake_slack.of("files.completeUploadExternal") for f in c["files"]]
    assert names[1].endswith("(full edition)")


def test_registration_approval_with_the_buttons_over_signed_http(slack_bot, fake_slack):
    """In approval mode a delegate's `iam` becomes a request; the coordinator's DM carries Approve / Refuse buttons
    whose values the core checks; pressing Approve registers the delegate, who is told."""
    from storage import roster as roster_store
    group_store.update_group(slack_bot.check, 1, registration="approval")
    _, asked = slack_bot.sender.command("/convene", "iam Chile", user="U0CL")
    assert "a coordinator approves every registration" in all_text(asked)
    assert group_store.member(slack_bot.check, 1, f"slack:{TEAM}:U0CL") is None
    dm = [c for c in fake_slack.wait_for("chat.postMessage") if "Registration request" in json.dumps(c)][-1]
    buttons = decision_buttons(dm, "registration_decision")
    assert [b["text"]["text"] for b in buttons] == ["Approve", "Refuse"]
    # Another delegation's delegate pressing Approve (a forwarded value) is refused by the core.
    group_store.set_delegation(slack_bot.check, 1, f"slack:{TEAM}:U0PE", "Peru")
    slack_bot.sender.post(block_action_body("registration_decision", buttons[0]["value"], user="U0PE"))
    [refused] = fake_slack.wait_for("views.open")
    assert "Only a coordinator" in all_text(refused["view"])
    slack_bot.sender.post(block_action_body("registration_decision", "reg|g1|r99999|approve", user="U0COORD"))
    assert "no registration request #99999" in all_text(fake_slack.wait_for("views.open", 2)[-1]["view"])
    slack_bot.sender.post(block_action_body("registration_decision", buttons[0]["value"], user="U0COORD"))
    assert "Approved:" in all_text(fake_slack.wait_for("views.open", 3)[-1]["view"])
    [req] = [r for r in [roster_store.request_by_id(slack_bot.check, 1)]]
    assert req.status == "approved"
    members = {m.user: m.delegation for m in group_store.members_of_group(slack_bot.check, 1)}
    assert [d for u, d in members.items() if u.endswith(":U0CL")] == ["Chile"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(c.get("text") == "You are registered with Chile"
                                                   for c in fake_slack.of("chat.postMessage")):
        time.sleep(0.05)
    [told] = [c for c in fake_slack.of("chat.postMessage") if c.get("text") == "You are registered with Chile"]
    assert told["channel"] == "DU0CL"


def decision_buttons(message: dict, action: str) -> list[dict]:
    """Issue 21: the answers to a decision (Approve / Refuse, Import / Cancel) are one row of buttons right under the
    section that asks the question, never a button beside a line of its own ("Not someone you know…?")."""
    blocks = message["blocks"]
    assert not any("accessory" in b for b in blocks)
    [at] = [i for i, b in enumerate(blocks) if b["type"] == "actions"]
    asking = blocks[at - 1]["text"]["text"]
    assert asking.rstrip().endswith(("if not.", "until you import it.")), asking
    buttons = blocks[at]["elements"]
    assert [b["action_id"] for b in buttons] == [action] + [f"{action}:{i}" for i in range(1, len(buttons))]
    return buttons


def _wait_posted(fake_slack, method, predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in fake_slack.of(method) if predicate(c)]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no {method} matching; got {[json.dumps(c)[:160] for c in fake_slack.of(method)]}")


def test_a_document_sent_in_the_bots_dm_is_previewed_then_imported_with_the_button(slack_bot, fake_slack):
    """Issue 13: the coordinator sends a PDF to the bot's DM captioned "import"; the bot reads it with its own token
    (files.info, then the private download), answers with the preview and Import / Cancel; Import imports it."""
    pdf = (ROOT / "tests" / "fixtures" / "documents" / "programme_table.pdf").read_bytes()
    fake_slack.share_file("F0DOC", "programme.pdf", pdf)
    ev = {"type": "message", "subtype": "file_share", "channel": "D0COORD", "channel_type": "im", "user": "U0COORD",
          "text": "import", "files": [{"id": "F0DOC", "name": "programme.pdf"}], "ts": "1.1", "team": TEAM}
    assert slack_bot.sender.post(event_body(ev, event_id="Ev0IMP1"), json_body=True)[0] == 200
    preview = _wait_posted(fake_slack, "chat.postMessage", lambda c: "Preview" in json.dumps(c))
    assert preview["channel"] == "D0COORD"
    text = all_text(preview)
    assert "10:00–10:30  1. Opening of the meeting — Ambassador Rosa Kim" in text
    [download] = fake_slack.of("download")
    assert download["_auth"].startswith("Bearer xoxb-")            # read with the bot's own token
    buttons = decision_buttons(preview, "import_decision")
    assert [b["text"]["text"] for b in buttons] == ["Import", "Import and edit", "Cancel"]
    assert len(group_store_sessions(slack_bot)) == 1                  # nothing imported yet
    slack_bot.sender.post(block_action_body("import_decision", buttons[0]["value"], user="U0COORD", channel="D0COORD"))
    done = _wait_posted(fake_slack, "chat.postMessage", lambda c: "Imported" in json.dumps(c))
    assert "created session" in all_text(done)
    assert len(group_store_sessions(slack_bot)) == 3
    # A delegate of the group pressing a forwarded button does nothing (the core checks who presses).
    slack_bot.sender.command("/convene", "iam Chile", user="U0CL")
    slack_bot.sender.post(block_action_body(buttons[1]["action_id"], buttons[1]["value"], user="U0CL", channel="D0CL"))
    refused = _wait_posted(fake_slack, "chat.postMessage", lambda c: c.get("channel") == "D0CL")
    assert "Only coordinators import documents" in all_text(refused)


def test_a_file_a_delegate_sends_or_of_the_wrong_type_is_refused(slack_bot, fake_slack):
    fake_slack.share_file("F0EXE", "virus.exe", b"MZ....")
    ev = {"type": "message", "subtype": "file_share", "channel": "D0COORD", "channel_type": "im", "user": "U0COORD",
          "text": "import", "files": [{"id": "F0EXE"}], "ts": "1.2", "team": TEAM}
    slack_bot.sender.post(event_body(ev, event_id="Ev0IMP2"), json_body=True)
    refused = _wait_posted(fake_slack, "chat.postMessage", lambda c: "virus.exe" in json.dumps(c))
    assert "not a document I read" in all_text(refused) and fake_slack.of("download") == []
    fake_slack.share_file("F0TXT", "agenda.txt", b"Meeting\nFriday 25 June 2010\nAgenda\n10:00 1. Opening\n")
    ev = {**ev, "user": "U0CL", "channel": "D0CL", "files": [{"id": "F0TXT"}], "ts": "1.3"}
    slack_bot.sender.post(event_body(ev, event_id="Ev0IMP3"), json_body=True)
    assert "Only coordinators import documents" in all_text(
        _wait_posted(fake_slack, "chat.postMessage", lambda c: c.get("channel") == "D0CL"))


def test_the_import_form_has_a_file_field(slack_bot, fake_slack):
    slack_bot.sender.command("/convene", "import", user="U0COORD")
    [opened] = fake_slack.wait_for("views.open")
    blocks = {b.get("block_id"): b for b in opened["view"]["blocks"]}
    assert blocks["document"]["element"]["type"] == "file_input"
    fake_slack.share_file("F0YML", "agenda.yaml", (ROOT / "tests" / "fixtures" / "handwritten_agenda.yaml").read_bytes())
    slack_bot.sender.post(view_submission_body(opened["view"], {"document": ("file_input", ["F0YML"]),
                                                                "start": ""}, user="U0COORD"))
    preview = _wait_posted(fake_slack, "chat.postEphemeral", lambda c: "Preview" in json.dumps(c))
    assert "Funding mechanisms" in all_text(preview)


def group_store_sessions(slack_bot):
    from storage import agenda as agenda_store
    return agenda_store.sessions_of_group(slack_bot.check, 1)
