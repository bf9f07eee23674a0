"""Who speaks for which delegation (issue 11, item 6): the roster, look-alike names, registration modes, switching
after submitting. Through the command core as the console runs it."""
import pytest

from commands.families.roster import key_of
from storage import groups as group_store
from storage import roster as roster_store
from tests.conftest import Bot

COORD = dict(user="console:coord")


@pytest.fixture
def bot(db, group, clock):
    return Bot(db, clock)


def test_a_new_group_approves_every_registration(db, bot):
    g = group_store.create_group(db, "new", "New group")
    assert g.registration == "approval"


def test_the_roster_with_aliases_and_suggestions(bot, db, group):
    out = bot("roster add United States of America; USA; United States", **COORD)
    assert "Added: United States of America." in out and "New names: USA, United States." in out
    bot("roster add Chile", **COORD)
    bot("roster add Côte d'Ivoire", **COORD)
    assert "Only coordinators change the roster" in bot("roster add Atlantis", user="console:ana")
    assert "You are registered with the delegation of United States of America" in bot("iam usa")
    assert "registered with the delegation of Côte d'Ivoire" in bot("iam cote d ivoire", user="console:ci")
    wrong = bot("iam Chlie", user="console:x")
    assert "Chlie is not a delegation on the roster of Contact Group on Cooperation." in wrong and "Did you mean Chile?" in wrong
    assert group_store.member(db, group.id, "console:x") is None
    # One delegation's name cannot be another's alias.
    assert "USA is already a name of United States of America on the roster." in bot("roster add Chile; USA", **COORD)
    listing = bot("roster")
    assert "United States of America — also: USA, United States" in listing


@pytest.mark.parametrize("typed", ["\u0421hile",          # a Cyrillic С
                                   "Chil\u0435",          # a Cyrillic е
                                   "CHILE", "chile ", "Chíle"])
def test_names_that_only_look_alike_are_one_delegation(bot, db, group, typed):
    bot("iam Chile")
    group_store.update_group(db, group.id, registration="open")
    bot(f"member @bea {typed}", **COORD)
    assert group_store.member(db, group.id, "console:bea").delegation == "Chile"
    assert key_of(typed) == "chile"


@pytest.mark.parametrize("typed, says", [
    ("Chi\u200ble", "invisible characters"),            # a zero-width space
    ("\u202eelihC", "invisible characters"),            # a right-to-left override
    ("@channel", "starts with a letter"),
    ("Pe\u0440u\u0430ria", "mixes letters of different alphabets"),     # Latin with Cyrillic р and а, unknown
])
def test_names_that_would_deceive_are_refused(bot, db, group, typed, says):
    out = bot(f"iam {typed}", user="console:x")
    assert says in out and group_store.member(db, group.id, "console:x") is None


def test_a_member_who_submitted_cannot_switch_without_a_coordinator(bot, db, group, seeded):
    bot("iam Chile")
    bot("submit 2.6 Our view.")
    out = bot("iam Peru")
    assert "You have sent input for Chile, so a coordinator must approve a change of delegation" in out
    assert group_store.member(db, group.id, "console:ana").delegation == "Chile"
    # Neither the person switching nor a member of the delegation joined may approve a switch; a coordinator may.
    bot("member @pe Peru", **COORD)
    [req] = roster_store.pending(db, group.id)
    assert "Only a coordinator" in bot(f"registration approve {req.id}", user="console:ana")
    assert "Only a coordinator" in bot(f"registration approve {req.id}", user="console:pe")
    assert "Approved" in bot(f"registration approve {req.id}", **COORD)
    assert group_store.member(db, group.id, "console:ana").delegation == "Peru"


def test_joining_a_delegation_with_members_tells_them_and_needs_approval(bot, db, group):
    group_store.update_group(db, group.id, registration="open")
    bot("iam Chile")
    asked = bot.reply("iam Chile", user="console:bea")
    assert "Chile already has members here" in asked.plain()
    assert sorted(t for t, _ in asked.notices) == ["console:ana", "console:coord"]
    assert group_store.member(db, group.id, "console:bea") is None
    assert "Refused" in bot("registration refuse 1")
    assert "was refused already" in bot("registration approve 1", **COORD)
    assert group_store.member(db, group.id, "console:bea") is None


