"""The Matrix adapter against a real Synapse on 127.0.0.1: invites, setup, queries, submissions,
permissions, reminders, exports, encryption, restarts."""
import time
from datetime import timedelta

from commands.importers.apply import import_file
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import submissions as sub_store
from tests.conftest import ROOT, SEED_AGENDA, SEED_PAPER


def body(ev):
    return ev["content"]["body"]


def setup_room(m):
    """Coordinator creates a room, invites the bot and two delegates; the bot joins and the room is set up."""
    room = m.coord.create_room("Contact group", invite=[m.bot_user.user_id, m.ana.user_id, m.bob.user_id])
    m.ana.join(room)
    m.bob.join(room)
    m.bot_said(m.coord, room, 1)                       # the welcome after joining
    m.coord.send(room, "!convene setup Resource Mobilization Contact Group")
    said = m.bot_said(m.coord, room, 2)
    assert "is set up" in body(said[-1])
    g = group_store.group_for_room(m.check, f"matrix:{room}")
    assert g.registration == "approval"                 # the default; these tests let delegates register directly
    group_store.update_group(m.check, g.id, registration="open")
    import_file(m.check, g, str(SEED_AGENDA))
    import_file(m.check, g, str(SEED_PAPER))
    return room, g


def test_invite_join_setup_queries_and_html(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    assert g.name == "Resource Mobilization Contact Group"
    assert group_store.member(m.check, g.id, f"matrix:{m.coord.user_id}").is_coordinator
    m.ana.send(room, "!agenda")
    ev = m.bot_said(m.ana, room, 3)[-1]
    c = ev["content"]
    assert c["msgtype"] == "m.notice" and c["format"] == "org.matrix.custom.html" and c["m.mentions"] == {}
    assert "<h3>Agenda — Special Session on International Cooperation and Assistance</h3>" in c["formatted_body"]
    assert "Introductory remarks &amp; overview" in c["formatted_body"]
    assert "10:00  1. Introductory remarks & overview" in c["body"]
    m.ana.send(room, "!questions 3")
    ev = m.bot_said(m.ana, room, 4)[-1]
    assert "<code>3.5</code>" in ev["content"]["formatted_body"]
    assert "increase speed of the flow of funds through these mechanisms?" in body(ev)


def test_submit_edit_multiline_reply_and_escaping(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    m.ana.send(room, "!iam Chile")
    m.bot_said(m.ana, room, 3)
    m.ana.send(room, "!submit 2.6 <a href='https://evil.example'>click</a> @room <b>R&D</b>")
    ev = m.bot_said(m.ana, room, 4)[-1]
    assert "Received" in body(ev)
    html = ev["content"]["formatted_body"]
    assert "<a href" not in html and "&lt;a href=&#x27;https://evil.example&#x27;&gt;" in html
    assert "@room" not in body(ev) and "@\u2060room" in body(ev)
    [s] = sub_store.of_group(m.check, g.id)
    assert s.text == "<a href='https://evil.example'>click</a> @room <b>R&D</b>"
    # multi-line message
    m.ana.send(room, "!submit 2.5 First paragraph.\n\nSecond paragraph.")
    m.bot_said(m.ana, room, 5)
    assert {x.ref: x.text for x in sub_store.of_group(m.check, g.id)}["2.5"] == "First paragraph.\n\nSecond paragraph."
    # a long statement as a reply to the question prompt
    m.ana.send(room, "!submit 3.2")
    prompt = m.bot_said(m.ana, room, 6)[-1]
    assert prompt["content"]["org.convene.expects"] == "S1:3.2" and "Reply to this message" in body(prompt)
    long_text = "\n\n".join(f"Paragraph {i}: " + "national ownership matters. " * 40 for i in range(12))
    m.ana.send(room, long_text, reply_to=prompt["event_id"])
    m.bot_said(m.ana, room, 7)
    assert {x.ref: x.text for x in sub_store.of_group(m.check, g.id)}["3.2"] == long_text.strip()
    m.bob.send(room, "!iam Chile")
    assert "Chile already has members here" in body(m.bot_said(m.bob, room, 8)[-1])
    # Ana (Chile's member) is asked in a direct room; her reply "approve" decides it, as Element sends replies.
    dm = m.ana.accept_direct_room()
    [request] = m.bot_said(m.ana, dm, 1)
    assert "asks to speak for the delegation of Chile" in body(request)
    m.ana.reply(dm, "approve", request)
    assert "Approved:" in body(m.bot_said(m.ana, dm, 2)[-1])
    assert group_store.member(m.check, g.id, f"matrix:{m.bob.user_id}").delegation == "Chile"
    m.bob.send(room, "!inputs edit 2.6 Revised by a colleague")
    m.bot_said(m.bob, room, 9)
    sub = {x.ref: x for x in sub_store.of_group(m.check, g.id)}["2.6"]
    assert sub.text == "Revised by a colleague" and sub.author == f"matrix:{m.bob.user_id}"


def test_permission_refused_for_every_coordinator_command(matrix):
    from tests.test_desk import COORDINATOR_COMMANDS, example_line
    m = matrix.start()
    room, g = setup_room(m)
    for i, name in enumerate(COORDINATOR_COMMANDS):
        line = example_line(name).replace("@pe", m.bob.user_id).replace("@coord", m.coord.user_id)
        m.ana.send(room, "!" + line)
        ev = m.bot_said(m.ana, room, 3 + i)[-1]
        assert "Only coordinators" in body(ev), (name, body(ev))
    assert group_store.group_by_id(m.check, g.id).registration == "open"
    m.coord.send(room, f"!convene member {m.bob.user_id} Peru")
    m.bot_said(m.coord, room, 3 + len(COORDINATOR_COMMANDS))
    assert group_store.member(m.check, g.id, f"matrix:{m.bob.user_id}").delegation == "Peru"


def group_with_ana_in_chile(m):
    """A room the bot already sits in, bound to a group with the seed agenda; Ana registered for Chile."""
    room = m.coord.create_room("Contact group", invite=[m.bot_user.user_id, m.ana.user_id])
    m.ana.join(room)
    m.bot_user.join(room)                                  # the bot was in the room before this start
    g = group_store.create_group(m.check, "rm", "RM group", registration="open")
    group_store.bind_room(m.check, g.id, f"matrix:{room}")
    group_store.set_delegation(m.check, g.id, f"matrix:{m.ana.user_id}", "Chile")
    import_file(m.check, g, str(SEED_AGENDA))
    session = agenda_store.sessions_of_group(m.check, g.id)[0]
    return room, g, session


def test_reminder_and_nudge_delivered(matrix):
    m = matrix
    room, g, session = group_with_ana_in_chile(m)
    agenda_store.set_deadline(m.check, session.id, session.start - timedelta(days=1))
    m.clock.set(session.start - timedelta(hours=1))        # the 1h reminder is due now; the deadline passed
    m.start()
    m.bot_said(m.coord, room, 1, timeout=30)
    reminders = [e for e in m.coord.messages(room, sender=m.bot_user.user_id) if "Reminder" in body(e)]
    assert len(reminders) == 1 and "Special Session" in body(reminders[0])


def test_deadline_nudge_arrives_in_a_direct_room(matrix):
    m = matrix
    room, g, session = group_with_ana_in_chile(m)
    group_store.set_coordinator(m.check, g.id, f"matrix:{m.coord.user_id}", True)
    deadline = session.start - timedelta(days=2)
    agenda_store.set_deadline(m.check, session.id, deadline)
    group_store.update_group(m.check, g.id, session_offsets="")
    m.clock.set(deadline - timedelta(hours=2))
    m.start()
    dm = m.ana.accept_direct_room()
    [nudge] = m.bot_said(m.ana, dm, 1)
    assert "Chile has not sent written input" in body(nudge)
    # The status goes to the coordinator, privately (the group's default), not to the room.
    coord_dm = m.coord.accept_direct_room()
    [summary] = m.bot_said(m.coord, coord_dm, 1)
    assert "0 of 1" in body(summary)


def test_export_arrives_as_file_in_direct_room(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    m.ana.send(room, "!iam Egypt")
    m.bot_said(m.ana, room, 3)
    m.ana.send(room, "!submit 2.6 ندعم التماسك بين الاتفاقيتين")
    m.bot_said(m.ana, room, 4)
    m.coord.send(room, "!inputs export md")
    m.bot_said(m.coord, room, 5)
    dm = m.coord.accept_direct_room()
    [f] = m.bot_said(m.coord, dm, 1)
    c = f["content"]
    assert c["msgtype"] == "m.file" and c["body"].endswith("-inputs.md") and c["url"].startswith("mxc://")
    server, media = c["url"][len("mxc://"):].split("/", 1)
    import urllib.request
    req = urllib.request.Request(f"{m.hs.url}/_matrix/client/v1/media/download/{server}/{media}",
                                 headers={"Authorization": f"Bearer {m.coord.token}"})
    data = urllib.request.urlopen(req, timeout=10).read().decode("utf-8")
    assert "ندعم التماسك بين الاتفاقيتين" in data


def test_encrypted_room_gets_a_plain_explanation(matrix):
    m = matrix.start()
    room = m.coord.create_room("Secret", invite=[m.bot_user.user_id], encrypted=True)
    [ev] = m.bot_said(m.coord, room, 1)
    assert "can't read encrypted messages" in body(ev) and "unencrypted room" in body(ev)
    deadline_at = time.monotonic() + 10
    while time.monotonic() < deadline_at and room in m.bot_user.joined_rooms():
        time.sleep(0.2)
    assert room not in m.bot_user.joined_rooms()


def test_invites_from_other_servers_refused(synapse, tmp_path, clock):
    from tests.matrix_harness import MatrixWorld
    world = MatrixWorld(synapse, tmp_path, clock, allowed=("gov.example",))
    try:
        world.start()
        room = world.coord.create_room("Not allowed", invite=[world.bot_user.user_id])
        time.sleep(3)
        assert room not in world.bot_user.joined_rooms()
    finally:
        world.stop()
        world.check.close()


def test_restart_answers_missed_commands_once_and_never_twice(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    m.ana.send(room, "!iam Chile")
    m.bot_said(m.ana, room, 3)
    m.stop()
    m.ana.send(room, "!agenda 2")
    m.ana.send(room, "!submit 2.6 Sent while the bot was down")
    m.ana.send(room, "just chatting, not a command")
    m.start()
    said = m.bot_said(m.ana, room, 5, timeout=30)
    time.sleep(2)
    m.stop()
    m.start()                                            # a second restart must not repeat anything
    time.sleep(4)
    said = m.ana.messages(room, sender=m.bot_user.user_id)
    assert len(said) == 5, [body(e)[:40] for e in said]
    assert sum("Received" in body(e) for e in said) == 1
    assert sum("victim assistance" in body(e) for e in said) == 1
    assert [s.text for s in sub_store.of_group(m.check, g.id)] == ["Sent while the bot was down"]


def test_first_start_ignores_history(matrix):
    m = matrix
    room = m.coord.create_room("Old room", invite=[m.bot_user.user_id])
    m.bot_user.join(room)
    m.coord.send(room, "!convene help")                 # history from before the bot ever ran
    m.start()
    m.wait_synced()
    time.sleep(2)
    assert m.coord.messages(room, sender=m.bot_user.user_id) == []
    m.coord.send(room, "!convene whoami")
    [ev] = m.bot_said(m.coord, room, 1)
    assert "isn't set up" in body(ev)


def test_slack_and_matrix_in_one_process(synapse, tmp_path, clock, fake_slack):
    """Both configured: one bot, one loop, one database; each platform answers its own users."""
    from bot.config import Settings
    from tests.fakes.slack_requests import SlackSender
    from tests.matrix_harness import MatrixWorld
    from tests.slack_harness import SECRET, RunningBot, free_port, wait_http
    world = MatrixWorld(synapse, tmp_path, clock)
    port = free_port()
    base = world.settings()
    settings = Settings(**{**base.__dict__, "slack_bot_token": "xoxb-test-token", "slack_signing_secret": SECRET,
                           "slack_api_url": fake_slack.url, "port": port})
    bot = RunningBot(settings, clock)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        status, reply = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET).command(
            "/convene", "setup Slack side", channel="C0BOTH")
        assert status == 200 and "is set up" in reply["text"]
        room = world.coord.create_room("Matrix side", invite=[world.bot_user.user_id])
        world.bot_said(world.coord, room, 1)
        world.coord.send(room, "!convene setup Matrix side")
        assert "is set up" in body(world.bot_said(world.coord, room, 2)[-1])
        slugs = {g.slug for g in group_store.all_groups(world.check)}
        assert slugs == {"slack-side", "matrix-side"}
    finally:
        bot.stop()
        world.check.close()


def test_wrong_matrix_password_is_a_clear_startup_error(synapse, tmp_path):
    import subprocess
    import sys
    from tests.conftest import ROOT, process_env
    user = synapse.register("wrongpw")
    env = process_env(tmp_path / "x.db", MATRIX_HOMESERVER=synapse.url, MATRIX_USER_ID=user.user_id,
                      MATRIX_PASSWORD="not-the-password")
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1 and "Matrix refused the login" in proc.stderr and "MATRIX_PASSWORD" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_matrix_only_bot_serves_agenda_pages_when_a_public_url_is_set(matrix):
    """No Slack: the web server still starts for the pages and feeds (CONVENE_PUBLIC_URL set)."""
    import dataclasses
    import urllib.request
    from storage import feeds as feed_store
    from tests.slack_harness import RunningBot, free_port, wait_http
    m = matrix
    room, g, session = group_with_ana_in_chile(m)
    group_store.set_coordinator(m.check, g.id, f"matrix:{m.coord.user_id}", True)
    port = free_port()
    settings = dataclasses.replace(m.settings(), port=port, public_url=f"http://127.0.0.1:{port}")
    m.bot = RunningBot(settings, m.clock)
    wait_http(f"http://127.0.0.1:{port}/healthz")
    page = f"http://127.0.0.1:{port}/groups/{feed_store.token_of(m.check, g.id)}/"
    html = urllib.request.urlopen(page, timeout=10).read().decode()
    assert "RM group" in html and "Special Session on International Cooperation and Assistance" in html
    assert "in Matrix, <code>!submit 2.1 TEXT</code>" in html        # how to answer, for this group's platform
    m.coord.send(room, "!convene feed share on")
    assert "now carry" in body(m.bot_said(m.coord, room, 1)[-1])
    m.ana.send(room, "!agenda")
    html_reply = m.bot_said(m.ana, room, 2)[-1]["content"]["formatted_body"]
    assert f'<a href="{page}">Agenda page</a>' in html_reply


def test_a_document_sent_in_the_room_is_previewed_and_imported_by_a_reply(matrix):
    """Issue 13 on Matrix: an m.file captioned "!import" (the coordinator's), read from the media store with the bot's
    token; the preview arrives in the room; the coordinator's reply "import" imports it. A delegate's "!import" in
    reply to a file is refused."""
    m = matrix.start()
    room, g = setup_room(m)
    docx = (ROOT / "tests" / "fixtures" / "documents" / "programme.docx").read_bytes()
    m.coord.send_file(room, docx, "programme.docx", caption="!import")
    preview = m.bot_said(m.coord, room, 3)[-1]
    assert "Preview: programme.docx" in body(preview) and "1. Ouverture — Mme Claire Dubois" in body(preview)
    assert len(agenda_store.sessions_of_group(m.check, g.id)) == 1          # the seed session only: nothing yet
    m.coord.reply(room, "import", preview)
    done = m.bot_said(m.coord, room, 4)[-1]
    assert "Imported: programme.docx" in body(done)
    assert [s.title for s in agenda_store.sessions_of_group(m.check, g.id)][-1] == \
        "Réunion intersessions de la Convention"
    # A plain file, then a delegate replying "!import" to it.
    sent = m.coord.send_file(room, b"Meeting\nFriday 25 June 2010\nAgenda\n10:00 1. Opening\n", "agenda.txt")
    m.ana.reply(room, "!import", m.ana.event(room, sent))
    assert "Only coordinators import documents" in body(m.bot_said(m.coord, room, 5)[-1])


def test_a_document_sent_in_a_direct_room_with_the_bot_imports_into_the_group_its_sender_coordinates(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    dm = m.coord.create_room("Convene and me", invite=[m.bot_user.user_id])
    m.bot_said(m.coord, dm, 1)                                     # the bot joined (its welcome)
    agenda = (ROOT / "tests" / "fixtures" / "handwritten_agenda.yaml").read_bytes()
    m.coord.send_file(dm, agenda, "agenda.yaml", caption="!import")
    preview = m.bot_said(m.coord, dm, 2)[-1]
    assert f"Preview: agenda.yaml → {g.name}" in body(preview)
    m.coord.reply(dm, "import", preview)
    assert "Imported: agenda.yaml" in body(m.bot_said(m.coord, dm, 3)[-1])
    assert "Contact Group on Resource Mobilization" in [s.title for s in agenda_store.sessions_of_group(m.check, g.id)]
