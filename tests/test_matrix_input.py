"""Matrix: only what a delegate meant as input becomes input; mentions mean whom they link to; edits and
redactions keep the record and the chat in agreement; threads, direct rooms and replies that read well.
Every event is sent the way Element sends it (pills, m.mentions, reply fallbacks, threads, edits,
redactions) to a real Synapse."""
import re
import time

from storage import groups as group_store
from storage import submissions as sub_store
from tests.test_matrix import body, setup_room


def registered(m):
    room, g = setup_room(m)
    m.ana.send(room, "!iam Chile")
    m.bot_said(m.ana, room, 3)
    return room, g


def current(m, g):
    return {(s.list_short or "") + s.ref: s for s in sub_store.of_group(m.check, g.id) if s.status == "current"}


def quiet(m, room, expected: int, wait: float = 2.0):
    """Nothing more from the bot than ``expected`` messages after ``wait`` seconds."""
    time.sleep(wait)
    said = m.ana.messages(room, sender=m.bot_user.user_id)
    assert len(said) == expected, [body(e)[:60] for e in said[expected:]]


def test_only_direct_replies_to_your_own_prompt_become_input(matrix):
    m = matrix.start()
    room, g = registered(m)
    m.ana.send(room, "!submit 2.6")
    prompt = m.bot_said(m.ana, room, 4)[-1]
    assert prompt["content"]["org.convene.expects"] == "S1:2.6"
    assert prompt["content"]["org.convene.expects_from"] == m.ana.user_id
    # A casual message in a thread started on the prompt (Element's thread fallback) is chat, not input.
    m.ana.thread_send(room, prompt["event_id"], "lol, will do later")
    quiet(m, room, 4)
    assert current(m, g) == {}
    # Someone else's reply to Ana's prompt: a hint, nothing stored.
    m.bob.send(room, "!iam Peru")
    m.bot_said(m.ana, room, 5)
    m.bob.reply(room, "Peru thinks so too", prompt)
    hint = m.bot_said(m.ana, room, 6)[-1]
    assert "was put to" in body(hint) and "not taken as input" in body(hint)
    assert f"put to {m.ana.user_id[1:].split(':')[0]}," in body(hint)      # her display name, not a bare @id
    assert current(m, g) == {}
    # A reply to a public `inputs question` display is not input either (it is not a prompt).
    m.ana.send(room, "!inputs question 2.5")
    shown = m.bot_said(m.ana, room, 7)[-1]
    assert "org.convene.expects" not in shown["content"]
    m.bob.reply(room, "interesting", shown)
    quiet(m, room, 7)
    assert current(m, g) == {}
    # Ana's direct reply to her prompt is her delegation's input, paragraphs kept.
    m.ana.reply(room, "First paragraph.\n\nSecond paragraph.", prompt)
    receipt = m.bot_said(m.ana, room, 8)[-1]
    assert "Received" in body(receipt)
    assert current(m, g)["2.6"].text == "First paragraph.\n\nSecond paragraph."
    html = receipt["content"]["formatted_body"]
    assert "<blockquote><p>First paragraph.</p><p>Second paragraph.</p></blockquote>" in html


