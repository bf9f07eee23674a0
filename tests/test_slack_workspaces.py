"""Slack across workspaces: bolt's OAuth install flow served by `convene run`, per-workspace tokens for every
call, Slack Connect (one channel shared by two organisations), uninstalls, and team-qualified identities.

The real bot runs (serve(): HTTP mode on a free port) against the fake Web API with three workspaces:
T0ONE and T0TWO install Convene through /slack/install → /slack/oauth_redirect; T0THREE never does.
"""
from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.adapters.slack.app import NotInstalled, SlackAdapter
from bot.config import ConfigError, Settings
from commands.importers.apply import import_file
from commands.reply import Reply
from storage import groups as group_store
from storage import open_db
from storage import reminders as log_store
from bot.adapters.slack import installations as slack_installs
from tests.conftest import SEED_AGENDA, SEED_PAPER
from tests.fakes.slack_requests import SlackSender, event_body
from tests.slack_harness import SECRET, RunningBot, free_port, wait_http

CLIENT_ID = "1111.2222"
SHARED = "C0SHARED"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def get(url: str, cookie: str | None = None):
    """(status, headers, body) of a GET, without following redirects."""
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


@pytest.fixture
def oauth_bot(fake_slack, tmp_path, clock):
    path = tmp_path / "multi.db"
    db = open_db(path)
    g = group_store.create_group(db, "cg", "Contact Group on Cooperation", registration="open")
    group_store.bind_room(db, g.id, f"slack:{SHARED}")
    import_file(db, g, str(SEED_AGENDA))
    import_file(db, g, str(SEED_PAPER))
    db.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(db_path=str(path), slack_client_id=CLIENT_ID, slack_client_secret="s3cr3t",
                        slack_signing_secret=SECRET, slack_api_url=fake_slack.url, port=port, public_url=base)
    bot = RunningBot(settings, clock)
    wait_http(f"{base}/healthz")
    bot.base, bot.api = base, fake_slack
    bot.sender = SlackSender(f"{base}/slack/events", SECRET)
    bot.check = open_db(path)
    yield bot
    bot.check.close()
    bot.stop()


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def deliver(bot, *messages) -> None:
    """Send as the bot sends on its own (reminders, notices): through a Slack adapter on the bot's database."""
    async def go():
        adapter = SlackAdapter(bot.settings, bot.check, bot.clock)
        await adapter.start()
        for reply, target in messages:
            await adapter.deliver(reply, target)
    asyncio.run(go())


def install(bot, team: str) -> str:
    """Click "Add to Slack" as an admin of ``team`` would, and come back from Slack with a code."""
    status, headers, page = get(f"{bot.base}/slack/install")
    assert status == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == ["commands", "chat:write", "chat:write.public", "im:write", "files:write",
                                            "files:read", "im:history", "users:read", "channels:read", "groups:read"]
    assert query["redirect_uri"] == [f"{bot.base}/slack/oauth_redirect"]
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    status, _, done = get(f"{bot.base}/slack/oauth_redirect?code=code-{team}&state={query['state'][0]}", cookie)
    assert status == 200, done
    return query["state"][0]


def bot_tokens(db) -> dict[str, str]:
    return {r["team_id"]: r["bot_token"] for r in db.query("SELECT team_id, bot_token FROM slack_bots")}


def auth_of(params: dict) -> str:
    return params["_auth"].removeprefix("Bearer ")


def test_add_to_slack_installs_each_workspace_in_the_bots_database(oauth_bot):
    state = install(oauth_bot, "T0ONE")
    install(oauth_bot, "T0TWO")
    tokens = bot_tokens(oauth_bot.check)
    assert set(tokens) == {"T0ONE", "T0TWO"} and tokens["T0ONE"].startswith("xoxb-T0ONE-")
    [first, second] = oauth_bot.api.of("oauth.v2.access")
    # The code is exchanged with the app's credentials (HTTP Basic, as Slack asks).
    assert first["code"] == "code-T0ONE"
    assert base64.b64decode(first["_auth"].removeprefix("Basic ")).decode() == f"{CLIENT_ID}:s3cr3t"
    assert first["redirect_uri"] == f"{oauth_bot.base}/slack/oauth_redirect"
    # A state is good once: replaying the redirect installs nothing more.
    status, _, _ = get(f"{oauth_bot.base}/slack/oauth_redirect?code=code-T0EVIL&state={state}",
                       "slack-app-oauth-state=" + state)
    assert status == 401                       # bolt: invalid_state
    # A made-up state without its cookie is refused too.
    status, _, _ = get(f"{oauth_bot.base}/slack/oauth_redirect?code=code-T0EVIL&state=forged")
    assert status == 400                       # bolt: invalid_browser
    assert set(bot_tokens(oauth_bot.check)) == {"T0ONE", "T0TWO"}
    assert [p["code"] for p in oauth_bot.api.of("oauth.v2.access")] == ["code-T0ONE", "code-T0TWO"]


