"""Bad input at every door gets a clear answer and changes nothing, with no traceback for anyone: odd Slack payloads
(forged form fields, lists where text belongs), a forged import form, a session in an unknown zone, documents nested
thousands deep, a pipe given to `convene import`."""
import json
import logging
import os
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest

from storage import submissions as sub_store
from tests.conftest import ROOT
from tests.fakes.slack_requests import TEAM, block_action_body, view_submission_body
from tests.test_cli import convene


def no_tracebacks(caplog):
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [(r.levelname, r.getMessage()) for r in bad]


def submit_form(slack_bot, fake_slack) -> dict:
    slack_bot.sender.command("/convene", "iam Chile")
    slack_bot.sender.command("/submit", "")
    [opened] = fake_slack.wait_for("views.open")
    return opened["view"]


def raw_view_submission(view: dict, state_values) -> str:
    payload = {"type": "view_submission", "team": {"id": TEAM}, "api_app_id": "A0TEST", "trigger_id": "t",
               "user": {"id": "U0ANA", "username": "ana", "team_id": TEAM},
               "view": {**view, "id": "V1", "team_id": TEAM, "state": {"values": state_values}}}
    return urlencode({"payload": json.dumps(payload)})


def test_forged_and_odd_form_payloads_get_an_error_view_and_change_nothing(slack_bot, fake_slack, caplog):
    caplog.set_level(logging.INFO)
    view = submit_form(slack_bot, fake_slack)
    good = {"question": ("static_select", "S1:2.6"), "text": "Forged", "disclosure": ("radio_buttons", "group")}
    forged = [
        view_submission_body(view, {**good, "group_id": "abc"}),
        view_submission_body(view, {**good, "action": "withdraw"}),
        raw_view_submission(view, [{"question": "S1:2.6"}]),                              # a list in state.values
        raw_view_submission(view, {"question": [{"value": {"type": "static_select"}}]}),
        raw_view_submission(view, {"question": {"value": {"type": "static_select",
                                                          "selected_option": {"value": ["S1:2.6"]}}},
                                   "text": {"value": {"type": "plain_text_input", "value": {"x": 1}}}}),
    ]
    for body in forged:
        status, answer = slack_bot.sender.post(body)
        assert status == 200 and answer["response_action"] == "update", answer
        assert "out of date" in json.dumps(answer["view"])
    # A payload missing what Slack always sends (the user): the same answer, one warning line.
    payload = json.loads(__import__("urllib.parse").parse.parse_qs(view_submission_body(view, good))["payload"][0])
    payload["user"] = "U0ANA"
    status, answer = slack_bot.sender.post(urlencode({"payload": json.dumps(payload)}))
    assert status == 200 and "out of date" in json.dumps(answer["view"]), answer
    # A button whose actions are not a list: acknowledged, nothing done.
    body = block_action_body("submit_input", "x").replace("%5B%7B%22action_id", "%7B%22a%22%3A%5B%7B%22action_id")
    assert slack_bot.sender.post(body)[0] in (200, 400)
    assert sub_store.count(slack_bot.check, 1) == 0
    no_tracebacks(caplog)
    assert slack_bot.sender.command("/agenda")[0] == 200


def test_a_delegates_forged_import_form_is_refused_before_slack_is_asked_for_the_file(slack_bot, fake_slack, caplog):
    caplog.set_level(logging.INFO)
    slack_bot.sender.command("/convene", "import", user="U0COORD")
    [opened] = fake_slack.wait_for("views.open")
    fake_slack.share_file("F0YML", "agenda.yaml", (ROOT / "tests" / "fixtures" / "handwritten_agenda.yaml").read_bytes())
    slack_bot.sender.command("/convene", "iam Chile")
    fake_slack.calls.clear()
    slack_bot.sender.post(view_submission_body(opened["view"], {"document": ("file_input", ["F0YML"]), "start": ""},
                                               user="U0ANA"))
    [refusal] = fake_slack.wait_for("chat.postEphemeral")
    assert refusal["user"] == "U0ANA" and "Only coordinators import documents" in json.dumps(refusal)
    assert fake_slack.of("files.info") == []
    no_tracebacks(caplog)


def test_a_session_in_an_unknown_zone_does_not_break_the_agenda(slack_bot, caplog):
    caplog.set_level(logging.INFO)
    slack_bot.check.execute("UPDATE sessions SET timezone = 'Mars/Olympus_Mons'")
    slack_bot.check.conn.commit()
    status, answer = slack_bot.sender.command("/agenda")
    assert status == 200, answer
    text = json.dumps(answer)
    assert "Mars/Olympus_Mons" in text and "UTC" in text, text
    assert "Something went wrong" not in text
    no_tracebacks(caplog)


