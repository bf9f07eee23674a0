"""The coordinators' desk through the command core: status, history, disclosure, roles."""
import re

import pytest

from commands.families import default_registry
from storage import groups as group_store


@pytest.fixture
def desk(bot):
    bot("iam Chile", user="console:cl")
    bot("iam Norway", user="console:no")
    bot("iam Peru", user="console:pe")
    bot("submit 2.6 Chile on 2.6", user="console:cl")
    bot("submit 2.1 --coordinators Chile privately", user="console:cl")
    bot("submit 2.6 Norway on 2.6", user="console:no")
    bot("inputs edit 2.6 Norway revised", user="console:no")
    return bot


def test_status_grid_counts_and_missing(desk):
    out = desk("inputs status", user="console:coord")
    assert "2 of 3 registered delegations have sent input" in out
    assert "Nothing yet: Peru" in out
    assert re.search(r"\n  Chile +2 +2\.1·c, 2\.6\n", out) and re.search(r"\n  Norway +1 +2\.6\n", out)
    assert "2.5: 0 · 2.6: 2" in out                  # readable without runs of spaces (HTML collapses them)


def test_history_shows_every_version_and_who(desk):
    out = desk("inputs history 2.6", user="console:coord")
    assert "Norway (current)" in out and re.search(r"submit +no +13 +Norway on 2\.6", out)
    assert re.search(r"edit +no +14 +Norway revised", out)
    assert "Norway on 2.6" in out and "Norway revised" in out and "Chile (current)" in out
    own = desk("inputs history 2.6", user="console:cl")
    assert "Chile" in own and "Norway" not in own


def test_disclosure_group_and_coordinators_only(desk):
    delegate_view = desk("inputs question 2.1", user="console:no")
    assert "Chile privately" not in delegate_view and "1 more input is for the coordinators only" in delegate_view
    assert "Chile privately" in desk("inputs question 2.1", user="console:coord")
    assert "Chile privately" in desk("inputs question 2.1", user="console:cl")   # their own
    assert "Norway revised" in desk("inputs question 2.6", user="console:pe")


def test_roles_coordinator_add_remove_member_registration(desk, db, seeded):
    assert "Only coordinators" in desk("coordinator add @no", user="console:cl")
    assert "now a coordinator" in desk("coordinator add @no", user="console:coord")
    assert group_store.member(db, seeded.id, "console:no").is_coordinator
    assert "no longer" in desk("coordinator remove @no", user="console:coord")
    assert "last coordinator" in desk("coordinator remove @coord", user="console:coord")
    assert "mention" in desk("coordinator add nobody", user="console:coord")
    desk("member @pe Peru (Republic of)", user="console:coord")
    assert group_store.member(db, seeded.id, "console:pe").delegation == "Peru (Republic of)"
    desk("registration lock", user="console:coord")
    locked = desk("iam Chile", user="console:new")
    assert "closed" in locked and group_store.member(db, seeded.id, "console:new") is None
    assert "Only coordinators change how people register" in desk("registration open", user="console:cl")
    desk("registration open", user="console:coord")
    assert "Chile already has members here" in desk("iam Chile", user="console:new")
    assert "Approved" in desk("registration approve 1", user="console:cl")     # a member of Chile approves
    assert group_store.member(db, seeded.id, "console:new").delegation == "Chile"


def test_delegate_cannot_touch_other_delegations_input(desk, db, seeded):
    """Peru has nothing on 2.6; Chile and Norway have. Whatever Peru's delegate asks, their inputs stay as they were:
    each verb acts on the asker's own delegation only (and says so exactly)."""
    from storage import submissions as sub_store

    def others():
        return sorted((s.delegation, s.status, s.text) for s in sub_store.of_group(db, seeded.id)
                      if s.delegation != "Peru")
    before = others()
    assert before == [("Chile", "current", "Chile on 2.6"), ("Chile", "current", "Chile privately"),
                      ("Norway", "current", "Norway revised")]
    assert desk("inputs withdraw 2.6", user="console:pe") == "Peru has no input on #1 · 2.6 to withdraw."
    assert desk("inputs edit 2.6 Hijacked", user="console:pe").startswith("Peru has no input on #1 · 2.6")
    # append with nothing to add to starts Peru's own input, never someone else's
    assert desk("inputs append 2.6 Hijacked", user="console:pe").startswith(
        "Received\n  Peru on #1 Special Session on International Cooper… · 2.6 — 8 characters")
    assert others() == before