def test_mentions_resolve_to_the_linked_user_and_replies_name_them(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    m.bob.set_displayname("Carla Smith")          # bob's display name has a space
    time.sleep(0.5)
    # The pill's text says @ana but links to bob: bob is meant, and the answer says so.
    m.coord.send_with_pill(room, "!convene coordinator add ", m.bob.user_id, "@" + m.ana.user_id[1:])
    said = body(m.bot_said(m.coord, room, 3)[-1])
    assert f"Carla Smith ({m.bob.user_id}) is now a coordinator" in said
    assert group_store.member(m.check, g.id, f"matrix:{m.bob.user_id}").is_coordinator
    assert group_store.member(m.check, g.id, f"matrix:{m.ana.user_id}") is None
    # A multi-word display name through a proper pill.
    m.coord.send_with_pill(room, "!convene member ", m.bob.user_id, "Carla Smith", " Peru")
    said = body(m.bot_said(m.coord, room, 4)[-1])
    assert f"Carla Smith ({m.bob.user_id}) is registered with the delegation of Peru" in said
    # The room is not a person.
    m.coord.send(room, "!convene member @room Chile")
    refused = m.bot_said(m.coord, room, 5)[-1]
    assert "everyone in the room, not one person" in body(refused)
    assert [mm.delegation for mm in group_store.members_of_group(m.check, g.id) if mm.delegation] == ["Peru"]
    # People are named by their display names, not as matrix:@… ids.
    m.bob.send(room, "!convene whoami")
    assert f"You are Carla Smith ({m.bob.user_id})" in body(m.bot_said(m.coord, room, 6)[-1])
    assert "matrix:@" not in "".join(body(e) for e in m.coord.messages(room, sender=m.bot_user.user_id))


def test_edits_update_inputs_and_never_rerun_commands_and_redactions_withdraw(matrix):
    m = matrix.start()
    room, g = registered(m)
    sent = m.ana.send(room, "!submit 2.6 First version.")
    first_receipt = m.bot_said(m.ana, room, 4)[-1]
    m.ana.edit(room, sent, "!submit 2.6 Second version, edited.")
    new_receipt = m.bot_said(m.ana, room, 5)[-1]
    assert "Updated" in body(new_receipt) and "Second version, edited." in body(new_receipt)
    s = current(m, g)["2.6"]
    assert s.text == "Second version, edited."
    assert [h.action for h in sub_store.history(m.check, s.id)] == ["submit", "edit"]
    assert m.ana.event(room, first_receipt["event_id"])["content"] == {}          # the old receipt is gone
    # Editing a command does not run it again; the bot says so.
    cmd = m.ana.send(room, "!agenda 2")
    m.bot_said(m.ana, room, 6)
    m.ana.edit(room, cmd, "!agenda 3")
    hint = m.bot_said(m.ana, room, 7)[-1]
    assert "Edited commands are not run again" in body(hint)
    # Editing a chat message into a command does not run it either.
    chat = m.ana.send(room, "good morning")
    m.ana.edit(room, chat, "!convene setup Hijack")
    assert "not run again" in body(m.bot_said(m.ana, room, 8)[-1])
    # Someone else cannot edit Ana's input by an edit event.
    m.coord.send(room, f"!convene member {m.bob.user_id} Chile")    # a second member of Chile, by a coordinator
    m.bot_said(m.ana, room, 9)
    m.bob.edit(room, sent, "!submit 2.6 Bob's text")
    assert "Only the person who sent an input" in body(m.bot_said(m.ana, room, 10)[-1])
    assert current(m, g)["2.6"].text == "Second version, edited."
    # Deleting the message withdraws the input, and the bot deletes its receipt (which quoted the text).
    m.ana.redact(room, sent)
    withdrawn = m.bot_said(m.ana, room, 11)[-1]
    assert "Withdrawn" in body(withdrawn) and "message that carried it was deleted" in body(withdrawn)
    assert "2.6" not in current(m, g)
    assert m.ana.event(room, new_receipt["event_id"])["content"] == {}
    assert [h.action for h in sub_store.history(m.check, s.id)] == ["submit", "edit", "withdraw"]


def test_a_reply_input_edited_and_a_superseded_message_redacted(matrix):
    m = matrix.start()
    room, g = registered(m)
    m.ana.send(room, "!submit 3.2")
    prompt = m.bot_said(m.ana, room, 4)[-1]
    answer = m.ana.reply(room, "Draft answer.", prompt)
    m.bot_said(m.ana, room, 5)
    m.ana.edit(room, answer, "Final answer.")
    assert "Updated" in body(m.bot_said(m.ana, room, 6)[-1])
    assert current(m, g)["3.2"].text == "Final answer."
    # A later !submit replaces the input: deleting the earlier reply no longer withdraws anything.
    m.ana.send(room, "!submit 3.2 Replacement by command.")
    m.bot_said(m.ana, room, 7)
    m.ana.redact(room, answer)
    quiet(m, room, 7)
    assert current(m, g)["3.2"].text == "Replacement by command."


def test_commands_in_threads_are_answered_in_the_thread(matrix):
    m = matrix.start()
    room, g = registered(m)
    root = m.ana.send(room, "Thread about item 2")
    m.ana.thread_send(room, root, "!agenda 2")
    answer = m.bot_said(m.ana, room, 4)[-1]
    rel = answer["content"]["m.relates_to"]
    assert rel["rel_type"] == "m.thread" and rel["event_id"] == root
    assert "victim assistance" in body(answer)


def test_one_direct_room_per_person_even_for_exports_in_a_row(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    for _ in range(4):
        m.coord.send(room, "!inputs export md")
    m.bot_said(m.coord, room, 6)
    dm = m.coord.accept_direct_room()
    files = m.bot_said(m.coord, dm, 4, timeout=30)
    assert len([f for f in files if f["content"]["msgtype"] == "m.file"]) == 4
    time.sleep(1)
    assert m.coord.invites() == []                   # no second direct room


def test_replies_read_well_in_element(matrix):
    m = matrix.start()
    room, g = registered(m)
    m.ana.send(room, "!agenda " + "x" * 40_000)
    err = m.bot_said(m.ana, room, 4)[-1]["content"]
    assert len(err["body"]) < 600 and "x" * 61 not in err["body"]            # junk is not echoed back
    assert err["formatted_body"].startswith("<p>⚠ ")                           # the sign inline, not alone
    m.ana.send(room, "!submit 2.6 Our text.")
    m.bot_said(m.ana, room, 5)
    m.coord.send(room, "!inputs status")
    status = m.bot_said(m.ana, room, 6)[-1]["content"]["formatted_body"]
    assert "<table><caption><b>By delegation</b></caption><thead><tr><th>Delegation</th>" in status
    assert re.search(r"<tr><td>Chile</td><td>1</td><td>2\.6</td></tr>", status)
    assert "<code>2.5</code>: 0 · <code>2.6</code>: 1" in status              # no runs of spaces to collapse
    m.coord.send(room, "!inputs history 2.6")
    history = m.bot_said(m.ana, room, 7)[-1]["content"]["formatted_body"]
    assert "<th>When</th><th>Change</th><th>By</th>" in history and "matrix:@" not in history
    allowed = {"h3", "p", "br", "ul", "li", "b", "code", "em", "blockquote", "table", "caption", "thead", "tbody",
               "tr", "th", "td", "a"}
    for html in (status, history):
        assert set(re.findall(r"</?([a-z0-9]+)", html)) <= allowed


def test_sigkill_during_a_burst_loses_nothing_and_answers_nothing_twice(matrix, tmp_path):
    """The real `convene run` process; 21 commands at once; SIGKILL at once and 0.5 s into the burst (two rounds),
    then at the two crash points (failpoints); restart. Every command is answered exactly once, and every `inputs append` applied exactly once."""
    import signal
    import subprocess
    import sys
    from commands.importers.apply import import_file
    from tests.conftest import ROOT, SEED_AGENDA, process_env
    m = matrix
    room = m.coord.create_room("Contact group", invite=[m.bot_user.user_id, m.ana.user_id])
    m.ana.join(room)
    m.bot_user.join(room)
    g = group_store.create_group(m.check, "burst", "Burst group", registration="open")
    group_store.bind_room(m.check, g.id, f"matrix:{room}")
    group_store.set_delegation(m.check, g.id, f"matrix:{m.ana.user_id}", "Chile")
    import_file(m.check, g, str(SEED_AGENDA))
    env = process_env(m.db_path, MATRIX_HOMESERVER=m.hs.url, MATRIX_USER_ID=m.bot_user.user_id,
                      MATRIX_PASSWORD=m.bot_user.password)

    log = open(tmp_path / "bot.log", "a")

    def start():
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=log, text=True)

    bot = start()
    try:
        m.wait_synced()
        m.ana.send(room, "!submit 2.6 base")
        m.bot_said(m.ana, room, 1, timeout=30)
        sent: list[str] = []
        parts: list[str] = []
        for round_no, delay in enumerate((0.0, 0.5)):
            burst = []
            for i in range(21):
                if i % 3 == 0:
                    parts.append(f"r{round_no}p{i:02d}")
                    burst.append(f"!inputs append 2.6 {parts[-1]}")
                elif i % 3 == 1:
                    burst.append("!agenda 2")
                else:
                    burst.append(f"!submit 3.{1 + i % 5} r{round_no}s{i:02d}")
            t0 = time.monotonic()
            killed = False
            for text in burst:
                sent.append(m.ana.send(room, text))
                if not killed and time.monotonic() - t0 >= delay:
                    bot.send_signal(signal.SIGKILL)
                    bot.wait(10)
                    killed = True
            if not killed:
                bot.send_signal(signal.SIGKILL)
                bot.wait(10)
            bot = start()
            m.bot_said(m.ana, room, 1 + len(sent), timeout=60)
        # Deterministic crashes at the two places where a kill could lose or repeat an answer: after the
        # answer was decided (input stored, reply recorded) but not sent, and after it was sent but not marked.
        for round_no, point in enumerate(("matrix.after_decide:3", "matrix.after_send:5"), start=2):
            bot.terminate()
            bot.wait(20)
            env["CONVENE_FAILPOINT"] = point
            bot = start()
            for i in range(6):
                parts.append(f"r{round_no}p{i:02d}")
                sent.append(m.ana.send(room, f"!inputs append 2.6 {parts[-1]}"))
            assert bot.wait(30) == 137                  # it died at the crash point
            env.pop("CONVENE_FAILPOINT")
            bot = start()
            m.bot_said(m.ana, room, 1 + len(sent), timeout=60)
        time.sleep(2)                                   # nothing more may follow
        answers: dict[str, int] = {}
        for e in m.ana.messages(room, sender=m.bot_user.user_id, limit=400):
            target = ((e["content"].get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")
            answers[target] = answers.get(target, 0) + 1
        assert [answers.get(ev, 0) for ev in sent] == [1] * len(sent)
        text = current(m, g)["2.6"].text
        assert [text.count(p) for p in parts] == [1] * len(parts)
        assert len(sub_store.history(m.check, current(m, g)["2.6"].id)) == 1 + len(parts)
    finally:
        bot.terminate()
        bot.wait(20)
        log.close()
    assert "Traceback" not in (tmp_path / "bot.log").read_text(), (tmp_path / "bot.log").read_text()[-3000:]


def test_a_moderators_redaction_removes_the_receipt_but_withdraws_nothing(matrix):
    """Only the author's own deletion withdraws an input; a room moderator removing the message (the coordinator
    created the room, so may redact) takes the quoted receipt away but leaves the delegation's input."""
    m = matrix.start()
    room, g = registered(m)
    sent = m.ana.send(room, "!submit 2.6 Text a moderator will hide.")
    receipt = m.bot_said(m.ana, room, 4)[-1]
    m.coord.redact(room, sent)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and m.ana.event(room, receipt["event_id"])["content"]:
        time.sleep(0.2)
    assert m.ana.event(room, receipt["event_id"])["content"] == {}
    quiet(m, room, 4, wait=1.0)
    assert current(m, g)["2.6"].text == "Text a moderator will hide."


def test_the_whole_text_is_the_input_only_the_reply_fallback_is_removed(matrix):
    """Issue 22: a reply to the prompt that starts with the delegate's own quote (no legacy reply fallback, as Element
    sends replies now) is stored whole; Element's Markdown (lists, emphasis, code) is kept as Markdown-like text, and
    a pill is written as the person's display name, not as a bare user id."""
    import html as html_lib
    m = matrix.start()
    room, g = registered(m)
    m.bob.set_displayname("Carla Smith")
    m.ana.send(room, "!submit 3.2")
    prompt = m.bot_said(m.ana, room, 4)[-1]
    quoted = "> The Cartagena Action Plan says X.\n\nNorway agrees with that quote."
    m.ana.send_content(room, {
        "msgtype": "m.text", "body": quoted, "format": "org.matrix.custom.html",
        "formatted_body": "<blockquote>\n<p>The Cartagena Action Plan says X.</p>\n</blockquote>\n"
                          "<p>Norway agrees with that quote.</p>\n",
        "m.relates_to": {"m.in_reply_to": {"event_id": prompt["event_id"]}}})
    m.bot_said(m.ana, room, 5)
    assert current(m, g)["3.2"].text == quoted
    # The same without HTML, and with the legacy fallback in front: only the fallback goes.
    m.ana.send(room, "!submit 3.3")
    prompt = m.bot_said(m.ana, room, 6)[-1]
    m.ana.send_content(room, {
        "msgtype": "m.text", "body": f"> <{m.bot_user.user_id}> Reply to this message\n> more\n\n" + quoted,
        "m.relates_to": {"m.in_reply_to": {"event_id": prompt["event_id"]}}})
    m.bot_said(m.ana, room, 7)
    assert current(m, g)["3.3"].text == quoted
    # Markdown as Element sends it, with a pill in the text.
    pill = MatrixUserPill(m.bob.user_id, "Carla")
    m.ana.send_content(room, {
        "msgtype": "m.text",
        "body": "!submit 2.5 Our points:\n- first *point*\n- use `code`\n\nAs Carla said, **yes**.",
        "format": "org.matrix.custom.html",
        "formatted_body": "<p>!submit 2.5 Our points:</p>\n<ul>\n<li>first <em>point</em></li>\n"
                          "<li>use <code>code</code></li>\n</ul>\n"
                          f"<p>As {pill} said, <strong>yes</strong>.</p>\n",
        "m.mentions": {"user_ids": [m.bob.user_id]}})
    receipt = m.bot_said(m.ana, room, 8)[-1]
    assert "Received" in body(receipt)
    assert current(m, g)["2.5"].text == \
        "Our points:\n\n- first *point*\n- use `code`\n\nAs Carla Smith said, **yes**."
    assert html_lib.escape("As Carla Smith said") in receipt["content"]["formatted_body"]


def MatrixUserPill(user_id: str, label: str) -> str:
    from tests.fakes.synapse import MatrixUser
    return MatrixUser.pill(user_id, label)