def deep_pdf(depth: int) -> bytes:
    """A PDF whose page tree is ``depth`` Pages nodes deep, each the only kid of the one above."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    for n in range(depth):
        objects.append(f"<< /Type /Pages /Kids [{n + 3} 0 R] /Count 1 >>")
    objects.append("<< /Type /Page /MediaBox [0 0 612 792] >>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.mark.parametrize("name, content", [
    ("deep.yaml", ("[" * 50_000 + "]" * 50_000).encode()),
    ("deep.pdf", deep_pdf(5_000)),
], ids=["yaml-50000-deep", "pdf-page-tree-5000-deep"])
def test_documents_nested_thousands_deep_are_refused_with_a_reason(cli_env, tmp_path, name, content):
    convene(cli_env, "group", "create", "cg", "--name", "CG")
    path = tmp_path / name
    path.write_bytes(content)
    proc = convene(cli_env, "import", str(path), "--group", "cg", check=False)
    assert proc.returncode == 1 and "nested too deeply" in proc.stderr, proc.stderr[-500:]
    assert "unexpected error" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["agenda.txt", "group.json"])
def test_import_refuses_a_pipe_without_waiting_for_a_writer(cli_env, tmp_path, name):
    convene(cli_env, "group", "create", "cg", "--name", "CG")
    fifo = tmp_path / name
    os.mkfifo(fifo)
    t = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "bot", "import", str(fifo), "--group", "cg"], env=cli_env, cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert time.monotonic() - t < 20
    assert proc.returncode == 1 and "not a regular file" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


# --- a disk that cannot take a write -------------------------------------------------------------------------

CANNOT_SAVE = "Convene cannot save right now — nothing was changed"


@pytest.mark.parametrize("pragma", ["max_page_count", "query_only"], ids=["full", "read-only"])
def test_a_full_or_read_only_database_answers_that_nothing_was_changed(bot, db, pragma, caplog):
    caplog.set_level(logging.INFO)
    from storage.db import write_health
    bot("iam Chile")
    before = sub_store.count(db, 1)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA {pragma} = {pages if pragma == 'max_page_count' else 1}")
    try:
        answer = bot("submit 2.6 " + "A long statement. " * 1000)
        assert CANNOT_SAVE in answer, answer
        assert write_health.failing
    finally:
        db.execute(f"PRAGMA {pragma} = {1_073_741_823 if pragma == 'max_page_count' else 0}")
    assert sub_store.count(db, 1) == before
    no_tracebacks(caplog)
    assert write_health.check(db) == "ok" and write_health.failing is None
    assert "Received" in bot("submit 2.6 Now it can be saved.")


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB filesystem of its own (tmpfs; needs root), unmounted afterwards."""
    where = tmp_path / "disk"
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)],
                                           capture_output=True).returncode != 0:
        pytest.skip("a full disk needs a filesystem of its own: run as root to mount a small tmpfs")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_the_real_process_on_a_full_disk_refuses_clearly_and_reports_it_until_it_recovers(
        fake_slack, slack_db_path, small_disk):
    import shutil
    import urllib.request
    from tests.test_slack_replays import Process
    db_path = small_disk / "convene.db"
    shutil.copyfile(slack_db_path, db_path)
    bot = Process(db_path, fake_slack.url)
    health = f"http://127.0.0.1:{bot.port}/healthz"

    def get(url):
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
    try:
        assert "registered" in bot.sender.command("/convene", "iam Chile")[1]["text"]
        filler = small_disk / "filler"
        with open(filler, "wb") as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        for n in range(3):
            status, answer = bot.sender.command("/submit", f"2.6 Statement {n}. " + "Words. " * 2000)
            assert status == 200 and CANNOT_SAVE in answer["text"], (status, answer)
        status, report = get(health)
        assert status == 503 and "cannot save" in json.loads(report)["database"], report
        assert bot.sender.command("/agenda")[1]["text"].startswith("Agenda")        # reading still works
        from prometheus_client.parser import text_string_to_metric_families
        samples = {s.name: s.value for fam in text_string_to_metric_families(get(
            f"http://127.0.0.1:{bot.port}/metrics")[1]) for s in fam.samples}
        assert samples["convene_database_write_failures_total"] >= 3 and samples["convene_database_writable"] == 0
        filler.unlink()
        status, report = get(health)
        assert status == 200 and json.loads(report)["database"] == "ok", report
        assert "Received" in bot.sender.command("/submit", "2.6 Saved once there is room.")[1]["text"]
    finally:
        err = bot.stop()
    assert "Traceback" not in err, err[-3000:]
    from storage import open_db
    check = open_db(db_path)
    assert [s.text for s in sub_store.of_group(check, 1)] == ["Saved once there is room."]
    check.close()


def test_the_agenda_page_of_a_session_in_an_unknown_zone_shows_utc_and_says_so(web_bot, caplog):
    import urllib.request
    caplog.set_level(logging.INFO)
    web_bot.check.execute("UPDATE sessions SET timezone = 'Mars/Olympus_Mons'")
    web_bot.check.conn.commit()
    with urllib.request.urlopen(web_bot.page_url, timeout=10) as resp:
        page = resp.read().decode()
    assert resp.status == 200 and "Mars/Olympus_Mons" in page and "UTC" in page
    no_tracebacks(caplog)


def test_a_slash_command_missing_what_slack_always_sends_gets_a_clear_private_answer(slack_bot, caplog):
    caplog.set_level(logging.INFO)
    from urllib.parse import parse_qsl
    from tests.fakes.slack_requests import slash_body
    for missing in ("channel_id", "user_id"):
        fields = dict(parse_qsl(slash_body("/submit", "2.6 Text")))
        del fields[missing]
        status, answer = slack_bot.sender.post(urlencode(fields))
        assert status == 200 and answer["response_type"] == "ephemeral", answer
        assert "could not read that request" in answer["text"] and "nothing was changed" in answer["text"]
    assert sub_store.count(slack_bot.check, 1) == 0
    no_tracebacks(caplog)