def test_export_reply_carries_a_file_built_later(desk, db):
    reply = desk.reply("inputs export docx", user="console:coord")
    assert reply.ok and reply.files[0].content is None
    data = reply.files[0].materialize(db)
    assert data[:2] == b"PK" and reply.files[0].filename == "cg-session-1-inputs.docx"
    assert "not an export format" in desk("inputs export pdf", user="console:coord")
    ics = desk.reply("agenda ics")
    assert ics.ok and ics.files[0].content.startswith(b"BEGIN:VCALENDAR")


COORDINATOR_COMMANDS = sorted({c.name for c in default_registry().all() if c.coordinator})
EXAMPLES = {
    "session list": "session list", "reminders": "reminders session 1h",
    "deadline": "deadline 2030-01-01 10:00", "reschedule": "reschedule #1 2030-01-01 10:00",
    "late": "late refuse", "status": "inputs status", "export": "inputs export docx",
    "coordinator add": "coordinator add @pe", "coordinator remove": "coordinator remove @coord",
    "member": "member @pe Chile", "feed": "feed share on",
    "session rename": "session rename #1 Renamed", "group rename": "group rename Renamed group",
    "group timezone": "group timezone America/New_York", "list close": "list close WP.15",
    "list open": "list open WP.15", "audit": "audit", "session remove": "session remove #1 confirm",
    "list remove": "list remove WP.15 confirm", "group unbind": "group unbind", "member remove": "member remove @cl",
    "item edit": "item edit 2 title Renamed", "item add": "item add after 1 Extra", "item remove": "item remove 5",
    "item move": "item move 3 after 1", "question add": "question add 2 Why?", "question edit": "question edit 2.1 Why?",
    "question remove": "question remove 2.1 confirm", "session date": "session date 2010-06-26",
    # the Chair's controls of the speakers' list, and delegations' categories
    "open": "floor open 2", "next item": "floor next item", "close": "floor close", "reopen": "floor reopen",
    "next": "floor next", "add": "floor add Chile", "move": "floor move Chile 1", "remove": "floor remove Chile",
    "give": "floor give Chile", "order": "floor order lot", "limit": "floor limit party 3",
    "roster category": "roster category Chile observer", "roster label": "roster label party Member State",
    # who may record the notes of the session
    "rapporteur add": "rapporteur add @pe", "rapporteur remove": "rapporteur remove @coord",
}


def example_line(name: str) -> str:
    return EXAMPLES[name]


def test_every_coordinator_command_has_a_permission_example():
    assert set(COORDINATOR_COMMANDS) == set(EXAMPLES)


@pytest.mark.parametrize("name", COORDINATOR_COMMANDS)
def test_coordinator_commands_refused_for_delegates_at_the_console(desk, db, seeded, name):
    before = group_store.group_by_id(db, seeded.id)
    reply = desk.reply(example_line(name), user="console:pe")
    assert not reply.ok and "Only coordinators" in reply.plain()
    assert group_store.group_by_id(db, seeded.id) == before


def test_visibility_is_sticky_and_changes_only_on_purpose(desk, db, seeded):
    from storage import submissions as sub_store

    def disclosure():
        return {s.question_id: s for s in sub_store.of_group(db, seeded.id) if s.delegation == "Chile"}
    chile_21 = [s for s in disclosure().values() if s.text == "Chile privately"][0]
    assert chile_21.disclosure == "coordinators"
    # A colleague re-submits without the flag: it stays coordinators-only, and the receipt says so.
    out = desk("submit 2.1 Chile revised", user="console:cl")
    assert "Visible to the coordinators only (inputs visibility 2.1 group shares it with the group)." in out
    assert disclosure()[chile_21.question_id].disclosure == "coordinators"
    desk("inputs edit 2.1 Chile edited", user="console:cl")
    assert disclosure()[chile_21.question_id].disclosure == "coordinators"
    # Only on purpose, and recorded in the history.
    assert desk("inputs visibility 2.1 group", user="console:cl").startswith(
        "Chile on #1 Special Session on International Cooper… · 2.1: now visible to the whole group.")
    assert disclosure()[chile_21.question_id].disclosure == "group"
    assert "Visible to the group." in desk("submit 2.1 Chile final", user="console:cl")
    assert [h.action for h in sub_store.history(db, chile_21.id)][-2:] == ["visibility:group", "replace"]
    assert "Say who may read it" in desk("inputs visibility 2.1 everyone", user="console:cl")


