"""The speakers' list on Matrix, against a real Synapse: the whole item with ten delegates in the room, the rolling
list as one message kept up to date by m.replace edits (read as Element shows them: the latest edit's new content,
and a fallback body that reads on its own), a reply to the list as a request."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot import frontends
from commands import reply_codec
from commands.importers.apply import import_file
from commands.registry import HEADS
from storage import floor as floor_store
from storage import groups as group_store
from storage import outbox as outbox_store
from tests.conftest import SEED_AGENDA, SEED_PAPER
from tests.floor_scenario import DELEGATIONS, run_item, wait_until


def rolling_events(user, room, bot_id):
    """(the rolling list's first event, the edits of it in order) as the room's timeline has them."""
    events = user.messages(room, sender=bot_id)
    originals = [e for e in events if (e["content"].get("body") or "").startswith("Speakers — ")]
    if not originals:
        return None, []
    original = originals[-1]
    edits = [e for e in events if (e["content"].get("m.relates_to") or {}).get("rel_type") == "m.replace"
             and e["content"]["m.relates_to"]["event_id"] == original["event_id"]]
    return original, edits


def as_element_shows(original, edits) -> str:
    """Element shows the latest edit's ``m.new_content`` in place of the original."""
    return (edits[-1]["content"]["m.new_content"] if edits else original["content"])["body"]


class MatrixFloor:
    prefix, refused = "!", "⚠ "

    def __init__(self, world, room, people, clock):
        self.world, self.room, self.people, self.clock = world, room, people, clock
        self.db = world.check

    def say(self, line, who):
        person = self.people[who]
        sent = person.send(self.room, frontends.MATRIX.typed(line, HEADS))

        def answer():
            for e in person.messages(self.room, sender=self.world.bot_user.user_id, limit=60):
                rel = (e["content"].get("m.relates_to") or {}).get("m.in_reply_to") or {}
                if rel.get("event_id") == sent:
                    return e["content"]["body"]
            return None
        return wait_until(answer, 20, f"the answer to {line!r}")

    def rolling(self, check):
        def shown():
            original, edits = rolling_events(self.people["coord"], self.room, self.world.bot_user.user_id)
            if original is None:
                return None
            text = as_element_shows(original, edits)
            return text if check(text) else None
        return wait_until(shown, 15, "the rolling list in Matrix")

    def advance(self, seconds):
        self.clock.set(self.clock.now + timedelta(seconds=seconds))

    def told_wait(self, who, text):
        target = f"matrix:{self.people[who].user_id}"
        wait_until(lambda: any(d.target == target and d.status == "sent" and text in reply_codec.loads(d.body).plain()
                               for d in outbox_store.recent(self.db, 500)), 15, f"{who} told {text!r}")


@pytest.fixture
def matrix_floor(matrix, clock):
    m = matrix.start()
    people = {"coord": m.coord}
    for name in DELEGATIONS:
        people[name.lower()] = m.hs.register(f"{name.lower()}{m.bot_user.user_id.split(':')[0][len('@convene'):]}")
    room = m.coord.create_room("Contact group", invite=[m.bot_user.user_id] + [p.user_id for k, p in people.items()
                                                                               if k != "coord"])
    for key, person in people.items():
        if key != "coord":
            person.join(room)
    m.bot_said(m.coord, room, 1)
    g = group_store.create_group(m.check, "cg", "Contact Group on Cooperation", registration="open")
    group_store.bind_room(m.check, g.id, f"matrix:{room}")
    group_store.set_coordinator(m.check, g.id, f"matrix:{m.coord.user_id}", True)
    import_file(m.check, g, str(SEED_AGENDA))
    import_file(m.check, g, str(SEED_PAPER))
    return MatrixFloor(m, room, people, clock)


def test_a_whole_item_on_matrix(matrix_floor):
    d = matrix_floor
    run_item(d)
    original, edits = rolling_events(d.people["coord"], d.room, d.world.bot_user.user_id)
    # One message per item, kept up to date by edits; each edit's fallback reads on its own.
    assert len(edits) >= 20
    assert all(e["content"]["body"] == "* " + e["content"]["m.new_content"]["body"] for e in edits)
    assert all(e["content"]["m.new_content"]["body"].startswith("Speakers — 2. International cooperation")
               for e in edits)
    assert "formatted_body" in edits[-1]["content"]["m.new_content"]
    assert "<b>Spoken</b>" in edits[-1]["content"]["m.new_content"]["formatted_body"]


def test_a_reply_to_the_rolling_list_asks_for_the_floor(matrix_floor):
    d = matrix_floor
    assert d.say("iam Chile", "chile").startswith("You are registered")
    assert d.say("floor open 2", "coord").startswith("The floor is open on 2.")
    d.rolling(lambda t: "No one has asked for the floor." in t and "reply request, withdraw or reply" in t)
    original, _ = rolling_events(d.people["chile"], d.room, d.world.bot_user.user_id)
    d.people["chile"].reply(d.room, "request", original)
    d.rolling(lambda t: "1. Chile — State Party" in t)
    assert [r.delegation for r in floor_store.requests(d.db, 1)] == ["Chile"]
    # The Chair's "next" as a reply is checked like the command: a delegate cannot.
    d.people["chile"].reply(d.room, "next", original)
    d.people["coord"].reply(d.room, "next", original)
    d.rolling(lambda t: "Chile — State Party · 0:00 of 5:00" in t)
    assert [s.called_by for s in floor_store.speeches(d.db, 1)] == [f"matrix:{d.people['coord'].user_id}"]