def test_a_shared_channel_works_for_both_organisations_with_their_own_tokens(oauth_bot):
    install(oauth_bot, "T0ONE")
    install(oauth_bot, "T0TWO")
    tokens = bot_tokens(oauth_bot.check)
    send = oauth_bot.sender.command
    # The same user id in two workspaces is two people.
    _, one = send("/convene", "iam Chile", user="U0SAME", team="T0ONE", channel=SHARED)
    _, two = send("/convene", "iam Peru", user="U0SAME", team="T0TWO", channel=SHARED)
    assert "Chile" in one["text"] and "Peru" in two["text"]
    g = group_store.group_by_slug(oauth_bot.check, "cg")
    assert group_store.member(oauth_bot.check, g.id, "slack:T0ONE:U0SAME").delegation == "Chile"
    assert group_store.member(oauth_bot.check, g.id, "slack:T0TWO:U0SAME").delegation == "Peru"
    assert group_store.member(oauth_bot.check, g.id, "slack:U0SAME") is None
    _, r1 = send("/submit", "2.1 Chile's answer", user="U0SAME", team="T0ONE", channel=SHARED)
    _, r2 = send("/submit", "2.1 Peru's answer", user="U0SAME", team="T0TWO", channel=SHARED)
    assert "Chile" in r1["text"] and "Peru" in r2["text"]
    texts = {r["delegation"]: r["text"] for r in oauth_bot.check.query(
        "SELECT delegation, text, author FROM submissions WHERE status = 'current'")}
    assert texts == {"Chile": "Chile's answer", "Peru": "Peru's answer"}
    authors = {r["author"] for r in oauth_bot.check.query("SELECT author FROM submissions")}
    assert authors == {"slack:T0ONE:U0SAME", "slack:T0TWO:U0SAME"}

    # Calls made on a request's behalf use that workspace's token: the Home tab opened in T0TWO.
    oauth_bot.api.reset()
    status, _ = oauth_bot.sender.post(event_body({"type": "app_home_opened", "user": "U0SAME", "tab": "home",
                                                  "channel": "D0X"}, event_id="EvHome2", team="T0TWO"),
                                      json_body=True)
    assert status == 200
    [publish] = oauth_bot.api.wait_for("views.publish")
    assert auth_of(publish) == tokens["T0TWO"]
    assert "Peru" in json.dumps(publish["view"])

    # Messages the bot sends on its own go out with the token of the addressee's workspace (an adapter started
    # afresh on the same database: what a restarted bot knows).
    wait_until(lambda: slack_installs.channel_teams(oauth_bot.check) == {SHARED: "T0TWO"})
    oauth_bot.api.reset()
    deliver(oauth_bot, (Reply(text="Reminder for Chile"), "slack:T0ONE:U0SAME"),
            (Reply(text="Reminder for Peru"), "slack:T0TWO:U0SAME"),
            # The shared channel is reached through the workspace it was last used through (T0TWO, above).
            (Reply(text="Session starts in one hour"), f"slack:{SHARED}"))
    opened = oauth_bot.api.of("conversations.open")
    assert [(p["users"], auth_of(p)) for p in opened] == [("U0SAME", tokens["T0ONE"]), ("U0SAME", tokens["T0TWO"])]
    [post] = [p for p in oauth_bot.api.of("chat.postMessage") if p["channel"] == SHARED]
    assert auth_of(post) == tokens["T0TWO"]


