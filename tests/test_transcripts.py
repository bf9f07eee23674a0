"""The same exchange on every front end, read as each person reads it: the console, Slack over its signed HTTP
endpoint, Matrix through a real Synapse. One harness (tests/harness.py) drives all three."""
from __future__ import annotations

import pytest

from commands.importers.apply import import_file
from storage import groups as group_store
from tests.conftest import SEED_AGENDA, SEED_PAPER
from tests.harness import ConsoleExchange, MatrixExchange, SlackExchange


@pytest.fixture(params=["console", "slack", "matrix"])
def bot(request, clock):
    if request.param == "console":
        db = request.getfixturevalue("db")
        request.getfixturevalue("seeded")
        return ConsoleExchange(db, clock)
    if request.param == "slack":
        return SlackExchange(request.getfixturevalue("slack_bot"))
    m = request.getfixturevalue("matrix").start()
    room = m.coord.create_room("Contact group", invite=[m.bot_user.user_id, m.ana.user_id, m.bob.user_id])
    m.ana.join(room)
    m.bob.join(room)
    m.bot_said(m.coord, room, 1)
    g = group_store.create_group(m.check, "cg", "Contact Group on Cooperation", registration="open")
    group_store.bind_room(m.check, g.id, f"matrix:{room}")
    group_store.set_coordinator(m.check, g.id, f"matrix:{m.coord.user_id}", True)
    import_file(m.check, g, str(SEED_AGENDA))
    import_file(m.check, g, str(SEED_PAPER))
    return MatrixExchange(m, room)


PREFIX = {"console": "", "slack": "/", "matrix": "!"}
REFUSED = {"console": "", "slack": "", "matrix": "⚠ "}     # how a refusal is marked (Slack: in the notification)


def test_register_submit_refuse_and_read_back(bot):
    """Whole replies, exactly, as each person reads them; only how a command is typed differs."""
    p, no = PREFIX[bot.name], REFUSED[bot.name]
    assert bot.say("iam Chile") == ("You are registered with the delegation of Chile in Contact Group on Cooperation.\n"
                                    f"Send input: {p}submit 2.1 TEXT · see questions: {p}questions")
    received = bot.say("submit 2.6 We support a dedicated fund.").split("\n")
    assert received[0] == "Received"
    assert received[1].strip().startswith(
        "Chile on #1 Special Session on International Cooper… · 2.6 — 28 characters, Mon 21 Jun 2010 11:00")
    assert received[2].strip() == "Visible to the group."
    assert received[3].strip() == "> We support a dedicated fund."
    assert received[-1] == f"Your inputs: {p}inputs mine · add more: {p}inputs append 2.6 TEXT"
    agenda = bot.say("agenda 2").split("\n")
    assert agenda[0] == "2. International cooperation and assistance: victim assistance"
    assert agenda[-1] == f"Send input: {p}submit 2.1 TEXT"
    # The rules hold the same everywhere: a delegate cannot use a coordinator's command …
    assert bot.say("deadline 2030-01-01 10:00") == no + (
        "Only coordinators of Contact Group on Cooperation can use deadline. Ask one of them, or ask them to make "
        "you a coordinator.")
    # … and another delegation cannot withdraw Chile's input.
    assert bot.say("iam Peru", as_="bob").startswith("You are registered with the delegation of Peru")
    assert bot.say("inputs withdraw 2.6", as_="bob") == no + "Peru has no input on #1 · 2.6 to withdraw."
    mine = bot.say("inputs mine").split("\n")
    assert mine[0] == "Inputs of Chile — Contact Group on Cooperation"
    assert "We support a dedicated fund.  (28 characters)" in [ln.strip() for ln in mine]
