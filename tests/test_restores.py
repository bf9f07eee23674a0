"""Restores carry nothing but data: `convene restore` (a database file) and `convene import FILE.json` (a group's
export), through the CLI, against hostile, foreign, empty, newer and damaged files."""
import hashlib
import json
import sqlite3

import pytest

from tests.conftest import SEED_AGENDA
from tests.test_cli import convene


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def live(cli_env, tmp_path):
    """A database with a group (registration open), an agenda and one input, and a backup of it."""
    convene(cli_env, "group", "create", "cg", "--name", "Contact Group", "--registration", "open")
    convene(cli_env, "group", "bind", "cg", "console:main")
    convene(cli_env, "import", str(SEED_AGENDA), "--group", "cg")
    console(cli_env, "ana", "iam Chile", "submit 2.1 Our first input.")
    convene(cli_env, "backup", str(tmp_path / "good.db"))
    return cli_env


def console(env, user, *lines):
    return convene(env, "console", "--group", "cg", "--user", user, stdin="\n".join(lines) + "\n").stdout


def altered(tmp_path, name, *statements) -> str:
    """A copy of the good backup with ``statements`` run on it."""
    target = tmp_path / name
    target.write_bytes((tmp_path / "good.db").read_bytes())
    con = sqlite3.connect(target)
    con.executescript(";\n".join(statements) + ";")
    con.commit()
    con.close()
    return str(target)


def refused(env, source, reason: str) -> None:
    convene(env, "group", "list")           # the write-ahead log folded into the file, so the hash means something
    before = digest(env["CONVENE_DB"])
    proc = convene(env, "restore", str(source), check=False)
    assert proc.returncode == 1, proc.stderr
    assert reason in proc.stderr and "Nothing was changed" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert digest(env["CONVENE_DB"]) == before


def test_a_backup_carrying_triggers_views_and_foreign_tables_restores_only_its_data(live, tmp_path):
    hostile = altered(
        tmp_path, "hostile.db",
        "CREATE TRIGGER rewrite AFTER INSERT ON submissions BEGIN UPDATE submissions SET text = 'forged', "
        "disclosure = 'group' WHERE id = NEW.id; END",
        "CREATE TRIGGER rewrite_history AFTER UPDATE ON submissions BEGIN DELETE FROM submission_history; END",
        "CREATE VIEW everything AS SELECT * FROM submissions",
        "CREATE TABLE notes_of_ours (x TEXT)", "CREATE INDEX groups_by_name ON groups(name)")
    done = convene(live, "restore", hostile)
    assert "restored" in done.stderr
    con = sqlite3.connect(live["CONVENE_DB"])
    extra = con.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') OR name IN "
                        "('notes_of_ours', 'groups_by_name')").fetchall()
    con.close()
    assert extra == []
    console(live, "bo", "iam Norway", "submit 2.2 --coordinators For the coordinators only.")
    con = sqlite3.connect(live["CONVENE_DB"])
    rows = con.execute("SELECT delegation, text, disclosure FROM submissions ORDER BY id").fetchall()
    con.close()
    assert rows == [("Chile", "Our first input.", "group"),
                    ("Norway", "For the coordinators only.", "coordinators")]