def test_a_mention_of_someone_from_the_other_organisation_names_them_with_their_workspace(oauth_bot):
    install(oauth_bot, "T0ONE")
    install(oauth_bot, "T0TWO")
    g = group_store.group_by_slug(oauth_bot.check, "cg")
    group_store.set_coordinator(oauth_bot.check, g.id, "slack:T0ONE:U0COORD", True)
    oauth_bot.api.user_teams["U0BOB"] = "T0TWO"
    _, body = oauth_bot.sender.command("/convene", "coordinator add <@U0BOB|bob>", user="U0COORD", team="T0ONE",
                                       channel=SHARED)
    assert body["response_type"] == "in_channel", body
    assert group_store.member(oauth_bot.check, g.id, "slack:T0TWO:U0BOB").is_coordinator
    assert group_store.member(oauth_bot.check, g.id, "slack:T0ONE:U0BOB") is None


def test_members_of_a_workspace_without_convene_are_told_how_to_get_it(oauth_bot):
    install(oauth_bot, "T0ONE")
    status, body = oauth_bot.sender.command("/agenda", "", user="U0ZED", team="T0THREE", channel=SHARED,
                                            response_url=oauth_bot.api.response_url("zed"))
    assert status == 200 and body in ("", {})
    [answer] = oauth_bot.api.wait_for("response_url")
    assert answer["rid"] == "zed"
    assert answer["text"] == (
        "Convene isn't installed in your Slack workspace, so it cannot answer you here. Ask a Slack admin of your "
        f"organisation to install it from {oauth_bot.base}/slack/install; then try again.")
    assert not list(oauth_bot.check.query("SELECT * FROM members WHERE user LIKE '%U0ZED%'"))


def test_an_uninstall_removes_the_workspace_and_nothing_more_is_sent_there(oauth_bot):
    install(oauth_bot, "T0ONE")
    install(oauth_bot, "T0TWO")
    send = oauth_bot.sender.command
    _, ok = send("/agenda", "", user="U0SAME", team="T0TWO", channel=SHARED)
    assert ok["blocks"]
    status, _ = oauth_bot.sender.post(event_body({"type": "app_uninstalled"}, event_id="EvGone", team="T0TWO"),
                                      json_body=True)
    assert status == 200
    wait_until(lambda: set(bot_tokens(oauth_bot.check)) == {"T0ONE"})   # handled after the ack
    status, body = send("/agenda", "", user="U0SAME", team="T0TWO", channel=SHARED,
                        response_url=oauth_bot.api.response_url("after"))
    assert body in ("", {})
    assert "isn't installed" in oauth_bot.api.wait_for("response_url")[0]["text"]
    with pytest.raises(NotInstalled, match="workspace T0TWO has not installed Convene"):
        deliver(oauth_bot, (Reply(text="x"), "slack:T0TWO:U0SAME"))
    # The other organisation is untouched.
    _, still = send("/agenda", "", user="U0SAME", team="T0ONE", channel=SHARED)
    assert still["blocks"]


def test_a_revoked_bot_token_removes_the_workspaces_bot(oauth_bot):
    install(oauth_bot, "T0ONE")
    status, _ = oauth_bot.sender.post(event_body({"type": "tokens_revoked", "tokens": {"bot": ["UBOTT0ONE"]}},
                                                 event_id="EvRevoked", team="T0ONE"), json_body=True)
    assert status == 200
    wait_until(lambda: bot_tokens(oauth_bot.check) == {})
    with pytest.raises(NotInstalled):
        deliver(oauth_bot, (Reply(text="x"), "slack:T0ONE:U0SAME"))


def test_one_token_mode_qualifies_the_ids_stored_before_identities_carried_their_team(slack_bot):
    """The fixture stored slack:U0COORD before the bot started; the workspace of SLACK_BOT_TOKEN is T0TEST."""
    g = group_store.group_by_slug(slack_bot.check, "cg")
    assert group_store.member(slack_bot.check, g.id, "slack:T0TEST:U0COORD").is_coordinator
    assert group_store.member(slack_bot.check, g.id, "slack:U0COORD") is None
    assert slack_installs.known_teams(slack_bot.check) == ["T0TEST"]
    _, body = slack_bot.sender.command("/convene", "deadline 2026-12-09 17:00", user="U0COORD")
    assert "Only coordinators" not in body["text"]


