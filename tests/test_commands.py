"""The command core driven as a delegate and a coordinator would, through `handle`."""
from storage import submissions as sub_store
from storage import groups as group_store


def test_agenda_shows_session_items_times_and_presenters(bot):
    out = bot("agenda")
    assert "Special Session on International Cooperation and Assistance" in out
    assert "Friday 25 June 2010 · 10:00–13:00" in out
    assert "10:00  1. Introductory remarks & overview of the purpose of the session" in out
    assert "13:00  6. Special session ends" in out
    assert out.count("Presented by President of the Second Review Conference") == 2
    assert "\n2. International cooperation and assistance: victim assistance" in out   # untimed items: no time column
    assert "\n5. Closing remarks & next steps" in out


def test_agenda_item_lists_its_six_questions_with_refs(bot):
    out = bot("agenda 2")
    for n in range(1, 7):
        assert f"2.{n}" in out
    assert "2.7" not in out


def test_questions_of_item_three_keeps_page_broken_question_whole(bot):
    out = bot("questions 3")
    assert [f"3.{n}" in out for n in range(1, 6)] == [True] * 5
    assert "increase speed of the flow of funds through these mechanisms?" in out
    assert "3.6" not in out


def test_questions_of_working_paper_by_short_symbol(bot):
    out = bot("questions wp.15")
    assert "APLC/MSP.10/2010/WP.15" in out
    for letter in "abcdefghijklmn":
        assert f"WP.15:{letter}" in out
    assert "Taking steps to ensure predictable and sustainable dedicated mine action funding;" in out


def test_submit_requires_delegation_then_is_stored_attributed(bot, db, seeded):
    assert "iam COUNTRY" in bot("submit 2.6 We support coherence")
    assert sub_store.count(db, seeded.id) == 0
    assert "Chile" in bot("iam Chile")
    reply = bot.reply("submit 2.6 We support coherence between both Conventions and R&D")
    assert reply.ok and reply.text.startswith("Received")
    [s] = sub_store.of_group(db, seeded.id)
    assert (s.delegation, s.ref, s.author) == ("Chile", "2.6", "console:ana")
    assert s.text == "We support coherence between both Conventions and R&D"


def test_second_member_of_delegation_matches_case_and_replaces(bot, db, seeded):
    bot("iam Chile")
    asked = bot("iam chile", user="console:bea")           # Chile has a member: they (or a coordinator) approve
    assert "Chile already has members here" in asked
    assert "Approved: bea is registered with Chile." in bot("registration approve 1")
    bot("submit 2.6 first")
    out = bot("submit 2.6 second", user="console:bea")
    assert "replaces" in out
    [s] = sub_store.of_group(db, seeded.id)
    assert s.text == "second" and s.delegation == "Chile" and s.author == "console:bea"
    assert [h.text for h in sub_store.history(db, s.id)] == ["first", "second"]


def test_inputs_mine_edit_append_withdraw_keep_history(bot, db, seeded):
    bot("iam Chile")
    bot("submit 2.6 Part one.")
    bot("inputs append 2.6 Part two.")
    assert "\n  Part one. Part two.  (20 characters)\n" in bot("inputs mine")
    bot("inputs edit 2.6 Rewritten.")
    assert "Rewritten." in bot("inputs mine")
    assert "Withdrawn" in bot("inputs withdraw 2.6")
    assert "not submitted anything" in bot("inputs mine")
    [s] = sub_store.of_group(db, seeded.id)
    assert s.status == "withdrawn"
    assert [h.action for h in sub_store.history(db, s.id)] == ["submit", "append", "edit", "withdraw"]


def test_inputs_of_other_delegation_are_not_touched(bot, db, seeded):
    bot("iam Chile")
    bot("submit 2.6 Chilean text")
    bot("iam Norway", user="console:nils")
    out = bot("inputs edit 2.6 hijack", user="console:nils")
    assert "Norway" in out and "hijack" not in [s.text for s in sub_store.of_group(db, seeded.id)]


def test_unknown_ref_suggests_valid_ones(bot, db, seeded):
    bot("iam Chile")
    reply = bot.reply("submit 2.9 text")
    assert not reply.ok
    assert "2.1–2.6" in reply.plain() and "WP.15" in reply.plain()
    assert sub_store.count(db, seeded.id) == 0


def test_unknown_item_and_list(bot):
    assert not bot.reply("agenda 9").ok
    out = bot("questions WP.99")
    assert "WP.15" in out