def test_empty_foreign_newer_and_damaged_files_are_refused_and_the_database_is_untouched(live, tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    refused(live, empty, "it is empty")
    text = tmp_path / "notes.db"
    text.write_text("not a database at all\n" * 20)
    refused(live, text, "it is not an SQLite database")
    foreign = tmp_path / "photos.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    con.execute("INSERT INTO photos (path) VALUES ('a.jpg')")
    con.commit()
    con.close()
    refused(live, foreign, "it is not a Convene database")
    newer = altered(tmp_path, "newer.db", "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                                          "VALUES ('convene', 'm099_from_the_future', '2030-01-01')")
    refused(live, newer, "made by a newer version of Convene")
    damaged = tmp_path / "damaged.db"
    good = (tmp_path / "good.db").read_bytes()
    damaged.write_bytes(good[:4096] + b"\x07" * (len(good) - 4096))
    refused(live, damaged, "damaged")
    orphan = altered(tmp_path, "orphan.db", "PRAGMA foreign_keys = OFF", "DELETE FROM groups")
    refused(live, orphan, "refers to a missing row")
    assert "cg" in convene(live, "group", "list").stdout


@pytest.mark.parametrize("statement, reason", [
    ("UPDATE members SET delegation = char(8238) || 'elihC'", "members[0].delegation"),
    ("UPDATE submissions SET delegation = '=HYPERLINK(1)'", "submissions[0].delegation"),
    ("UPDATE groups SET name = 'Contact' || char(10) || 'Group'", "group.name"),
    ("UPDATE sessions SET timezone = 'Mars/Olympus_Mons'", "sessions[0].timezone: unknown zone 'Mars/Olympus_Mons'"),
    ("UPDATE questions SET text = substr(replace(hex(zeroblob(50000)), '0', 'ab'), 1, 100000)", "100,000 characters"),
])
def test_a_backup_whose_rows_break_the_rules_of_chat_is_refused(live, tmp_path, statement, reason):
    refused(live, altered(tmp_path, "rows.db", statement), reason)


def test_an_older_backup_is_brought_up_to_date(live, tmp_path):
    """A backup made before the last two migrations (their records removed, the table of one dropped) restores,
    migrated."""
    older = altered(tmp_path, "older.db", "DROP TABLE pending_imports",
                    "DELETE FROM _sqlite_migrations WHERE name IN ('m016_pending_imports', 'm017_list_reminders')")
    convene(live, "restore", older)
    assert "Our first input." in console(live, "ana", "inputs mine")


# --- JSON restores -------------------------------------------------------------------------------------------

@pytest.fixture
def exported(cli_env, tmp_path):
    """A group created with the defaults (registration approval), with an agenda, exported as JSON."""
    convene(cli_env, "group", "create", "dflt", "--name", "Default Group")
    convene(cli_env, "import", str(SEED_AGENDA), "--group", "dflt")
    path = tmp_path / "dflt.json"
    convene(cli_env, "export", "dflt", "--format", "json", "-o", str(path))
    return json.loads(path.read_text())


def restore_json(env, tmp_path, doc, slug="again", check=True):
    path = tmp_path / f"{slug}.json"
    path.write_text(json.dumps(doc))
    return convene(env, "import", str(path), "--group", slug, check=check)


def test_a_json_round_trip_of_a_group_created_with_the_defaults(cli_env, tmp_path, exported):
    assert exported["group"]["registration"] == "approval"
    restore_json(cli_env, tmp_path, exported)
    back = tmp_path / "back.json"
    convene(cli_env, "export", "again", "--format", "json", "-o", str(back))
    assert json.loads(back.read_text())["group"]["registration"] == "approval"
    del exported["group"]["registration"]            # an export without the mode: a new group's default
    restore_json(cli_env, tmp_path, exported, slug="third")
    assert "registration approval" in convene(cli_env, "group", "registration", "third").stdout.lower()


def test_a_damaged_json_export_writes_nothing(cli_env, tmp_path, exported):
    exported["submissions"] = [{"session": 424242, "ref": "2.1", "delegation": "Chile", "author": "console:ana",
                                "text": "An input on a session the export does not have.", "status": "current",
                                "created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00"}]
    convene(cli_env, "group", "list")
    before = digest(cli_env["CONVENE_DB"])
    proc = restore_json(cli_env, tmp_path, exported, check=False)
    assert proc.returncode == 1 and "nothing was restored" in proc.stderr and "Traceback" not in proc.stderr
    assert digest(cli_env["CONVENE_DB"]) == before
    assert "again" not in convene(cli_env, "group", "list").stdout


@pytest.mark.parametrize("change, where", [
    (lambda d: d["members"].append({"user": "console:x", "delegation": "\u202eelihC", "role": "delegate"}),
     "members[0].delegation: A delegation cannot contain"),
    (lambda d: d["members"].append({"user": "console:x", "delegation": "Chi\nle", "role": "delegate"}),
     "members[0].delegation: A delegation is one line"),
    (lambda d: d["members"].append({"user": "console:x", "delegation": "=cmd|'/c calc'!A1", "role": "delegate"}),
     "members[0].delegation: A delegation's name starts with a letter"),
    (lambda d: d["sessions"][0]["items"][1]["questions"][0].update(text="Why? " * 20_000),
     "sessions[0].items[1].questions[0].text: 100,000 characters; at most 5,000"),
    (lambda d: d["sessions"][0].update(title="Special\u200b Session"), "sessions[0].title: contains invisible"),
    (lambda d: d["group"].update(registration="anyone"), "group.registration: 'anyone' is not one of approval"),
])
def test_json_restores_apply_the_rules_of_chat_to_every_name_and_text(cli_env, tmp_path, exported, change, where):
    change(exported)
    proc = restore_json(cli_env, tmp_path, exported, check=False)
    assert proc.returncode == 1 and where in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "again" not in convene(cli_env, "group", "list").stdout
