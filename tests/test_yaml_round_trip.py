"""Correct what the reader got wrong without retyping (issue 13, item 5): export a session as YAML, edit it, import it
again — the session is updated in place, and export → import → export gives the same file. Through the CLI."""
from tests.conftest import SEED_AGENDA, SEED_PAPER
from tests.test_cli import convene

PROGRAMME = SEED_AGENDA.parent / "intersessional_programme.txt"


def export(env, tmp_path, name, *extra):
    target = tmp_path / name
    convene(env, "export", "cg", "--format", "yaml", *extra, "-o", str(target))
    return target.read_text(encoding="utf-8")


def test_export_import_export_is_exact_and_updates_in_place(cli_env, tmp_path):
    env = cli_env
    convene(env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    convene(env, "import", str(SEED_AGENDA), "--group", "cg", "--start", "2030-06-25T10:00")
    convene(env, "session", "deadline", "cg", "2030-06-20T17:00", "--session", "1")
    convene(env, "console", "--group", "cg", "--user", "ana", stdin="iam Chile\nsubmit 2.6 Coherence matters.\n")
    first = export(env, tmp_path, "s1.yaml", "--session", "1")
    assert first.startswith("# CG: exported by Convene") and "key: " in first and "deadline: 2030-06-20 17:00" in first
    edited = tmp_path / "edited.yaml"
    edited.write_text(first.replace("Introductory remarks & overview", "Opening remarks & overview"), encoding="utf-8")
    out = convene(env, "import", str(edited), "--group", "cg").stdout
    assert out.startswith("updated session #1")
    assert convene(env, "session", "list", "cg").stdout.count("\n") == 1
    second = export(env, tmp_path, "s2.yaml", "--session", "1")
    assert second == first.replace("Introductory remarks & overview", "Opening remarks & overview")
    convene(env, "import", str(tmp_path / "s2.yaml"), "--group", "cg")
    assert export(env, tmp_path, "s3.yaml", "--session", "1") == second
    mine = convene(env, "console", "--group", "cg", "--user", "ana", stdin="inputs mine\n").stdout
    assert "2.6" in mine and "Coherence matters." in mine           # the input stayed with its question


def test_a_whole_programme_with_breaks_and_lists_round_trips(cli_env, tmp_path):
    env = cli_env
    convene(env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    convene(env, "import", str(PROGRAMME), "--group", "cg", "--date", "2010-06-21")
    convene(env, "import", str(SEED_PAPER), "--group", "cg")
    first = export(env, tmp_path, "all.yaml")
    assert "break: Coffee break" in first and "sessions:" in first and "lists:" in first
    convene(env, "import", str(tmp_path / "all.yaml"), "--group", "cg")
    assert export(env, tmp_path, "again.yaml") == first
    assert len(convene(env, "session", "list", "cg").stdout.splitlines()) == 2
