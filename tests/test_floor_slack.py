"""The speakers' list in Slack, through the bot's signed HTTP endpoint and a fake Web API: the whole item, the
rolling list as one message updated with chat.update, its buttons pressed by the right and the wrong people."""
from __future__ import annotations

from datetime import timedelta

from bot import frontends
from commands.contract import NextSpeaker, RequestFloor
from commands.registry import HEADS
from storage import floor as floor_store
from tests.fakes.slack_requests import block_action_body
from tests.floor_scenario import run_item, wait_until
from tests.harness import slack_plain


def _rolling_calls(api, channel="C0CG"):
    with api.lock:
        calls = list(api.calls)
    return [(m, p) for m, p in calls if m in ("chat.postMessage", "chat.update") and p.get("channel") == channel
            and str(p.get("text", "")).startswith("Speakers — ")]


class SlackFloor:
    prefix, refused = "/", ""

    def __init__(self, running, api, clock):
        self.running, self.api, self.clock, self.db = running, api, clock, running.check

    def say(self, line, who):
        typed = frontends.SLACK.typed(line, HEADS)
        command, _, text = typed.partition(" ")
        status, body = self.running.sender.command(command, text, user=f"U0{who.upper()}", user_name=who)
        assert status == 200, body
        return slack_plain(body)

    def rolling(self, check):
        def latest():
            calls = _rolling_calls(self.api)
            if not calls:
                return None
            text = slack_plain(calls[-1][1])
            return text if check(text) else None
        return wait_until(latest, 10, "the rolling list in Slack")

    def advance(self, seconds):
        self.clock.set(self.clock.now + timedelta(seconds=seconds))

    def told_wait(self, who, text):
        wait_until(lambda: any(p.get("channel") == f"DU0{who.upper()}" and text in slack_plain(p)
                               for p in self.api.of("chat.postMessage")), 10, f"{who} told {text!r}")


def test_a_whole_item_in_slack(slack_bot, fake_slack, clock):
    run_item(SlackFloor(slack_bot, fake_slack, clock))
    calls = _rolling_calls(fake_slack)
    # One message per item: posted once, then updated in place (chat.update on its ts), never posted again.
    assert [m for m, _ in calls].count("chat.postMessage") == 1 and calls[0][0] == "chat.postMessage"
    updated = {p["ts"] for m, p in calls if m == "chat.update"}
    assert len(updated) == 1 and len([m for m, _ in calls if m == "chat.update"]) >= 20


def _buttons(params) -> dict[str, str]:
    out = {}
    for b in params.get("blocks", []):
        acc = b.get("accessory") or {}
        if acc.get("type") == "button":
            out[acc["action_id"]] = acc["value"]
        for e in b.get("elements", []) if b.get("type") == "actions" else []:
            out[e["action_id"]] = e["value"]
    return out


def _ephemeral_to(api, user):
    return [slack_plain(p) for p in api.of("chat.postEphemeral") if p.get("user") == user]


def test_buttons_pressed_by_the_right_and_the_wrong_people(slack_bot, fake_slack, clock):
    d = SlackFloor(slack_bot, fake_slack, clock)
    d.say("iam Chile", "chile")
    d.say("iam Peru", "peru")
    d.say("floor open 2", "coord")
    d.rolling(lambda t: "No one has asked for the floor." in t)
    buttons = _buttons(_rolling_calls(fake_slack)[-1][1])
    assert set(buttons) == {RequestFloor.action_id}          # no one to call yet: no "Next speaker"
    request = buttons[RequestFloor.action_id]
    assert RequestFloor.decode(request).list_id == 1
    # Chile presses "Request the floor": placed, told privately, the list updated in place.
    status, _ = slack_bot.sender.post(block_action_body(RequestFloor.action_id, request, user="U0CHILE"))
    assert status == 200
    wait_until(lambda: any("Chile is on the list: 1st" in t for t in _ephemeral_to(fake_slack, "U0CHILE")), 10)
    d.rolling(lambda t: "1. Chile — State Party" in t)
    nxt = _buttons(_rolling_calls(fake_slack)[-1][1])[NextSpeaker.action_id]
    # Peru (a delegate) presses "Next speaker": refused, nothing changes.
    slack_bot.sender.post(block_action_body(NextSpeaker.action_id, nxt, user="U0PERU"))
    wait_until(lambda: any("Only coordinators of Contact Group on Cooperation can use floor next" in t
                           for t in _ephemeral_to(fake_slack, "U0PERU")), 10)
    assert floor_store.current_speech(slack_bot.check, 1) is None
    # A tampered value is refused, not trusted.
    slack_bot.sender.post(block_action_body(NextSpeaker.action_id, "flnx|g1|lX", user="U0COORD"))
    wait_until(lambda: any("out of date" in t for t in _ephemeral_to(fake_slack, "U0COORD")), 10)
    assert floor_store.current_speech(slack_bot.check, 1) is None
    # The Chair presses it: Chile has the floor, told in a direct message; the list shows it.
    slack_bot.sender.post(block_action_body(NextSpeaker.action_id, nxt, user="U0COORD"))
    wait_until(lambda: any("Chile has the floor (5:00 min)." in t for t in _ephemeral_to(fake_slack, "U0COORD")), 10)
    d.told_wait("chile", "Chile has the floor on 2. International cooperation")
    d.rolling(lambda t: "Chile — State Party · 0:00 of 5:00" in t)
    # A button of an earlier item's list is stale once the Chair moved on.
    d.say("floor next item", "coord")
    slack_bot.sender.post(block_action_body(RequestFloor.action_id, request, user="U0PERU"))
    wait_until(lambda: any("belongs to the list of an earlier item" in t for t in _ephemeral_to(fake_slack, "U0PERU")),
               10)
    assert not any(r.delegation == "Peru" for r in floor_store.requests(slack_bot.check, 1))
