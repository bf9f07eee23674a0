"""The room follows the group, against a real Synapse: a room upgrade moves the group to the new room, the bot can be
invited back by the coordinator who removed it, and in a direct room a person's own group answers."""
import time

from storage import groups as group_store
from storage import submissions as sub_store
from tests.test_matrix import body, setup_room


def test_a_room_upgrade_moves_the_group_to_the_new_room(matrix):
    m = matrix.start()
    room = m.coord.create_room("Contact group", invite=[m.bot_user.user_id], preset="public_chat")
    m.bot_said(m.coord, room, 1)
    m.coord.send(room, "!convene setup Upgraded Group")
    m.bot_said(m.coord, room, 2)
    g = group_store.group_for_room(m.check, f"matrix:{room}")
    new_room = m.coord.upgrade(room)
    # The bot joins the new room on its own and says so there; the coordinator is told in a direct room.
    [moved] = m.bot_said(m.coord, new_room, 1, timeout=30)
    assert "now the room of Upgraded Group" in body(moved)
    assert group_store.group_for_room(m.check, f"matrix:{new_room}").id == g.id
    assert group_store.group_for_room(m.check, f"matrix:{room}") is None
    dm = m.coord.accept_direct_room()
    [told] = m.bot_said(m.coord, dm, 1)
    assert "Upgraded Group has moved to its upgraded room" in body(told)
    m.coord.send(new_room, "!convene whoami")
    said = body(m.bot_said(m.coord, new_room, 2)[-1])
    assert "Upgraded Group" in said and "isn't set up" not in said


def test_the_coordinator_who_removed_the_bot_can_invite_it_back(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    m.coord.kick(room, m.bot_user.user_id)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and room in m.bot_user.joined_rooms():
        time.sleep(0.2)
    assert room not in m.bot_user.joined_rooms()
    m.coord.invite(room, m.bot_user.user_id)
    said = m.bot_said(m.coord, room, 3, timeout=30)                  # welcome, setup, and the welcome back
    assert room in m.bot_user.joined_rooms()
    assert "Resource Mobilization Contact Group" in body(said[-1])
    m.ana.send(room, "!agenda 2")
    assert "victim assistance" in body(m.bot_said(m.coord, room, 4)[-1])


def test_in_a_direct_room_a_person_of_one_group_gets_that_groups_answers(matrix):
    m = matrix.start()
    room, g = setup_room(m)
    m.ana.send(room, "!iam Chile")
    m.bot_said(m.ana, room, 3)
    dm = m.ana.create_room("Convene", invite=[m.bot_user.user_id], is_direct=True)
    m.bot_said(m.ana, dm, 1)                                          # the bot joined (its welcome)
    m.ana.send(dm, "!agenda")
    assert "Special Session on International Cooperation and Assistance" in body(m.bot_said(m.ana, dm, 2)[-1])
    m.ana.send(dm, "!submit 2.6 Sent from a direct room.")
    assert "Received" in body(m.bot_said(m.ana, dm, 3)[-1])
    m.ana.send(dm, "!inputs mine")
    assert "Sent from a direct room." in body(m.bot_said(m.ana, dm, 4)[-1])
    assert [s.text for s in sub_store.of_group(m.check, g.id)] == ["Sent from a direct room."]
    # Someone in two groups is asked which.
    other = group_store.create_group(m.check, "other", "Other group", registration="open")
    group_store.set_delegation(m.check, other.id, f"matrix:{m.ana.user_id}", "Chile")
    m.ana.send(dm, "!agenda")
    asked = body(m.bot_said(m.ana, dm, 5)[-1])
    assert "Which group?" in asked and "Other group" in asked and "Resource Mobilization Contact Group" in asked
    # A room of two is not taken for the person's group when it is being set up: a coordinator of one group sets up
    # the room of a second one, still alone there with the bot.
    second = m.coord.create_room("Second group's room", invite=[m.bot_user.user_id])
    m.bot_said(m.coord, second, 1)
    m.coord.send(second, "!convene setup Second Group")
    assert "Second Group is set up" in body(m.bot_said(m.coord, second, 2)[-1])
    assert group_store.group_for_room(m.check, f"matrix:{second}").name == "Second Group"


def test_an_invite_only_room_upgraded_the_bot_follows_when_invited(matrix):
    """Element's default (private) rooms: the bot cannot join the new room on its own, so the coordinators are asked to
    invite it; the group is in the new room already, and the bot knows it when it arrives."""
    m = matrix.start()
    room, g = setup_room(m)
    new_room = m.coord.upgrade(room)
    dm = m.coord.accept_direct_room()
    [told] = m.bot_said(m.coord, dm, 1, timeout=30)
    assert "Invite me to the new room" in body(told)
    assert group_store.group_for_room(m.check, f"matrix:{new_room}").id == g.id
    m.coord.invite(new_room, m.bot_user.user_id)
    [welcome] = m.bot_said(m.coord, new_room, 1, timeout=30)
    assert "Resource Mobilization Contact Group" in body(welcome)


def test_an_answer_the_bot_may_no_longer_send_does_not_hold_up_the_others(matrix, tmp_path):
    """The bot decided an answer, crashed (CONVENE_FAILPOINT) and was removed from the room before it could send it:
    at the restart that send is refused for good (403); it is logged and skipped, and the other rooms are answered."""
    from tests.matrix_harness import BotProcess, bound_room
    m = matrix
    room, g = bound_room(m)
    other = m.coord.create_room("Other room", invite=[m.bot_user.user_id, m.ana.user_id])
    m.ana.join(other)
    m.bot_user.join(other)
    bot = BotProcess(m, tmp_path / "bot.log").start(failpoint="matrix.after_decide:1")
    try:
        m.wait_synced()
        m.ana.send(room, "!agenda 2")
        assert bot.wait(30) == 137                   # decided, not sent
        m.coord.kick(room, m.bot_user.user_id)
        m.ana.send(other, "!convene whoami")
        bot.start()
        [answer] = m.bot_said(m.ana, other, 1, timeout=30)
        assert "isn't set up" in body(answer)
    finally:
        bot.terminate()
    assert "could not answer" in bot.log() and "Traceback" not in bot.log()