def test_the_compilation_comes_in_a_public_and_a_full_edition(desk, db):
    public = desk.reply("inputs export md", user="console:coord")
    full = desk.reply("inputs export md full", user="console:coord")
    assert public.files[0].filename == "cg-session-1-inputs.md"
    assert full.files[0].filename == "cg-session-1-inputs-full.md"
    public_md = public.files[0].materialize(db).decode()
    full_md = full.files[0].materialize(db).decode()
    assert "Chile privately" not in public_md and "Restricted" not in public_md
    assert "_Public edition: 1 input for the coordinators only is not included._" in public_md
    assert "Chile privately" in full_md
    assert full_md.startswith("> **Restricted — contains coordinators-only inputs.** Do not forward outside the "
                              "coordinators.")


def test_the_full_docx_says_restricted_on_every_page_and_the_cli_defaults_to_public(desk, db, seeded, db_path, capsys):
    import io

    from docx import Document

    from bot.cli import main
    full = desk.reply("inputs export docx full", user="console:coord").files[0].materialize(db)
    doc = Document(io.BytesIO(full))
    assert doc.sections[0].header.paragraphs[0].text == "RESTRICTED — CONTAINS COORDINATORS-ONLY INPUTS"
    public = Document(io.BytesIO(desk.reply("inputs export docx", user="console:coord").files[0].materialize(db)))
    assert public.sections[0].header.paragraphs[0].text == ""
    assert "Chile privately" not in "\n".join(p.text for p in public.paragraphs)
    assert main(["--db", str(db_path), "export", "cg", "--format", "md", "-o", "-"]) == 0
    assert "Chile privately" not in capsys.readouterr().out
    assert main(["--db", str(db_path), "export", "cg", "--format", "md", "--edition", "full", "-o", "-"]) == 0
    assert "Chile privately" in capsys.readouterr().out


def test_setup_changes_are_made_and_audited(desk, db, seeded):
    coord = dict(user="console:coord")
    assert desk("session rename #1 Intersessional meeting on cooperation", **coord) == (
        "Session #1 is now called “Intersessional meeting on cooperation”.")
    assert desk("group rename Cooperation contact group", **coord) == (
        "This group is now called Cooperation contact group (slug cg, unchanged).")
    assert desk("group timezone Mars/Olympus", **coord) == (
        "'Mars/Olympus' is not a time zone I know: use an IANA name such as Europe/Zurich")
    assert desk("group timezone America/New_York", **coord).startswith("Sessions imported from now on use America")
    assert desk("list close WP.15", **coord).startswith("WP.15 is closed for input")
    assert "There is no open question list" in desk("submit f Too late", user="console:cl")
    desk("list open WP.15", **coord)
    audit = desk("audit", **coord)
    lines = [ln for ln in audit.split("\n") if " · " in ln]
    assert [ln.split(" · ")[2] for ln in lines if ln.split(" · ")[2] != "registration"] == [
        "list open", "list close", "group timezone", "group rename", "session rename"]
    assert "#1: “Special Session on International Cooperation and Assistance” → “Intersessional meeting on " \
           "cooperation”" in audit


