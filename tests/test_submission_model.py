"""One submission model (issue 11, item 3): question lists belong to a session or carry their own deadline, and one
definition of "has submitted" serves the status, the nudges, the status post and the compilation."""
from commands.exports import render
from commands.importers.apply import import_document
from commands.importers.model import ParsedDocument, ParsedList
from storage import groups as group_store
from tests.conftest import Bot
from tests.test_reminders import local, make_session, sync, world  # noqa: F401,F811  (the fixture)
from tests.test_cli import convene

PAPER = ParsedList(name="Questions for written input", symbol="APLC/CG/2026/WP.15", short="WP.15",
                   questions=[("a", "What has your delegation done?"), ("b", "What should come next?")])


def setup(db, g, clock):
    s = make_session(db, g, "2026-12-10 10:00")
    import_document(db, g, ParsedDocument(lists=[PAPER]))
    bot = Bot(db, clock, room="slack:C0RM")
    for user, delegation in (("slack:U1", "Chile"), ("slack:U2", "Peru"), ("slack:U3", "Kenya")):
        bot(f"iam {delegation}", user=user, platform="slack")
    return s, bot


def coord(bot, line):
    return bot.reply(line, user="slack:U0COORD", platform="slack")


def test_list_inputs_count_for_the_session_the_list_belongs_to(db, world):
    g, clock, rec, sched = world
    s, bot = setup(db, g, clock)
    assert coord(bot, "deadline 2026-12-08 17:00").ok
    set_ = coord(bot, "deadline WP.15 #1")
    assert set_.ok and "Written input on the question list WP.15 is due Tue 8 Dec 2026 17:00 Geneva time — it belongs to #1." in set_.plain()
    assert bot.reply("submit WP.15:a We cleared 40 km².", user="slack:U1", platform="slack").ok       # Chile: list
    assert bot.reply("submit 2.1 Faster disbursement.", user="slack:U2", platform="slack").ok         # Peru: agenda
    status = coord(bot, "inputs status").plain()
    assert "2 of 3 registered delegations have sent input" in status
    assert "Nothing yet: Kenya" in status and "WP.15:a: 1" in status
    # The nudges a day before the deadline go to Kenya only; the coordinators' status names Kenya only.
    clock.set(local("2026-12-07 17:00"))
    sync(sched)
    nudged = {t for t, r in rec.delivered if "has not sent written input" in r.plain()}
    assert nudged == {"slack:U3"}
    [summary] = [r.plain() for t, r in rec.delivered if t == "slack:U0COORD"]
    assert "2 of 3" in summary and "Not yet: Kenya" in summary
    # The compilation agrees: only Kenya is registered without input (named in the full edition only), and the
    # list's answers are in it.
    md = render(db, group_store.group_by_id(db, g.id), "md", s, clock.now, edition="full").content.decode()
    assert "registered without input: Kenya." in md and "We cleared 40 km²." in md
    public = render(db, group_store.group_by_id(db, g.id), "md", s, clock.now).content.decode()
    assert "We cleared 40 km²." in public and "without input" not in public and "Kenya" not in public


def test_a_list_with_its_own_deadline_follows_the_late_policy(db, world):
    g, clock, rec, sched = world
    s, bot = setup(db, g, clock)
    assert coord(bot, "deadline WP.15 2026-12-05 12:00").ok
    assert "Written input on the question list WP.15 is due Sat 5 Dec 2026 12:00 Geneva time." in coord(bot, "deadline").plain()
    clock.set(local("2026-12-05 12:01"))
    late = bot.reply("submit WP.15:b Next: a review.", user="slack:U1", platform="slack")
    assert late.ok and "Late:" in late.plain()
    [(to, note)] = late.notices
    assert to == "slack:U0COORD" and "Late input: Chile on WP.15:b" in note.plain()
    coord(bot, "late refuse")
    refused = bot.reply("inputs withdraw WP.15:b", user="slack:U1", platform="slack")
    assert not refused.ok and "the list WP.15 has passed" in refused.plain() and "Nothing was changed" in refused.plain()
    grid = coord(bot, "inputs status WP.15").plain()
    assert "Question list WP.15 (APLC/CG/2026/WP.15)" in grid and "1 of 3 registered delegations has sent input" in grid


def test_a_late_withdrawal_is_reported_to_the_coordinators(db, world):
    g, clock, rec, sched = world
    s, bot = setup(db, g, clock)
    coord(bot, "deadline 2026-12-08 17:00")
    assert bot.reply("submit 2.1 First thoughts.", user="slack:U1", platform="slack").ok
    clock.set(local("2026-12-08 18:00"))
    out = bot.reply("inputs withdraw 2.1", user="slack:U1", platform="slack")
    assert out.ok
    [(to, note)] = out.notices
    assert to == "slack:U0COORD" and "Late withdrawal: Chile on #1 Contact group meeting · 2.1" in note.plain()


def test_a_closed_list_takes_no_input(db, world):
    g, clock, rec, sched = world
    s, bot = setup(db, g, clock)
    coord(bot, "list close WP.15")
    out = bot.reply("submit WP.15:a Too late.", user="slack:U1", platform="slack")
    assert not out.ok and "The question list WP.15 is closed" in out.plain()


def test_cli_sets_a_list_deadline(cli_env, tmp_path):
    from tests.conftest import SEED_PAPER
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    convene(cli_env, "import", str(SEED_PAPER), "--group", "cg")
    out = convene(cli_env, "deadline", "WP.15", "2030-01-10T17:00").stdout
    assert out.strip() == "cg WP.15: due 2030-01-10T17:00:00+01:00"
    assert convene(cli_env, "deadline", "WP.15", "off").stdout.strip() == "cg WP.15: no deadline"
    bad = convene(cli_env, "deadline", "WP.99", "off", check=False)
    assert bad.returncode == 1 and "no group has a question list WP.99" in bad.stderr


def test_a_list_with_its_own_deadline_has_its_own_nudges_and_status(db, world):
    """Before a list's own deadline: the delegations that have not answered the list are nudged (once per offset),
    and the coordinators get its status; a delegation that answered is left alone."""
    g, clock, rec, sched = world
    s, bot = setup(db, g, clock)
    assert coord(bot, "deadline WP.15 2026-12-05 12:00").ok
    assert "list WP.15 → delegations not yet in" in coord(bot, "upcoming").plain()
    assert bot.reply("submit WP.15:a Done.", user="slack:U1", platform="slack").ok          # Chile answered
    clock.set(local("2026-12-04 12:00"))                                                  # 1d before
    sync(sched)
    nudged = sorted(t for t, r in rec.delivered if "has not answered the question list WP.15" in r.plain())
    assert nudged == ["slack:U2", "slack:U3"]
    [summary] = [r.plain() for t, r in rec.delivered if t == "slack:U0COORD"]
    assert "1 of 3" in summary and "Not yet: Kenya, Peru" in summary
    sync(sched)
    assert len([1 for t, r in rec.delivered if "WP.15" in r.plain()]) == 3                 # nothing sent twice
