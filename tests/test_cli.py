"""The `convene` CLI and the console, run as real processes the way operators and scripts use them."""
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEED_AGENDA, SEED_PAPER


def convene(env, *args, stdin=None, check=True):
    proc = subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


@pytest.fixture
def setup_group(cli_env):
    convene(cli_env, "group", "create", "cg", "--name", "Contact Group on Cooperation", "--registration", "open")
    convene(cli_env, "group", "bind", "cg", "console:main")
    convene(cli_env, "group", "coordinator", "cg", "console:coord")
    convene(cli_env, "import", str(SEED_AGENDA), "--group", "cg")
    convene(cli_env, "import", str(SEED_PAPER), "--group", "cg")
    return cli_env


def test_import_prints_what_it_created(cli_env):
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    out = convene(cli_env, "import", str(SEED_AGENDA), "--group", "cg").stdout
    assert "Special Session on International Cooperation and Assistance" in out
    assert "6 items" in out and "14 questions" in out
    again = convene(cli_env, "import", str(SEED_AGENDA), "--group", "cg").stdout
    assert "updated" in again.lower()
    listing = convene(cli_env, "session", "list", "cg").stdout
    assert listing.count("Special Session") == 1


def test_console_session_as_delegate(setup_group):
    script = "agenda 2\niam Chile\nsubmit 2.6 We support coherence between both Conventions\ninputs mine\n"
    out = convene(setup_group, "console", "--group", "cg", "--user", "ana", stdin=script).stdout
    assert "2.6" in out and "Received" in out
    assert "Inputs of Chile" in out and "We support coherence between both Conventions" in out


def test_export_json_has_documented_shape(setup_group, tmp_path):
    convene(setup_group, "console", "--group", "cg", "--user", "ana",
            stdin="iam Chile\nsubmit 2.6 R&D matters\ninputs edit 2.6 R&D matters a lot\n")
    target = tmp_path / "cg.json"
    convene(setup_group, "export", "cg", "--format", "json", "-o", str(target))
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert set(doc) >= {"group", "sessions", "question_lists", "members", "submissions"}
    [session] = doc["sessions"]
    assert set(session) >= {"id", "title", "start", "end", "timezone", "venue", "symbol", "deadline", "items"}
    assert session["start"] == "2010-06-25T10:00:00+02:00"
    item2 = session["items"][1]
    assert set(item2) >= {"number", "title", "kind", "start", "end", "presenters", "description", "questions"}
    assert [q["ref"] for q in item2["questions"]] == [f"2.{n}" for n in range(1, 7)]
    [lst] = doc["question_lists"]
    assert lst["symbol"] == "APLC/MSP.10/2010/WP.15" and len(lst["questions"]) == 14
    [sub] = doc["submissions"]
    assert (sub["ref"], sub["delegation"], sub["text"], sub["status"]) == ("2.6", "Chile", "R&D matters a lot", "current")
    assert sub["created_at"].endswith("+00:00")
    assert [h["text"] for h in sub["history"]] == ["R&D matters", "R&D matters a lot"]