def test_qualifying_merges_a_person_seen_under_both_forms(tmp_path, clock):
    db = open_db(tmp_path / "q.db")
    g = group_store.create_group(db, "cg", "CG", registration="open")
    import_file(db, g, str(SEED_AGENDA))
    group_store.set_coordinator(db, g.id, "slack:U0A", True)           # old form, coordinator
    group_store.set_delegation(db, g.id, "slack:T0X:U0A", "Chile")     # new form, delegate
    group_store.set_delegation(db, g.id, "slack:U0B", "Peru")
    key = "deadline:1:1d@2026-12-01T00:00:00+00:00#slack:U0B"
    assert log_store.claim(db, key, kind="deadline", session_id=1, offset="1d", due_at=clock(), target="slack:U0B",
                           late=False, now=clock(), status="sent")
    assert slack_installs.qualify_users(db, "T0X") == 1
    a = group_store.member(db, g.id, "slack:T0X:U0A")
    assert (a.is_coordinator, a.delegation) == (True, "Chile")
    assert group_store.member(db, g.id, "slack:T0X:U0B").delegation == "Peru"
    assert [r["user"] for r in db.query("SELECT user FROM members ORDER BY user")] == ["slack:T0X:U0A",
                                                                                       "slack:T0X:U0B"]
    # The nudge already sent to U0B keeps its place in the log under the new address: it is not sent again.
    assert [(r["key"], r["target"]) for r in db.query("SELECT key, target FROM reminder_log")] == [
        ("deadline:1:1d@2026-12-01T00:00:00+00:00#slack:T0X:U0B", "slack:T0X:U0B")]
    assert slack_installs.unqualified_users(db) == 0
    assert slack_installs.qualify_users(db, "T0X") == 0          # once only


def test_oauth_settings_are_checked_at_start():
    base = dict(SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET="s", SLACK_SIGNING_SECRET="x", CONVENE_DB="c.db")
    s = Settings.from_env(base, dotenv=False)
    assert s.slack_oauth and s.slack_enabled and s.slack_http
    assert Settings.from_env({**base, "SLACK_SCOPES": "commands, chat:write"}, dotenv=False).slack_scopes == (
        "commands", "chat:write")
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set"):
        Settings.from_env({**base, "SLACK_BOT_TOKEN": "xoxb-1"}, dotenv=False)
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET are needed"):
        Settings.from_env({**base, "SLACK_CLIENT_SECRET": ""}, dotenv=False)
    with pytest.raises(ConfigError, match="run in HTTP mode: remove SLACK_APP_TOKEN"):
        Settings.from_env({**base, "SLACK_APP_TOKEN": "xapp-1"}, dotenv=False)
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not"):
        Settings.from_env({"SLACK_CLIENT_SECRET": "s"}, dotenv=False)


def test_the_manifest_asks_for_the_scopes_the_install_link_asks_for():
    import yaml
    from bot.adapters.slack.app import DEFAULT_SCOPES
    from tests.conftest import ROOT
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == DEFAULT_SCOPES
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert manifest["oauth_config"]["redirect_urls"] == ["https://convene.example.org/slack/oauth_redirect"]


def test_the_cli_qualifies_a_slack_user_with_the_one_known_workspace(tmp_path, capsys):
    from bot.cli import main
    path = str(tmp_path / "cli.db")
    db = open_db(path)
    group_store.create_group(db, "cg", "CG", registration="open")
    slack_installs.remember_home_team(db, "T0HOME")
    assert main(["--db", path, "group", "coordinator", "cg", "slack:U0NEW"]) == 0
    assert group_store.member(db, 1, "slack:T0HOME:U0NEW").is_coordinator
    # A second workspace installs Convene: a bare U… could be in either.
    slack_installs.installation_store(path, CLIENT_ID).init()
    db.execute("INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, bot_id, bot_user_id, installed_at) "
               "VALUES (?, 'A', 'T0OTHER', 'xoxb-T0OTHER-1', 'B', 'U', 0)", [CLIENT_ID])
    capsys.readouterr()
    assert main(["--db", path, "group", "coordinator", "cg", "slack:U0AMBIG"]) == 1
    assert capsys.readouterr().err.strip() == (
        "convene: 'slack:U0AMBIG' could be in any of the workspaces Convene is installed in (T0HOME, T0OTHER): "
        "write slack:TEAM:U0AMBIG")
    assert main(["--db", path, "group", "coordinator", "cg", "slack:T0OTHER:U0AMBIG"]) == 0
    assert group_store.member(db, 1, "slack:T0OTHER:U0AMBIG").is_coordinator
    assert group_store.member(db, 1, "slack:U0AMBIG") is None