def test_removals_refuse_to_destroy_inputs_unless_confirmed(desk, db, seeded, db_path, tmp_path):
    from bot.cli import main
    from storage import agenda as agenda_store
    from storage import submissions as sub_store
    coord = dict(user="console:coord")
    before = sub_store.count(db, seeded.id)
    assert desk("session remove #1", **coord) == (
        "Session #1 “Special Session on International Cooperation and Assistance” has 3 inputs from 2 delegations: "
        "removing it deletes them for good. Export the compilation first if you need it; to remove it with its "
        "inputs, add 'confirm'.")
    assert sub_store.count(db, seeded.id) == before and agenda_store.session_by_id(db, 1) is not None
    assert desk("list close", **coord) == "Say which question list, by its name or symbol (for example WP.15)."
    assert desk("list remove <b>nope</b>", **coord) == "There is no question list called <b>nope</b> (lists: WP.15)."
    assert desk("list remove WP.15", **coord) == "Question list WP.15 is removed."          # it had no inputs
    assert desk("member remove @coord", **coord) == ("That is the last coordinator of this group: make someone else "
                                                      "a coordinator first.")
    assert desk("member remove @no", **coord).endswith("is no longer a member of Contact Group on Cooperation; what "
                                                        "their delegation sent stays.")
    assert sub_store.count(db, seeded.id) == before
    # The CLI: refused the same way; with --confirm it keeps the database as it was beside it, then removes.
    assert main(["--db", str(db_path), "session", "remove", "cg", "--session", "1"]) == 1
    assert agenda_store.session_by_id(db, 1) is not None
    assert list(db_path.parent.glob("convene.db.before-*")) == []          # refused: nothing written either
    assert main(["--db", str(db_path), "session", "remove", "cg", "--session", "1", "--confirm"]) == 0
    assert agenda_store.session_by_id(db, 1) is None and sub_store.count(db, seeded.id) == 0
    [saved] = list(db_path.parent.glob("convene.db.before-session-remove-*"))
    from storage import open_db
    kept = open_db(saved)
    assert sub_store.count(kept, seeded.id) == before
    kept.close()
    audit = desk("audit", **coord)
    assert [ln.split(" · ")[2] for ln in audit.split("\n") if " · " in ln][:3] == [
        "session remove", "member remove", "list remove"]
    assert desk("group unbind", **coord) == ("This room is no longer a room of Contact Group on Cooperation; the "
                                             "group, its sessions and inputs stay.")


def test_status_of_60_delegations_and_40_questions_is_a_summary_and_a_csv_grid(db, clock):
    """Readable at scale: the reply summarises, the whole grid comes as a CSV file (in Slack, to the DM)."""
    import csv
    import io
    from datetime import datetime
    from commands.importers.model import ParsedDocument, ParsedItem, ParsedSession
    from commands.importers.apply import import_document
    from storage import submissions as sub_store
    from storage import agenda as agenda_store
    from tests.conftest import Bot
    g = group_store.create_group(db, "big", "Big group", registration="open")
    group_store.bind_room(db, g.id, "console:main")
    group_store.set_coordinator(db, g.id, "console:coord", True)
    import_document(db, g, ParsedDocument(sessions=[ParsedSession(
        key="big", title="Big session", start=datetime(2030, 3, 3, 10), end=datetime(2030, 3, 3, 13),
        timezone="Europe/Zurich",
        items=[ParsedItem(number=str(i), title=f"Item {i}", questions=[f"Question {i}.{n}?" for n in range(1, 11)])
               for i in range(1, 5)])]))
    qs = agenda_store.questions_of_session(db, 1)
    for d in range(60):
        group_store.set_delegation(db, g.id, f"console:d{d}", f"Delegation {d:02d}")
        for q in qs[: d % 41]:
            sub_store.submit(db, group_id=g.id, question_id=q.id, delegation=f"Delegation {d:02d}",
                             author=f"console:d{d}", text="x")
    reply = Bot(db, clock).reply("inputs status", user="console:coord")
    text = reply.plain()
    assert len(text.split("\n")) < 25
    assert "1 delegation answered every question, 57 delegations some, 2 delegations none yet." in text
    assert "58 of 60 registered delegations have sent input\n  Nothing yet: Delegation 00, Delegation 41" in text
    assert "10 more questions are in the attached CSV file and in the export." in text
    [f] = reply.files
    assert f.filename == "big-session-1-status.csv"
    rows = list(csv.reader(io.StringIO(f.content.decode("utf-8-sig"))))
    assert len(rows) == 61 and len(rows[0]) == 42 and rows[0][:3] == ["Delegation", "Inputs", "1.1"]
    assert rows[2][:4] == ["Delegation 01", "1", "x", ""]
