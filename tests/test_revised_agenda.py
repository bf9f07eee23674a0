"""A revised agenda never moves an answer to another question (issue 11, item 1), walked through the CLI and the
console as real processes: questions inserted, removed, reworded (a little and a lot) and reordered, each with
an input, and the compilation read back."""
import json
import sqlite3

import pytest

from tests.test_cli import convene

FIRST = """\
title: Contact Group on Resource Mobilization
date: 2027-03-03
start: "10:00"
end: "12:00"
items:
  - number: 1
    title: Opening
    start: "10:00"
  - number: 2
    title: Funding mechanisms
    start: "10:15"
    questions:
      - How can the flow of funds be made faster?
      - Which mechanisms favour national ownership?
      - What role should regional organisations play in mobilising resources?
      - How should progress be reported to the States Parties?
"""

REVISED = """\
title: Contact Group on Resource Mobilization
date: 2027-03-03
start: "10:00"
end: "12:00"
items:
  - number: 1
    title: Opening
    start: "10:00"
  - number: 2
    title: Funding mechanisms
    start: "10:15"
    questions:
      - How should progress be reported to the States Parties?
      - Which mechanisms best favour national ownership?
      - What partnerships with the private sector could be explored?
      - What role should regional and sub-regional organisations play in mobilising new resources for mine action?
"""

ANSWERS = {"Chile": ("2.1", "Chile: pooled funds move faster."),
           "Peru": ("2.2", "Peru: national platforms."),
           "Norway": ("2.3", "Norway: regional bodies matter."),
           "Kenya": ("2.4", "Kenya: report yearly.")}


@pytest.fixture
def answered(cli_env, tmp_path):
    convene(cli_env, "group", "create", "rm", "--name", "Resource Mobilization", "--tz", "Europe/Zurich", "--registration", "open")
    convene(cli_env, "group", "bind", "rm", "console:main")
    convene(cli_env, "group", "coordinator", "rm", "console:coord")
    first = tmp_path / "agenda.yaml"
    first.write_text(FIRST)
    convene(cli_env, "import", str(first), "--group", "rm")
    for delegation, (ref, text) in ANSWERS.items():
        out = convene(cli_env, "console", "--group", "rm", "--user", delegation.lower(),
                      stdin=f"iam {delegation}\nsubmit {ref} {text}\n").stdout
        assert "Received" in out, out
    revised = tmp_path / "revised.yaml"
    revised.write_text(REVISED)
    return cli_env, revised


def _db_rows(env):
    con = sqlite3.connect(env["CONVENE_DB"])
    try:
        return (con.execute("SELECT id, ref, text, retired_at IS NULL FROM questions ORDER BY id").fetchall(),
                con.execute("SELECT question_id, delegation, text FROM submissions ORDER BY id").fetchall())
    finally:
        con.close()


def test_dry_run_shows_every_change_with_its_inputs_and_changes_nothing(answered):
    env, revised = answered
    before = _db_rows(env)
    out = convene(env, "import", str(revised), "--group", "rm", "--dry-run").stdout
    assert "Dry run: nothing was changed" in out
    assert "      2.3 What partnerships with the private sector could be explored?" in out   # the preview
    changes = out[out.index("Changes to what is stored:"):].splitlines()
    assert changes[1].strip() == "#1 Contact Group on Resource Mobilization: 5 question changes"
    body = "\n".join(changes)
    assert "moved 2.4 → 2.1 “How should progress be reported to the States Parties?” (1 input)" in body
    assert ("reworded 2.2 (similarity 0.94, 1 input): “Which mechanisms favour national ownership?” → “Which "
            "mechanisms best favour national ownership?”; small rewording: keeps its inputs") in body
    assert "reworded 2.3 → 2.4 (similarity 0.79, 1 input)" in body
    assert "a different question: the old one is withdrawn with its inputs, the new one starts empty" in body
    assert "added 2.3 “What partnerships with the private sector could be explored?”" in body
    assert ("removed 2.1 “How can the flow of funds be made faster?” (1 input): withdrawn from the agenda; its "
            "inputs stay with it") in body
    assert _db_rows(env) == before


