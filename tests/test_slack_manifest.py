"""The app manifest declares everything the adapter uses."""
import re

import yaml

from bot.adapters.slack.app import HEADS
from tests.conftest import ROOT

MANIFEST = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())


def test_every_command_head_is_a_slash_command_with_escaping():
    cmds = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
    assert set(cmds) == {f"/{h}" for h in HEADS}
    assert all(c["should_escape"] and c["url"].endswith("/slack/events") for c in cmds.values())


def test_scopes_events_and_interactivity():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "files:write"} <= scopes
    settings = MANIFEST["settings"]
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    assert "message.im" in settings["event_subscriptions"]["bot_events"] and "im:history" in scopes   # documents
    assert settings["interactivity"]["is_enabled"]
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"]


def test_api_methods_used_are_covered_by_scopes():
    source = "\n".join(p.read_text() for p in (ROOT / "bot" / "adapters" / "slack").glob("*.py"))
    used = set(re.findall(r"client\.(\w+)\(", source))
    needs = {"chat_postMessage": "chat:write", "chat_postEphemeral": "chat:write", "chat_update": "chat:write", "conversations_open": "im:write",
             "files_upload_v2": "files:write", "files_info": "files:read"}
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    for method in used & set(needs):
        assert needs[method] in scopes, method


def test_usage_hints_are_the_registrys():
    """The registry is the one source of usage: each slash command's hint is its usage after the command word."""
    from commands.families import default_registry
    heads = default_registry().heads
    for c in MANIFEST["features"]["slash_commands"]:
        usage = heads[c["command"][1:]].usage
        assert c["usage_hint"] == usage.split(" ", 1)[1], c["command"]
