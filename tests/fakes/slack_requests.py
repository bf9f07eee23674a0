"""Requests exactly as Slack sends them to /slack/events, signed with the app's signing secret."""
from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM = "T0TEST"
APP = "A0TEST"


_triggers = itertools.count(1)


def slash_body(command: str, text: str, *, user: str = "U0ANA", user_name: str = "ana", channel: str = "C0CG",
               channel_name: str = "contact-group", trigger: str | None = None, team: str = TEAM,
               response_url: str | None = None) -> str:
    # Slack gives every request its own trigger id (so two identical commands are two different bodies).
    trigger = trigger or f"{time.time_ns()}.{next(_triggers)}.8088930838d88f008e0"
    return urlencode({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": team, "team_domain": "convene-test",
        "enterprise_id": "", "enterprise_name": "", "channel_id": channel, "channel_name": channel_name,
        "user_id": user, "user_name": user_name, "command": command, "text": text, "api_app_id": APP,
        "is_enterprise_install": "false",
        "response_url": response_url or "https://hooks.slack.com/commands/T0TEST/1234/abcd", "trigger_id": trigger,
    })


def block_action_body(action_id: str, value: str, *, user: str = "U0ANA", channel: str | None = "C0CG",
                      trigger: str = "trig-button") -> str:
    payload = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "convene-test"},
        "user": {"id": user, "username": "ana", "name": "ana", "team_id": TEAM},
        "api_app_id": APP, "token": "gIkuvaNzQIHg97ATvDxqgjtO", "trigger_id": trigger,
        "response_url": "https://hooks.slack.com/actions/T0TEST/1/x",
        "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button",
                     "text": {"type": "plain_text", "text": "Submit input"}, "action_ts": "1700000000.1"}],
    }
    if channel:
        payload["container"] = {"type": "message", "message_ts": "1700000000.1", "channel_id": channel,
                                "is_ephemeral": True}
        payload["channel"] = {"id": channel, "name": "contact-group"}
    else:
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        payload["view"] = {"id": "VHOME", "type": "home"}
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(view: dict, values: dict, *, user: str = "U0ANA") -> str:
    """``view`` as the bot opened it; ``values`` by block id: a string for text, ("select", v) for choices."""
    state = {}
    for block_id, v in values.items():
        if isinstance(v, tuple) and v[0] == "file_input":
            state[block_id] = {"value": {"type": "file_input", "files": [{"id": fid, "name": fid} for fid in v[1]]}}
        elif isinstance(v, tuple):
            kind, val = v
            state[block_id] = {"value": {"type": kind, "selected_option": {"value": val,
                                                                           "text": {"type": "plain_text", "text": val}}}}
        else:
            state[block_id] = {"value": {"type": "plain_text_input", "value": v}}
    payload = {
        "type": "view_submission", "team": {"id": TEAM, "domain": "convene-test"},
        "user": {"id": user, "username": "ana", "name": "ana", "team_id": TEAM},
        "api_app_id": APP, "token": "gIkuvaNzQIHg97ATvDxqgjtO", "trigger_id": "trig-view",
        "view": {**view, "id": "V123", "team_id": TEAM, "state": {"values": state}, "hash": "1.abc",
                 "app_id": APP, "bot_id": "BBOT"},
        "response_urls": [],
    }
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict, *, event_id: str = "Ev0001", team: str = TEAM) -> str:
    return json.dumps({"token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": team, "api_app_id": APP, "event": event,
                       "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
                       "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}]})


class SlackSender:
    """Posts bodies to the bot's /slack/events the way Slack does: signed, with a fresh timestamp."""

    def __init__(self, url: str, secret: str):
        self.url, self.secret = url, secret
        self.verifier = SignatureVerifier(secret)

    def headers(self, body: str, *, ts: int | None = None, secret: str | None = None, json_body=False) -> dict:
        ts = int(time.time()) if ts is None else ts
        sig = SignatureVerifier(secret or self.secret).generate_signature(timestamp=str(ts), body=body)
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig,
                "Content-Type": "application/json" if json_body else "application/x-www-form-urlencoded"}

    def post(self, body: str, *, headers: dict | None = None, json_body=False, retry_num: int | None = None):
        """(status, parsed JSON body or text)."""
        h = headers or self.headers(body, json_body=json_body)
        if retry_num is not None:
            h["X-Slack-Retry-Num"] = str(retry_num)
            h["X-Slack-Retry-Reason"] = "http_timeout"
        req = urllib.request.Request(self.url, data=body.encode("utf-8"), headers=h, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                status, raw = resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read().decode("utf-8")
        try:
            return status, json.loads(raw) if raw else {}
        except ValueError:
            return status, raw

    def command(self, command: str, text: str = "", **kw):
        return self.post(slash_body(command, text, **kw))
