"""No traceback reaches a person: a table of bad inputs through the real CLI. Each ends with exit status 1,
one line on standard error naming the problem, no traceback, and the database unchanged."""
import json
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, SEED_AGENDA
from tests.test_cli import convene

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def restore_doc(**changes):
    doc = {"format": "convene-group", "version": 1,
           "group": {"slug": "restored", "name": "Restored", "timezone": "Europe/Zurich", "registration": "open",
                     "late_policy": "accept", "reminders": {"session": "1d,1h", "deadline": "3d"}, "rooms": []},
           "sessions": [{"id": 1, "key": "k", "title": "S", "start": "2030-06-25T10:00:00+02:00",
                         "end": "2030-06-25T13:00:00+02:00", "timezone": "Europe/Zurich", "items": []}],
           "question_lists": [], "members": [], "submissions": []}
    for path, value in changes.items():
        target = doc
        keys = path.split(".")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        target[keys[-1]] = value
    return json.dumps(doc)


CASES = [
    ("yaml items: 5", ("import", "{f}", "--group", "cg"), ("bad.yaml", "title: T\ndate: 2030-01-01\nstart: '10:00'\nitems: 5\n"),
     "items"),
    ("yaml title list", ("import", "{f}", "--group", "cg"), ("bad.yaml", "title: [1, 2]\ndate: 2030-01-01\nitems: []\n"),
     "title"),
    ("yaml billion laughs", ("import", "{f}", "--group", "cg"), ("laughs.yaml", BILLION_LAUGHS), "alias"),
    ("a device", ("import", "/dev/zero", "--group", "cg"), None, "not a regular file"),
    ("a folder", ("import", "/tmp", "--group", "cg"), None, "folder"),
    ("empty group name", ("group", "create", "x1", "--name", ""), None, "name"),
    ("multi-line group name", ("group", "create", "x2", "--name", "A\nB"), None, "one line"),
    ("huge group name", ("group", "create", "x3", "--name", "N" * 100_000), None, "characters long"),
    ("far-future move", ("session", "move", "cg", "9999-12-31T22:00", "--session", "1"), None, "year"),
    ("far-future deadline", ("session", "deadline", "cg", "9999-12-31T23:30", "--session", "1"), None, "year"),
    ("restore: unknown zone", ("import", "{f}"), ("r.json", restore_doc(**{"sessions.0.timezone": "Mars/Olympus_Mons"})),
     "sessions[0].timezone: unknown zone 'Mars/Olympus_Mons'"),
    ("restore: bad status", ("import", "{f}"), ("r.json", restore_doc(**{"group.registration": "anarchy"})),
     "group.registration"),
    ("restore: bad slug", ("import", "{f}"), ("r.json", restore_doc(**{"group.slug": "Not A Slug!"})), "group.slug"),
    ("restore: bad offsets", ("import", "{f}"), ("r.json", restore_doc(**{"group.reminders": {"session": "5x"}})),
     "group.reminders.session"),
    ("restore: year 0", ("import", "{f}"), ("r.json", restore_doc(**{"sessions.0.start": "0000-01-01T00:00:00+00:00"})),
     "sessions[0].start"),
    ("restore: name with newline", ("import", "{f}"), ("r.json", restore_doc(**{"group.name": "A\nB"})), "group.name"),
    ("restore: not an object", ("import", "{f}"), ("r.json", "[1, 2, 3]"), "Convene group export"),
    ("restore: deep nesting", ("import", "{f}"), ("r.json", "[" * 100_000 + "]" * 100_000), "JSON"),
]


def dump(path) -> list[str]:
    """Every row of every table (the database's whole content), to compare before and after."""
    import sqlite3
    con = sqlite3.connect(path)
    try:
        return [ln for ln in con.iterdump() if "sqlite_sequence" not in ln]
    finally:
        con.close()


@pytest.mark.parametrize("name, args, file, message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line_and_changes_nothing(cli_env, tmp_path, name, args, file, message):
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    convene(cli_env, "import", str(SEED_AGENDA), "--group", "cg", "--start", "2030-06-25T10:00")
    before = dump(cli_env["CONVENE_DB"])
    path = None
    if file:
        path = tmp_path / file[0]
        path.write_text(file[1], encoding="utf-8")
    argv = [a.replace("{f}", str(path)) for a in args]
    t = time.monotonic()
    proc = convene(cli_env, *argv, check=False)
    assert time.monotonic() - t < 20
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr and len(err.splitlines()) == 1, proc.stderr[-2000:]
    assert message in err, err
    assert dump(cli_env["CONVENE_DB"]) == before


def test_damaged_and_empty_database_files_are_refused(tmp_path, cli_env):
    for name, content in (("empty.db", b""), ("junk.db", b"not a database at all" * 100)):
        path = tmp_path / name
        path.write_bytes(content)
        proc = convene(dict(cli_env, CONVENE_DB=str(path)), "group", "list", check=False)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        assert path.read_bytes() == content                     # not silently re-created
    assert "empty" in convene(dict(cli_env, CONVENE_DB=str(tmp_path / "empty.db")), "group", "list",
                              check=False).stderr


def test_utf16_text_documents_import(cli_env, tmp_path):
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    path = tmp_path / "agenda-utf16.txt"
    path.write_bytes(SEED_AGENDA.read_text(encoding="utf-8").encode("utf-16"))
    out = convene(cli_env, "import", str(path), "--group", "cg").stdout
    assert "Special Session on International Cooperation and Assistance" in out and "14 questions" in out


def test_output_piped_into_head_is_not_a_traceback(cli_env):
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    convene(cli_env, "import", str(SEED_AGENDA), "--group", "cg")
    proc = subprocess.run(f"{sys.executable} -m bot export cg --format json -o - | head -c 10", shell=True,
                          capture_output=True, text=True, env=cli_env, cwd=ROOT, timeout=60)
    assert proc.stdout == '{\n  "forma' and "Traceback" not in proc.stderr


def test_multi_line_titles_from_yaml_are_refused(cli_env, tmp_path):
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    bad = tmp_path / "multi.yaml"
    bad.write_text("title: |\n  First line\n  <!channel> second line\ndate: 2030-01-01\nstart: '10:00'\nend: '11:00'\n"
                   "items:\n  - title: One\n", encoding="utf-8")
    proc = convene(cli_env, "import", str(bad), "--group", "cg", check=False)
    assert proc.returncode == 1 and "session 1 title: must be one line" in proc.stderr
    assert "Traceback" not in proc.stderr