def test_answered_questions_leave_the_agenda_only_when_accepted(answered, tmp_path):
    env, revised = answered
    before = _db_rows(env)
    refused = convene(env, "import", str(revised), "--group", "rm", check=False)
    assert refused.returncode == 1
    assert "nothing was changed. 2 of these changes take answered questions off the agenda" in refused.stderr
    assert "--accept-changes" in refused.stderr
    assert "removed 2.1" in refused.stdout
    assert _db_rows(env) == before

    out = convene(env, "import", str(revised), "--group", "rm", "--accept-changes").stdout
    assert "updated session #1" in out and "4 questions" in out
    convene(env, "export", "rm", "--format", "md", "--session", "1", "-o", str(tmp_path / "c.md"))
    md = (tmp_path / "c.md").read_text(encoding="utf-8").replace("\\", "")   # Markdown escapes off
    current, withdrawn = md.split("## Questions withdrawn from the agenda")

    def under(text, heading):
        part = text.split(f"### Question {heading}\n", 1)[1]
        return part.split("### Question", 1)[0]

    assert "How should progress be reported" in under(current, "2.1") and "Kenya: report yearly." in under(current, "2.1")
    assert "Which mechanisms best favour national ownership?" in under(current, "2.2")
    assert "Peru: national platforms." in under(current, "2.2")
    assert "No written input received." in under(current, "2.3")
    assert "sub-regional" in under(current, "2.4") and "No written input received." in under(current, "2.4")
    for text in ("Chile: pooled funds", "Norway: regional bodies"):
        assert text not in current
    assert "earlier version of the agenda" in withdrawn
    assert "How can the flow of funds be made faster?" in under(withdrawn, "2.1 (withdrawn)")
    assert "Chile: pooled funds move faster." in under(withdrawn, "2.1 (withdrawn)")
    assert "What role should regional organisations play" in under(withdrawn, "2.3 (withdrawn)")
    assert "Norway: regional bodies matter." in under(withdrawn, "2.3 (withdrawn)")

    # The small rewording kept Peru's input and the history keeps the old text.
    hist = convene(env, "console", "--group", "rm", "--user", "coord", stdin="inputs history 2.2\n").stdout
    assert "Earlier wordings of this question" in hist and "Which mechanisms favour national ownership?" in hist
    # Nothing answers the withdrawn questions any more; a delegate's ref means the current question.
    mine = convene(env, "console", "--group", "rm", "--user", "kenya", stdin="inputs mine\n").stdout
    assert "2.1" in mine and "Kenya: report yearly." in mine

    # The JSON backup carries the withdrawn questions and restores them with their inputs.
    convene(env, "export", "rm", "--format", "json", "-o", str(tmp_path / "rm.json"))
    doc = json.loads((tmp_path / "rm.json").read_text(encoding="utf-8"))
    assert [q["ref"] for q in doc["sessions"][0]["retired_questions"]] == ["2.1", "2.3"]
    assert sorted(s["delegation"] for s in doc["submissions"] if s.get("withdrawn_question")) == ["Chile", "Norway"]


def test_reimport_keeps_a_reschedule_unless_start_is_given(answered, tmp_path):
    env, _ = answered
    convene(env, "session", "move", "rm", "--session", "1", "2027-03-04T14:00")
    first = tmp_path / "agenda.yaml"
    out = convene(env, "import", str(first), "--group", "rm").stdout
    assert "kept the reschedule of #1" in out
    listing = convene(env, "session", "list", "rm").stdout
    assert "2027-03-04T14:00" in listing
    convene(env, "import", str(first), "--group", "rm", "--start", "2027-03-05T09:00")
    assert "2027-03-05T09:00" in convene(env, "session", "list", "rm").stdout
    # A plain re-import keeps it where --start put it.
    convene(env, "import", str(first), "--group", "rm")
    assert "2027-03-05T09:00" in convene(env, "session", "list", "rm").stdout


def test_a_fixed_typo_in_the_title_updates_the_session(answered, tmp_path):
    env, _ = answered
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(FIRST.replace("Resource Mobilization", "Resource Mobilisation"))
    out = convene(env, "import", str(fixed), "--group", "rm", "--dry-run").stdout
    assert "(#1, matched by the same day and a similar title)" in out
    convene(env, "import", str(fixed), "--group", "rm")
    listing = convene(env, "session", "list", "rm").stdout.splitlines()
    assert len(listing) == 1 and "Resource Mobilisation" in listing[0]


def test_chat_import_previews_then_asks_for_confirmation(answered):
    env, revised = answered

    def console(line, user="coord"):
        return convene(env, "console", "--group", "rm", "--user", user, stdin=line + "\n").stdout

    assert "Only coordinators import documents" in console(f"import {revised}", user="chile")
    preview = console(f"import {revised}")
    assert "Preview: revised.yaml → Resource Mobilization" in preview
    assert "removed 2.1" in preview and "2 changes would take answered questions off the agenda" in preview
    assert "import apply 1 confirm" in preview and "import cancel 1" in preview
    # Issue 21: the question is asked once, with both answers (no dangling "Not what you expected?" line).
    assert ("Import it as previewed, or cancel? Nothing is changed until you import it.\n"
            "Import: import apply 1 confirm · cancel: import cancel 1\n") in preview
    assert "Not what you expected" not in preview
    before = _db_rows(env)
    assert "Not imported yet" in console("import apply 1") and _db_rows(env) == before
    assert "Imported: revised.yaml" in console("import apply 1 confirm")
    assert [r[3] for r in _db_rows(env)[0]][:4] == [0, 1, 0, 1]   # 2.1 and 2.3 withdrawn, 2.2 and 2.4 continued
    assert "There is no document waiting as #1" in console("import apply 1 confirm")


def test_a_preview_can_be_cancelled(answered, tmp_path):
    env, revised = answered
    out = convene(env, "console", "--group", "rm", "--user", "coord",
                  stdin=f"import {revised}\nimport cancel 1\nimport apply 1 confirm\n").stdout
    assert "Cancelled: revised.yaml was not imported" in out and "There is no document waiting as #1" in out
    assert [r[3] for r in _db_rows(env)[0]] == [1, 1, 1, 1]


def test_session_names_the_session_a_renamed_document_updates(answered, tmp_path):
    env, _ = answered
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(FIRST.replace("Contact Group on Resource Mobilization", "Resource mobilisation, third meeting")
                       .replace("2027-03-03", "2027-03-10"))
    convene(env, "import", str(renamed), "--group", "rm", "--session", "1")
    listing = convene(env, "session", "list", "rm").stdout.splitlines()
    assert len(listing) == 1 and "Resource mobilisation, third meeting" in listing[0] and "2027-03-10" in listing[0]
    bad = convene(env, "import", str(renamed), "--group", "rm", "--session", "9", check=False)
    assert bad.returncode == 1 and "rm has no session #9" in bad.stderr