@pytest.mark.parametrize("args, message", [
    (("import", "missing.txt", "--group", "cg"), "missing.txt"),
    (("import", str(SEED_AGENDA), "--group", "nope"), "nope"),
    (("import", str(SEED_AGENDA), "--group", "cg", "--start", "2026-03-29T02:30"), "does not exist"),
    (("import", str(SEED_AGENDA), "--group", "cg", "--start", "tomorrow"), "YYYY-MM-DD"),
    (("group", "create", "cg", "--name", "Again"), "already"),
    (("group", "create", "x2", "--name", "X", "--tz", "Mars/Olympus"), "time zone"),
    (("group", "bind", "cg", "C0123"), "slack:"),
    (("export", "nope", "--format", "json", "-o", "-"), "nope"),
])
def test_bad_input_exits_nonzero_with_clear_message_and_changes_nothing(cli_env, tmp_path, args, message):
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    proc = convene(cli_env, *args, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Special Session" not in convene(cli_env, "session", "list", "cg").stdout


def test_broken_agenda_file_names_the_line(cli_env, tmp_path):
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: A session\nstart: 2026-12-01 10:00\nitems:\n  - title: One\n    start: 25:99\n")
    proc = convene(cli_env, "import", str(bad), "--group", "cg", check=False)
    assert proc.returncode != 0 and "line" in proc.stderr
    assert "A session" not in convene(cli_env, "session", "list", "cg").stdout


def test_partial_slack_config_is_a_startup_error(cli_env):
    env = dict(cli_env, SLACK_BOT_TOKEN="xoxb-1")
    proc = convene(env, "run", check=False, stdin="")
    assert proc.returncode != 0 and "SLACK_SIGNING_SECRET" in proc.stderr


def test_run_without_credentials_opens_console_on_demo_group(cli_env):
    out = convene(cli_env, "run", stdin="agenda\nagenda 2\n").stdout
    assert "Special Session on International Cooperation and Assistance" in out
    assert "2.6" in out


def test_make_run_piped(cli_env):
    """The documented scripted use: printf 'agenda\\nagenda 2\\n' | make run."""
    proc = subprocess.run(["make", "--no-print-directory", "run"], input="agenda\nagenda 2\n", capture_output=True,
                          text=True, env=cli_env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "10:00–13:00" in proc.stdout and "2.6" in proc.stdout


def test_cli_reminders_deadline_and_move(cli_env):
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    yaml_doc = ("title: Future session\ndate: 2099-06-03\nstart: \"10:00\"\nend: \"12:00\"\nitems:\n"
                "  - number: 1\n    title: Opening\n    start: \"10:00\"\n")
    path = cli_env["CONVENE_DB"] + ".yaml"
    with open(path, "w") as fh:
        fh.write(yaml_doc)
    convene(cli_env, "import", path, "--group", "cg")
    assert "2d,1h" in convene(cli_env, "group", "reminders", "cg", "session", "1h,2d").stdout
    bad = convene(cli_env, "group", "reminders", "cg", "deadline", "2x", check=False)
    assert bad.returncode != 0 and "not a duration" in bad.stderr
    out = convene(cli_env, "session", "deadline", "cg", "2099-06-01T17:00").stdout
    assert "2099-06-01T17:00:00+02:00" in out
    out = convene(cli_env, "session", "move", "cg", "2099-06-04", "15:00", "--session", "1").stdout
    assert "2099-06-04T15:00:00+02:00" in out and "2099-06-04T17:00:00+02:00" in out
    gap = convene(cli_env, "session", "move", "cg", "2099-03-29T02:30", check=False)
    assert gap.returncode != 0 and "does not exist" in gap.stderr
    missing = convene(cli_env, "session", "deadline", "cg", "2099-06-01T17:00", "--session", "9", check=False)
    assert missing.returncode != 0 and "#9" in missing.stderr


def test_cli_exports_restore_and_backup(setup_group, tmp_path):
    convene(setup_group, "console", "--group", "cg", "--user", "ana",
            stdin="iam Egypt\nsubmit 2.6 ندعم التماسك بين الاتفاقيتين\n")
    for fmt in ("docx", "md", "csv", "ics"):
        target = tmp_path / f"out.{fmt}"
        convene(setup_group, "export", "cg", "--format", fmt, "--session", "1", "-o", str(target))
        assert target.stat().st_size > 100, fmt
    assert "ندعم التماسك" in (tmp_path / "out.md").read_text(encoding="utf-8")
    assert (tmp_path / "out.ics").read_text().startswith("BEGIN:VCALENDAR")
    dump = tmp_path / "cg.json"
    convene(setup_group, "export", "cg", "--format", "json", "-o", str(dump))
    # restore into a fresh database: the group comes from the file
    fresh = dict(setup_group, CONVENE_DB=str(tmp_path / "fresh.db"))
    out = convene(fresh, "import", str(dump)).stdout
    assert "restored group cg" in out and "1 input," in out
    again = convene(fresh, "import", str(dump), check=False)
    assert again.returncode != 0 and "already exists" in again.stderr
    convene(fresh, "import", str(dump), "--group", "cg-copy")
    md = tmp_path / "copy.md"
    convene(fresh, "export", "cg-copy", "--format", "md", "--session", "2", "-o", str(md))
    assert "ندعم التماسك" in md.read_text(encoding="utf-8")
    backup = tmp_path / "backup.db"
    convene(setup_group, "backup", str(backup))
    restored_env = dict(setup_group, CONVENE_DB=str(backup))
    assert "Special Session" in convene(restored_env, "session", "list", "cg").stdout


def test_console_export_writes_a_file(setup_group, tmp_path):
    env = dict(setup_group)
    proc = subprocess.run([sys.executable, "-m", "bot", "console", "--group", "cg", "--user", "coord"],
                          input="inputs export md\n", capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "convene-exports" / "cg-session-1-inputs.md"
    assert path.exists() and str(path) in proc.stdout


@pytest.mark.parametrize("args, message", [
    (("backup", "/nonexistent-dir/b.db"), "cannot write the backup to /nonexistent-dir/b.db"),
    (("export", "cg", "--format", "md", "-o", "/nonexistent-dir/x.md"), "cannot write /nonexistent-dir/x.md"),
    (("import", "/nonexistent-dir/g.json"), "there is no file at /nonexistent-dir/g.json"),
])
def test_unwritable_or_missing_paths_are_clear_errors(setup_group, args, message):
    proc = convene(setup_group, *args, check=False)
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_cli_forms_of_the_administration_commands(setup_group, tmp_path):
    env = setup_group
    assert convene(env, "group", "rename", "cg", "Cooperation contact group").stdout == \
        "cg: now called Cooperation contact group\n"
    assert convene(env, "group", "timezone", "cg", "America/New_York").stdout == \
        "cg: sessions imported from now on are in America/New_York\n"
    assert convene(env, "session", "rename", "cg", "Intersessional meeting", "--session", "1").stdout == \
        "#1: now called Intersessional meeting\n"
    assert convene(env, "group", "registration", "cg").stdout == "cg: registration open\n"
    assert convene(env, "group", "registration", "cg", "locked").stdout == "cg: registration locked\n"
    assert convene(env, "group", "reminders", "cg").stdout == (
        "cg: reminders before sessions: 1d,1h\ncg: reminders before deadlines: 3d,1d,2h\n"
        "cg: the status before deadlines goes to: coordinators\n")
    roster = tmp_path / "roster.txt"
    roster.write_text("# States Parties\nChile\nUnited States of America; USA; United States\n", encoding="utf-8")
    out = convene(env, "group", "roster", "cg", "--file", str(roster)).stdout
    assert out == "added: Chile\nadded: United States of America, USA, United States\n"
    assert convene(env, "group", "roster", "cg").stdout == "Chile\nUnited States of America\tUSA\tUnited States\n"
    bad = convene(env, "group", "roster", "cg", "--add", "Chile; USA", check=False)
    assert bad.returncode == 1 and "USA is already a name of United States of America" in bad.stderr
    assert convene(env, "list", "close", "cg", "WP.15").stdout == "cg WP.15: closed for input\n"
    assert convene(env, "list", "open", "cg", "WP.15").stdout == "cg WP.15: open for input\n"
    # Destructive: refused while inputs would go, then with --confirm after a backup beside the database.
    convene(env, "console", "--group", "cg", "--user", "coord", stdin="member @ana Chile\n")
    convene(env, "console", "--group", "cg", "--user", "ana", stdin="submit WP.15:a We did.\n")
    refused = convene(env, "list", "remove", "cg", "WP.15", check=False)
    assert refused.returncode == 1 and "1 input" in refused.stderr
    removed = convene(env, "list", "remove", "cg", "WP.15", "--confirm").stdout
    backup = removed.split("(the database before it: ")[1].rstrip(")\n")
    assert removed.startswith("removed question list WP.15") and ".before-list-remove-" in backup
    import sqlite3
    assert sqlite3.connect(backup).execute("SELECT count(*) FROM submissions").fetchone() == (1,)
    assert convene(env, "group", "member", "cg", "remove", "console:ana").stdout == \
        "console:ana is no longer a member of cg (their delegation's inputs stay)\n"
    audit = convene(env, "group", "audit", "cg").stdout.splitlines()
    actions = [ln.split("\t")[2] for ln in audit]
    assert actions[:5] == ["member remove", "list remove", "registration", "list open", "list close"]
    assert {"group rename", "group timezone", "session rename", "registration mode", "roster"} <= set(actions)


def test_convene_timezone_sets_the_zone_of_groups_set_up_in_chat(cli_env):
    env = {**cli_env, "CONVENE_TIMEZONE": "America/New_York"}
    out = convene(env, "console", "--user", "zoe", stdin="setup Test group\n").stdout
    assert "Time zone: America/New_York." in out
    assert "America/New_York" in convene(env, "group", "list").stdout


def test_export_docx_on_letter_paper(setup_group, tmp_path):
    import io
    from docx import Document
    from docx.shared import Mm
    target = tmp_path / "c.docx"
    convene(setup_group, "export", "cg", "--format", "docx", "--session", "1", "--paper", "letter", "-o", str(target))
    section = Document(io.BytesIO(target.read_bytes())).sections[0]
    assert round(section.page_width / Mm(1), 1) == 215.9


def test_run_without_credentials_never_adds_the_demo_to_an_operators_database(cli_env):
    """Issue 21: `convene run` on an operator's database (it has groups) added the demo group to it. Without chat
    settings it refuses to start there, saying why and what to do, and changes nothing; a fresh database gets the
    demo, and keeps just it on the next run."""
    convene(cli_env, "group", "create", "cg", "--name", "Contact Group", "--registration", "open")
    proc = convene(cli_env, "run", stdin="agenda\n", check=False)
    assert proc.returncode == 1 and "Special Session" not in proc.stdout
    assert proc.stderr.strip() == (
        "convene: cannot start: no Slack or Matrix settings (is .env in this directory?), and the database holds "
        "groups (cg): the demo group is only added to a fresh database. Set the chat settings, or talk to a group "
        "at the terminal with convene console --group SLUG")
    assert [ln.split("\t")[0] for ln in convene(cli_env, "group", "list").stdout.splitlines()] == ["cg"]
    fresh = dict(cli_env, CONVENE_DB=cli_env["CONVENE_DB"] + ".fresh")
    for _ in range(2):
        assert "Special Session on International Cooperation" in convene(fresh, "run", stdin="agenda\n").stdout
    assert [ln.split("\t")[0] for ln in convene(fresh, "group", "list").stdout.splitlines()] == ["demo"]