def test_registration_modes_and_the_bare_command(bot, db, group):
    bot("registration approval", **COORD)
    assert "Registration is approval" in bot("registration", **COORD)
    assert "Asked" in bot("iam Chile", user="console:new")
    state = bot("registration", **COORD)
    assert "Waiting for a decision" in state and "#1 new → Chile" in state
    bot("registration locked", **COORD)
    assert "Registration in Contact Group on Cooperation is closed" in bot("iam Peru", user="console:other")
    assert "Registration is open" in bot("registration open", **COORD)
    assert "You are registered with the delegation of Peru" in bot("iam Peru", user="console:other")


@pytest.mark.parametrize("line, says", [
    ("agenda #99999999999999999999999", "There is no session #99999999999999999999999"),
    ("import apply 99999999999999999999999", "Say which preview"),
    ("registration approve 99999999999999999999999", "Say which request"),
    ("deadline WP.15 #99999999999999999999999", "is not a session"),
    ("session rename #99999999999999999999999 X", "There is no session"),
])
def test_numbers_too_large_to_name_anything_get_a_clear_answer(bot, seeded, line, says):
    reply = bot.reply(line, **COORD)
    assert not reply.ok and says in reply.plain() and "went wrong" not in reply.plain()


def test_submit_while_a_registration_waits_says_it_waits(db, seeded, clock):
    """Issue 21: a delegate whose request waits was told "Tell me your delegation first"; they are told that their
    request with that delegation waits for approval, and nothing is saved."""
    from storage import submissions as sub_store
    bot = Bot(db, clock)
    bot("registration approval", **COORD)
    assert "Asked" in bot("iam Chile", user="console:new")
    out = bot.reply("submit 2.6 Our view.", user="console:new")
    assert not out.ok
    assert out.plain() == ("Your request to register with Chile (#1) is waiting for approval: you can send input "
                           "once a coordinator approves it. Nothing was saved: send it again then.")
    assert sub_store.of_group(db, seeded.id) == []
    # Someone who never asked still gets the first step.
    assert "Tell me your delegation first" in bot("submit 2.6 Our view.", user="console:other")


def test_a_new_name_close_to_a_delegation_the_group_has_is_asked_about(bot, db, group):
    """Issue 21: without a roster, `iam Chle` beside Chile created a delegation "Chle". It asks, and takes the new
    name only with `confirm`; names not close to any pass as before."""
    group_store.update_group(db, group.id, registration="open")
    bot("iam Chile")
    out = bot.reply("iam Chle", user="console:bea")
    assert not out.ok
    assert out.plain() == ("Chle is not a delegation of Contact Group on Cooperation yet. Did you mean Chile?\n"
                           "iam Chile · a new delegation called Chle: iam Chle confirm")
    assert group_store.member(db, group.id, "console:bea") is None
    assert "You are registered with the delegation of Chle" in bot("iam Chle confirm", user="console:bea")
    assert "You are registered with the delegation of Peru" in bot("iam Peru", user="console:pe")
    # A coordinator assigning a delegation is asked the same, with the command they typed.
    assert "member @cy Chile · a new delegation called Chili: member @cy Chili confirm" in bot("member @cy Chili",
                                                                                                **COORD)
    assert group_store.member(db, group.id, "console:cy") is None


def test_a_registration_request_asks_its_question_with_both_answers(bot, db, group):
    """Issue 21: the request ended with a line of its own, "Not someone you know for that delegation?", beside the
    Refuse button: dangling in Slack and in plain text. The question is asked once, both answers with it (as
    buttons where there are buttons, in words everywhere)."""
    bot("registration approval", **COORD)
    asked = bot.reply("iam Chile", user="console:new")
    [(to, notice)] = asked.notices
    assert to == "console:coord"
    assert notice.plain() == (
        "Registration request #1\n"
        "  new asks to speak for the delegation of Chile in Contact Group on Cooperation.\n"
        "  Contact Group on Cooperation approves every registration.\n"
        "  Do you know them as speaking for Chile? Approve the request if so; refuse it if not.\n"
        "Approve: registration approve 1 · refuse: registration refuse 1 (or reply approve or refuse to this message)")
    [section] = notice.sections
    assert [b.label for b in section.actions] == ["Approve", "Refuse"] and section.button is None