def test_empty_and_oversized_input_refused_nothing_saved(bot, db, seeded):
    bot("iam Chile")
    assert "empty" in bot("submit 2.6    ")
    assert "20,000" in bot("submit 2.6 " + "x" * 20_001)
    assert sub_store.count(db, seeded.id) == 0
    assert bot.reply("submit 2.6 " + "x" * 19_990).ok
    assert "20,000" in bot("inputs append 2.6 " + "y" * 20)
    [s] = sub_store.of_group(db, seeded.id)
    assert len(s.text) == 19_990


def test_user_text_stored_raw_without_markup_interpretation(bot, db, seeded):
    bot("iam Chile")
    bot("submit 2.6 <b>bold</b> & @channel <!here>")
    [s] = sub_store.of_group(db, seeded.id)
    assert s.text == "<b>bold</b> & @channel <!here>"


def test_unbound_room_gets_setup_hint(bot):
    reply = bot.reply("agenda", room="console:elsewhere")
    assert not reply.ok and "setup NAME" in reply.plain()


def test_setup_binds_room_and_makes_caller_coordinator(bot, db):
    out = bot("setup Resource Mobilization Contact Group", room="console:new", user="console:zoe")
    assert "resource-mobilization-contact-group" in out
    g = group_store.group_for_room(db, "console:new")
    assert g.name == "Resource Mobilization Contact Group"
    assert group_store.member(db, g.id, "console:zoe").is_coordinator
    assert "already" in bot("setup Another", room="console:new", user="console:zoe")


def test_coordinator_only_commands_refused_for_delegates(bot):
    reply = bot.reply("session list")
    assert not reply.ok and "Only coordinators" in reply.plain()
    assert "#1" in bot("session list", user="console:coord")


def test_iam_never_changes_role(bot, db, seeded):
    bot("iam Norway", user="console:coord")
    m = group_store.member(db, seeded.id, "console:coord")
    assert m.is_coordinator and m.delegation == "Norway"


def test_help_lists_every_command_with_usage(bot):
    from commands.families import default_registry
    out = bot("help")
    for cmd in default_registry().all():
        if cmd.name != "convene":   # the head itself: its subcommands are listed one by one
            assert cmd.usage in out, cmd.usage
    assert "REF is ITEM.N" in bot("help submit")


def test_unknown_command_points_to_help(bot):
    reply = bot.reply("frobnicate")
    assert not reply.ok and "help" in reply.plain()


def test_bare_letter_ref_works_with_one_open_list(bot, db, seeded):
    bot("iam Chile")
    assert bot.reply("submit f Predictable funding matters.").ok
    [s] = sub_store.of_group(db, seeded.id)
    assert s.ref == "f" and s.list_short == "WP.15"


def test_commands_register_explicitly_and_once():
    """Importing a family registers nothing; build_registry does, and a name taken twice is refused."""
    import pytest as _pytest

    from commands.families import agenda as agenda_family
    from commands.families import build_registry
    from commands.registry import Registry
    empty = Registry()
    assert empty.all() == []
    agenda_family.register(empty)
    assert sorted(empty.heads) == ["agenda", "questions"]
    with _pytest.raises(ValueError, match="the command agenda is registered twice"):
        agenda_family.register(empty)
    with _pytest.raises(TypeError, match="'len' is not a described command"):
        empty.add(len)
    full = build_registry()
    assert full.head_names() == ("agenda", "questions", "submit", "inputs", "convene", "floor", "note")
    assert len(full.all()) == 77


def test_counts_are_said_properly(bot):
    from commands.text.words import count
    assert [count(0, "break"), count(1, "break"), count(2, "break"), count(1200, "delegation")] == [
        "0 breaks", "1 break", "2 breaks", "1,200 delegations"]
    assert bot.reply("session list", user="console:coord").text == "1 session"
    bot("iam Chile")
    bot("submit 2.6 Our view")
    assert bot.reply("inputs mine").text == "Chile: 1 input"


def test_the_coordinators_flag_may_come_before_the_ref(bot, db, seeded):
    """Issue 21: `submit --coordinators 2.6 …` was refused as "not a question reference". The flag is taken first
    too (after a session, too), the text kept as written."""
    from storage import submissions as sub_store
    bot("iam Chile")
    first = bot.reply("submit --coordinators 2.6 Our private view,\nin two lines.")
    assert first.ok and "Visible to the coordinators only" in first.plain()
    second = bot.reply("submit #1 --Coordinators 2.5 Another private view")
    assert second.ok and "Visible to the coordinators only" in second.plain()
    subs = {s.text: s.disclosure for s in sub_store.of_group(db, seeded.id)}
    assert subs == {"Our private view,\nin two lines.": "coordinators", "Another private view": "coordinators"}
