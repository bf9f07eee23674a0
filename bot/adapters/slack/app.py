"""The Slack adapter: bolt listeners that turn payloads into core Requests and Replies into Block Kit.

Every listener acknowledges first-class: slash commands are answered in the ack itself (the core
answers in milliseconds from SQLite), forms open right after the ack with the trigger id, and slow
work (file uploads) runs after the ack. Web API calls retry on 429 honouring Retry-After.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import time
import traceback

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import frontends, metrics
from bot.adapters.files import file_content, reads_document
from bot.adapters.slack import blocks as bk
from bot.adapters.slack.ids import home_room, parse_user, user_id
from bot.adapters.slack.text import decode_incoming, mentioned_ids
from commands.contract import (STALE, ActionError, EditAgenda, FLOOR_ACTIONS, FormContext, ImportDecision,
                               RegistrationDecision, SubmitInput)
from commands.core import UserError, Request
from commands.dispatch import REPLAYED, ReplyCache, handle, handle_once, handle_without_waiting
from commands.families import default_registry
from commands.families.home import home
from commands.reply import Reply, error
from commands.reply import error as error_reply
from bot.dbworkers import InlineWorkers, SharedCommit
from bot.adapters.slack import installations as slack_installs
from commands.adapter_state import CANNOT_SAVE, cannot_save
from commands.adapter_state import dedupe as events

log = logging.getLogger("convene.slack")

HEADS = default_registry().head_names()          # each command word of the core is a slash command
COMMAND_PATTERN = re.compile("^/(" + "|".join(map(re.escape, HEADS)) + ")$")
DEFAULT_API_URL = "https://slack.com/api/"
ACK_BUDGET = 2.5          # seconds the core may take before the ack goes out alone (Slack allows 3)
WORKING = "Working on it: the answer follows in a moment."
UNREADABLE = "I could not read that request (it is not shaped the way Slack sends it), so nothing was changed."
API_TIMEOUT = 15          # seconds per Web API call (retries on 429 and 5xx come on top, each bounded too)
# The replay key of the signed HTTP request being handled (set by the HTTP door, bot/adapters/slack/server.py):
# the core records it in the same transaction as whatever the request changes.
REQUEST_KEY: contextvars.ContextVar[str | None] = contextvars.ContextVar("slack_request_key", default=None)


def _counted(handler_class, reason: str):
    """A slack_sdk retry handler that also counts its retries (convene_delivery_retries)."""
    class Counted(handler_class):
        async def prepare_for_next_attempt_async(self, **kwargs):
            metrics.retried("slack", reason)
            return await super().prepare_for_next_attempt_async(**kwargs)
    return Counted


# The bot scopes Convene asks for when a workspace installs it (the same as slack/manifest.yml; SLACK_SCOPES
# overrides them).
DEFAULT_SCOPES = ("commands", "chat:write", "chat:write.public", "im:write", "files:write", "files:read",
                  "im:history", "users:read", "channels:read", "groups:read")


class NotInstalled(Exception):
    """A workspace has not installed Convene (or has uninstalled it): nothing can be sent there."""


def not_installed_message(settings) -> str:
    where = (f"from {settings.public_url}/slack/install" if settings.public_url
             else "from the “Add to Slack” link your group's coordinators have")
    return ("Convene isn't installed in your Slack workspace, so it cannot answer you here. Ask a Slack admin of "
            f"your organisation to install it {where}; then try again.")


def make_client(settings, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(
        token=token or settings.slack_bot_token, base_url=settings.slack_api_url or DEFAULT_API_URL, timeout=API_TIMEOUT,
        retry_handlers=[_counted(AsyncConnectionErrorRetryHandler, "connection")(max_retry_count=2),
                        _counted(AsyncRateLimitErrorRetryHandler, "rate_limited")(max_retry_count=5),
                        _counted(AsyncServerErrorRetryHandler, "server_error")(max_retry_count=2)])


class _CommandContext:
    """What ``on_command`` reads of bolt's context when the HTTP door hands it a command (``answer_command``)."""
    __slots__ = ("team_id",)

    def __init__(self, team_id: str | None):
        self.team_id = team_id


class SlackAdapter:
    """Owns the bolt app, the Web API client, and delivery of scheduled replies to Slack rooms and users."""

    platform = "slack"

    def __init__(self, settings, db, clock, workers=None):
        self.settings, self.db, self.clock = settings, db, clock
        self.workers = workers or InlineWorkers(db)
        self.client = make_client(settings)
        self.home_team: str | None = None          # one-token mode: the workspace of SLACK_BOT_TOKEN
        self._clients: dict[str, AsyncWebClient] = {}   # OAuth mode: team → a client with its bot token
        self._channel_teams: dict[str, str] = {}       # channel → the installed workspace it was used through
        self.installations = None
        self.outbox = None          # the process's Outbox (bot.outbox), set by the runtime
        bolt_log = logging.getLogger("convene.slack.bolt")
        if settings.slack_oauth:
            self.installations = slack_installs.installation_store(settings.db_path, settings.slack_client_id)
            oauth = AsyncOAuthSettings(
                client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
                scopes=list(settings.slack_scopes or DEFAULT_SCOPES), redirect_uri=self.redirect_uri(),
                installation_store=self.installations, installation_store_bot_only=True,
                state_store=slack_installs.state_store(settings.db_path), logger=bolt_log)
            # bolt's own authorize on the installation store, remembering each token's auth.test (one call per
            # workspace, not one per request); an uninstalled workspace is found missing before the cache.
            authorize = AsyncInstallationStoreAuthorize(
                logger=bolt_log, installation_store=self.installations, client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret, bot_only=True, cache_enabled=True)
            self.app = AsyncApp(client=self.client, signing_secret=settings.slack_signing_secret,
                                oauth_settings=oauth, authorize=authorize, installation_store_bot_only=True,
                                user_facing_authorize_error_message=not_installed_message(settings), logger=bolt_log)
        else:
            self.app = AsyncApp(client=self.client, signing_secret=settings.slack_signing_secret or "socket-mode",
                                request_verification_enabled=not settings.slack_app_token, logger=bolt_log)
        self._background: set[asyncio.Task] = set()
        # Replies of read-only commands, while the data and the minute are the same (commands.dispatch.ReplyCache).
        self.replies = ReplyCache(db, extra=lambda: self.workers.generation)
        self.registry = default_registry()
        self.shared = SharedCommit(db)
        self._register()

    def redirect_uri(self) -> str | None:
        if self.settings.slack_redirect_uri:
            return self.settings.slack_redirect_uri
        return f"{self.settings.public_url}/slack/oauth_redirect" if self.settings.public_url else None

    # --- workspaces -----------------------------------------------------------------

    async def start(self) -> str:
        """Learn who we are: one-token mode asks auth.test for the workspace; the OAuth mode reads the installed
        workspaces. User ids stored before they carried their team are qualified with the one workspace they can
        belong to. Returns a line for the log."""
        run = self.workers.run
        self._channel_teams = await run(slack_installs.channel_teams)
        if not self.settings.slack_oauth:
            auth = await self.client.auth_test()
            self.home_team = auth.get("team_id")
            if self.home_team:
                await run(slack_installs.remember_home_team, self.home_team)
            teams, where = [self.home_team], f"connected as {auth.get('user')} in {auth.get('team')}"
        else:
            teams = await run(slack_installs.installed_teams)
            where = (f"installed in {len(teams)} workspace{'s' if len(teams) != 1 else ''}; "
                     f"install link: {self.settings.public_url or 'https://YOUR-HOST'}/slack/install")
        if teams and len(teams) == 1 and teams[0] and await run(slack_installs.unqualified_users):
            n = await run(slack_installs.qualify_users, teams[0])
            log.info("Slack: %s member ids qualified with their workspace %s", n, teams[0])
        elif await run(slack_installs.unqualified_users):
            log.warning("Slack: some stored user ids carry no workspace and %s workspaces are installed: re-add "
                        "those coordinators as slack:T…:U… (convene group coordinator)", len(teams))
        return where

    async def client_for(self, team: str | None) -> AsyncWebClient:
        """The Web API client of a workspace: its installation's bot token (OAuth), or the one token."""
        if not self.settings.slack_oauth:
            return self.client
        if not team:
            # A channel nobody has used a command in yet (bound from the CLI): the workspace that installed
            # Convene, when there is one.
            teams = await self.workers.run(slack_installs.installed_teams)
            if not teams:
                raise NotInstalled("no workspace has installed Convene yet")
            team = teams[0]
        if team not in self._clients:
            bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team)
            if bot is None or not bot.bot_token:
                raise NotInstalled(f"workspace {team} has not installed Convene (or has uninstalled it)")
            self._clients[team] = make_client(self.settings, bot.bot_token)
        return self._clients[team]

    def forget(self, team: str | None) -> None:
        """After an uninstall or a revoked token: no more calls with that workspace's token."""
        self._clients.pop(team or "", None)
        log.info("Slack: workspace %s uninstalled Convene (or revoked its token); its installation is removed",
                 team)

    def note_channel(self, channel: str | None, team: str | None) -> None:
        """Remember which installed workspace a (possibly shared) channel is reached through."""
        if self.settings.slack_oauth and channel and team and self._channel_teams.get(channel) != team:
            self._channel_teams[channel] = team
            self.workers.background(slack_installs.remember_channel, channel, team)

    async def mention_teams(self, text: str, client, team: str | None) -> dict[str, str]:
        """Teams of the people mentioned in a command (users.info), so that someone from another organisation in
        a shared channel is named with their own workspace. Only commands that mention someone pay for it."""
        teams = {}
        for uid in mentioned_ids(text)[:10]:
            try:
                info = await client.users_info(user=uid)
                teams[uid] = (info.get("user") or {}).get("team_id") or team
            except Exception as e:
                log.info("users.info for %s failed (%s): naming them with the requester's workspace", uid, e)
                teams[uid] = team
        return teams

    # --- plumbing -------------------------------------------------------------------

    def later(self, coro) -> None:
        """Run ``coro`` after the ack, keeping a reference so it is not garbage-collected."""
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    @staticmethod
    def _request(*, room: str, user: str, command: str, text: str = "", user_name: str | None = None,
                 options: dict | None = None, mentions: dict | None = None, direct: bool = False) -> Request:
        return Request(platform="slack", room=room, user=user, command=command, text=text, user_name=user_name,
                       options=options or {}, mentions=mentions or {}, forms=True, direct=direct,
                       front_end=frontends.SLACK)

    def read_now(self, req: Request) -> Reply | None:
        """A read the cache may answer (``agenda``, ``questions``), answered at once on the loop when no shared
        commit is under way; None when it must go the longer way (``run_core``)."""
        if isinstance(self.workers, InlineWorkers) or self.shared.open \
                or self.replies.key(req, self.registry, self.clock()) is None:
            return None
        started = time.perf_counter()
        reply = handle_without_waiting(self.db, req, self.clock, self.settings, front_ends=frontends.ALL,
                                       cache=self.replies, once=REQUEST_KEY.get())
        if reply is not None:
            metrics.observe("slack", req.command, reply.ok, time.perf_counter() - started)
        return reply

    async def run_core(self, **request) -> Reply:
        """The core on the loop, as one transaction that does not wait for the write lock (the fast path); when
        another process holds the lock, the command is run again in a database thread, where it waits without
        stopping anyone."""
        return await self.run_request(self._request(**request))

    async def run_request(self, req: Request) -> Reply:
        started = time.perf_counter()
        if isinstance(self.workers, InlineWorkers):
            reply = handle(self.db, req, self.clock, self.settings, front_ends=frontends.ALL, once=REQUEST_KEY.get())
            metrics.observe("slack", req.command, reply.ok, time.perf_counter() - started)
            return reply
        if reads_document(req.command, req.text, req.options):
            # Reading a document takes seconds (in a worker process): it waits in a database thread, not on the loop.
            return await self.in_thread(req, started)
        return await self.on_loop(req, started) or await self.in_thread(req, started)

    async def on_loop(self, req: Request, started: float) -> Reply | None:
        """The core on the loop's connection without waiting for the write lock; None when another process holds
        it (then ``in_thread``)."""
        once = REQUEST_KEY.get()
        if self.replies.key(req, self.registry, self.clock()) is not None:
            # A read the cache may answer: after any shared commit under way, on its own.
            await self.shared.committed()
            reply = handle_without_waiting(self.db, req, self.clock, self.settings, front_ends=frontends.ALL,
                                           cache=self.replies, once=once)
        else:
            # Anything that may write: in the transaction shared with the requests arriving at the same time,
            # answered once its commit is on disk.
            reply, saved = await self.shared.run(
                lambda: handle_without_waiting(self.db, req, self.clock, self.settings, front_ends=frontends.ALL,
                                               once=once),
                keep=lambda r: r is not None and not (r.status == "error" and CANNOT_SAVE in r.text))
            if not saved:
                reply = error(CANNOT_SAVE)
        if reply is not None:
            metrics.observe("slack", req.command, reply.ok, time.perf_counter() - started)
        return reply

    async def in_thread(self, req: Request, started: float) -> Reply:
        """The core in a database thread, where waiting for another process's write lock stops no one."""
        once = REQUEST_KEY.get()
        if once is not None:
            reply = await self.workers.run(handle_once, req, self.clock, self.settings, front_ends=frontends.ALL,
                                           once=once)
        else:
            reply = await self.workers.run(handle, req, self.clock, self.settings, front_ends=frontends.ALL)
        metrics.observe("slack", req.command, reply.ok, time.perf_counter() - started)
        return reply

    # --- listeners ------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.error(self.on_error)
        app.middleware(self._dedupe_events)
        app.command(COMMAND_PATTERN)(self.on_command)
        app.action(bk.ACTION_SUBMIT)(self.on_submit_button)
        app.action(bk.action_pattern(RegistrationDecision.action_id))(self.on_decision_button)
        app.view(re.compile("^" + re.escape(bk.FORM_CALLBACK)))(self.on_form)
        app.event("app_home_opened")(self.on_home_opened)
        if self.settings.slack_oauth:
            app.event("app_uninstalled")(self.on_uninstalled)
            app.event("tokens_revoked")(self.on_tokens_revoked)
        app.event("member_joined_channel")(self._ignore)
        app.event("message")(self.on_message)
        app.action(bk.action_pattern(ImportDecision.action_id))(self.on_import_button)
        app.action(EditAgenda.action_id)(self.on_edit_button)
        for action in FLOOR_ACTIONS:
            app.action(bk.action_pattern(action.action_id))(self.on_floor_button)

    async def _ignore(self, ack=None):
        if ack:
            await ack()

    async def _dedupe_events(self, body, next):
        """The Events API retries deliveries (x-slack-retry-num); handle each event_id once."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id is not None and not isinstance(event_id, str):
            log.warning("Slack request refused: an event id that is not text")
            return BoltResponse(status=400, body="bad request")
        try:
            first = not event_id or await self.workers.run(events.first_sighting, f"slack:{event_id}", self.clock())
        except Exception as e:
            if not cannot_save(e):
                raise
            # The disk is full or read-only: Slack is asked to send it again later (the event is not lost).
            log.warning("Slack event %s not handled: cannot save (%s); Slack will retry", event_id, cannot_save(e))
            return BoltResponse(status=503, body="cannot save right now")
        if not first:
            log.info("duplicate event %s ignored", event_id)
            return BoltResponse(status=200, body="")
        return await next()

    async def on_error(self, error, body, response):
        """Anything a listener could not handle — in practice a payload of a shape Slack does not send (a field
        missing, a list where an object belongs): one warning line with where it stopped, no traceback (that is
        logged at DEBUG), and a clear answer where one can still be given: an error view for a form, a private
        reply for a command, else 400."""
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
        log.warning("Slack request refused: a payload Convene cannot read (%s: %s%s)", type(error).__name__,
                    str(error)[:200], where)
        log.debug("the payload's error in full", exc_info=error)
        kind = body.get("type") if isinstance(body, dict) else None
        if kind == "view_submission":
            view = bk.notice_view("Not submitted", error_reply(STALE))
            return BoltResponse(status=200, body=json.dumps({"response_action": "update", "view": view}),
                                headers={"content-type": ["application/json;charset=utf-8"]})
        if isinstance(body, dict) and "command" in body:
            return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": UNREADABLE}),
                                headers={"content-type": ["application/json;charset=utf-8"]})
        return BoltResponse(status=400, body="bad request")

    async def on_uninstalled(self, context):
        await self.app.default_app_uninstalled_event_listener()(context=context)
        self.forget(context.team_id)

    async def on_tokens_revoked(self, event, context):
        await self.app.default_tokens_revoked_event_listener()(event=event, context=context)
        if (event.get("tokens") or {}).get("bot"):
            self.forget(context.team_id)

    async def answer_command(self, command: dict) -> tuple[int, dict | str]:
        """A slash command handed over by the HTTP door (one workspace, the signature checked there), run by the same
        listener bolt would call (``on_command``), with an ack that answers the HTTP request the moment it is called
        — where bolt's dispatcher looks for the ack every 10 ms. Returns (status, body) the way bolt would answer
        (a body that is only text is sent as text); a listener that cannot read the payload answers like
        ``on_error``. OAuth installs and everything else go through bolt (authorization per workspace)."""
        acked: asyncio.Future = asyncio.get_running_loop().create_future()

        async def ack(text: str = "", blocks=None, response_type=None, **more):
            body = {"text": text}
            if response_type:
                body["response_type"] = response_type
            for key in ("unfurl_links", "unfurl_media"):
                if more.get(key) is not None:
                    body[key] = more[key]
            if blocks:
                body["blocks"] = blocks
            if not acked.done():
                acked.set_result((200, text if len(body) == 1 else body))

        # on_command returns as soon as it has acknowledged (what follows the ack runs on its own), so it runs here.
        try:
            await self.on_command(ack, command, self.client, _CommandContext(command.get("team_id")))
        except Exception as e:
            answer = await self.on_error(e, command, None)
            if not acked.done():
                acked.set_result((answer.status, json.loads(answer.body) if answer.status == 200 else answer.body))
        if not acked.done():
            acked.set_result((200, ""))
        return acked.result()

    async def on_command(self, ack, command, client, context):
        head = command["command"].lstrip("/")
        team = command.get("team_id") or context.team_id
        self.note_channel(command.get("channel_id"), context.team_id)
        raw = command.get("text", "")
        text, mentions = decode_incoming(raw, team, await self.mention_teams(raw, client, team) if "<@" in raw else None)
        req = self._request(room=f"slack:{command['channel_id']}", user=user_id(team, command["user_id"]),
                            command=head, text=text, user_name=command.get("user_name"), mentions=mentions,
                            direct=command.get("channel_name") == "directmessage")
        reply = self.read_now(req)
        if reply is None and not isinstance(self.workers, InlineWorkers):
            reply = await self.on_loop(req, time.perf_counter())
        if reply is None:
            work = asyncio.ensure_future(self.run_request(req) if isinstance(self.workers, InlineWorkers)
                                         else self.in_thread(req, time.perf_counter()))
            done, _ = await asyncio.wait({work}, timeout=ACK_BUDGET)
            if not done:
                # The database is busy (another process holds the write lock): acknowledge within Slack's 3
                # seconds, and answer when the command has run.
                await ack(response_type="ephemeral", text=WORKING)
                self.later(self.answer_later(work, client, command["channel_id"], command["user_id"]))
                return
            reply = work.result()
        if reply.status == REPLAYED:
            await ack()
            return
        if reply.form is not None:
            await ack()
            form = FormContext(reply.form.command, f"slack:{command['channel_id']}")
            self.later(self.open_view(client, command["trigger_id"], bk.form_view(reply.form, form)))
            return
        msg = reply.rendered.get("slack")
        if msg is None:
            msg = reply.rendered["slack"] = bk.message(reply)
        await ack(response_type="in_channel" if reply.public and reply.ok else "ephemeral", **msg)
        self.send_notices(reply)
        if reply.files:
            self.later(self.upload_files(reply, client, command["channel_id"], command["user_id"]))

    async def open_view(self, client, trigger_id: str, view: dict) -> None:
        """A form, opened after the ack (the trigger stays valid for 3 seconds)."""
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except Exception as e:
            log.warning("the form could not open (%s: %s)", type(e).__name__, str(e)[:200])

    @staticmethod
    def _team(body, context) -> str | None:
        """The acting user's own workspace (in a shared channel it may differ from the installation's)."""
        return (body.get("user") or {}).get("team_id") or context.team_id

    async def on_decision_button(self, ack, body, client, context):
        """Approve / Refuse under a registration request (in the approver's DM): the core decides who may."""
        await ack()
        try:
            decision = RegistrationDecision.decode((body.get("actions") or [{}])[0].get("value", ""))
        except ActionError as e:
            await client.views_open(trigger_id=body["trigger_id"], view=bk.notice_view("Convene", error(str(e))))
            return
        user, team = body["user"]["id"], self._team(body, context)
        reply = await self.run_core(room=home_room(team, user), user=user_id(team, user), command="registration",
                                    text=f"{decision.verdict} {decision.request_id}",
                                    options={"group_id": decision.group_id},
                                    user_name=body["user"].get("username") or body["user"].get("name"))
        if reply.status == REPLAYED:
            return
        self.send_notices(reply)
        await client.views_open(trigger_id=body["trigger_id"], view=bk.notice_view("Registration", reply))

    async def on_submit_button(self, ack, body, client, context):
        await ack()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        try:
            action = SubmitInput.decode((body.get("actions") or [{}])[0].get("value", ""))
        except ActionError as e:           # not a value we made (tampered, or from an older version)
            await client.views_open(trigger_id=body["trigger_id"], view=bk.notice_view("Convene", error(str(e))))
            return
        options = {"preselect": action.question.encode()}
        if action.group_id is not None:
            options["group_id"] = action.group_id
        user, team = body["user"]["id"], self._team(body, context)
        self.note_channel(channel, context.team_id)
        room = f"slack:{channel}" if channel else home_room(team, user)
        reply = await self.run_core(room=room, user=user_id(team, user), command="submit", options=options,
                                    user_name=body["user"].get("username") or body["user"].get("name"))
        if reply.status == REPLAYED:
            return
        if reply.form is not None:
            form = FormContext(reply.form.command, f"slack:{channel}" if channel else None, action.group_id)
            await client.views_open(trigger_id=body["trigger_id"], view=bk.form_view(reply.form, form))
        else:
            await client.views_open(trigger_id=body["trigger_id"], view=bk.notice_view("Convene", reply))

    async def on_edit_button(self, ack, body, client, context):
        """Edit under an agenda or an import: the form that corrects the session (the core checks the person
        coordinates its group)."""
        await ack()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        try:
            action = EditAgenda.decode((body.get("actions") or [{}])[0].get("value", ""))
        except ActionError as e:
            await client.views_open(trigger_id=body["trigger_id"], view=bk.notice_view("Convene", error(str(e))))
            return
        user, team = body["user"]["id"], self._team(body, context)
        reply = await self.run_core(room=f"slack:{channel}" if channel else home_room(team, user),
                                    user=user_id(team, user), command="item edit", text=f"#{action.session_id}",
                                    options={"group_id": action.group_id},
                                    user_name=body["user"].get("username") or body["user"].get("name"))
        if reply.form is not None:
            form = FormContext(reply.form.command, f"slack:{channel}" if channel else None, action.group_id)
            await client.views_open(trigger_id=body["trigger_id"], view=bk.form_view(reply.form, form))
        else:
            await client.views_open(trigger_id=body["trigger_id"], view=bk.notice_view("Convene", reply))

    async def on_floor_button(self, ack, body, client, context):
        """Request the floor / Next speaker under the rolling list: the typed action is decoded (a tampered or stale
        value is refused), then it is the command ``floor request`` / ``floor next`` of the person who pressed,
        with its rights checked by dispatch like any other; the answer is shown to them alone."""
        await ack()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        user, team = body["user"]["id"], self._team(body, context)
        pressed = (body.get("actions") or [{}])[0]
        kind = next((a for a in FLOOR_ACTIONS if a.action_id == (pressed.get("action_id") or "").split(":")[0]), None)
        try:
            if kind is None:
                raise ActionError("That button is not one of mine.")
            action = kind.decode(pressed.get("value", ""))
        except ActionError as e:
            reply = error(str(e))
        else:
            self.note_channel(channel, context.team_id)
            reply = await self.run_core(room=f"slack:{channel}" if channel else home_room(team, user),
                                        user=user_id(team, user), command="floor", text=action.command,
                                        options={"group_id": action.group_id, "floor_list": action.list_id},
                                        user_name=body["user"].get("username") or body["user"].get("name"))
        await self.confirm(reply, client, channel, user)
        self.send_notices(reply)

    # --- documents to import -------------------------------------------------------------------------

    async def fetch_file(self, client, file_id: str) -> tuple[str, bytes]:
        """A file someone shared with the bot: its name and bytes, read with the bot's own token from the address
        Slack gives for that file id (files.info) — never from an address someone typed."""
        from commands.families.imports import check_document
        info = await client.files_info(file=file_id)
        f = info["file"]
        name = f.get("name") or f.get("title") or "document"
        check_document(name, int(f.get("size") or 0))
        url = f.get("url_private_download") or f.get("url_private")
        if not url:
            raise UserError(f"Slack gives no download for {name}.")
        import aiohttp
        from commands.importers import MAX_OFFICE_BYTES
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            async with http.get(url, headers={"Authorization": f"Bearer {client.token}"}) as resp:
                if resp.status != 200:
                    raise UserError(f"I could not read {name} from Slack (HTTP {resp.status}).")
                # The whole body, chunk by chunk (one read() returns at most one chunk), up to one byte past the limit.
                chunks, size = [], 0
                async for chunk in resp.content.iter_chunked(1 << 16):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_OFFICE_BYTES:
                        break
                data = b"".join(chunks)
        check_document(name, len(data))
        return name, data

    async def import_file(self, client, *, file_id: str, room: str, user: str, team: str | None, text: str,
                          options: dict, user_name: str | None) -> Reply:
        # Who may import is the core's decision, asked before anything is fetched from Slack: the same command
        # without its document (a coordinator gets the form back, anyone else the refusal).
        allowed = await self.run_core(room=room, user=user_id(team, user), command="import", text=text,
                                      options=options, user_name=user_name)
        if not allowed.ok:
            return allowed
        if not isinstance(file_id, str) or not file_id:
            return error(STALE)
        try:
            name, data = await self.fetch_file(client, file_id)
        except UserError as e:
            return error(e.message)
        return await self.run_core(room=room, user=user_id(team, user), command="import", text=text,
                                   options={**options, "document": data, "filename": name}, user_name=user_name)

    async def on_message(self, event, client, context):
        """A file sent to the bot in a direct message, captioned "import [GROUP]": a document to import. Other
        messages are not commands (commands are slash commands)."""
        if event.get("channel_type") != "im" or event.get("bot_id") or not event.get("files"):
            return
        caption = " ".join((event.get("text") or "").split())
        if caption and not caption.lower().startswith(("import", "/convene import")):
            return
        rest = caption.split(None, 1)[1] if caption.lower().startswith("import") and " " in caption else ""
        user, channel = event.get("user"), event.get("channel")
        team = event.get("team") or context.team_id
        first = event["files"][0] if isinstance(event["files"], list) and event["files"] else {}
        reply = await self.import_file(client, file_id=first.get("id") if isinstance(first, dict) else None,
                                       room=f"slack:{channel}", user=user, team=team, text=rest, options={},
                                       user_name=None)
        if reply.status == REPLAYED:
            return
        await client.chat_postMessage(channel=channel, **bk.message(reply))
        self.send_notices(reply)

    async def on_import_button(self, ack, body, client, context):
        await ack()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        user, team = body["user"]["id"], self._team(body, context)
        try:
            decision = ImportDecision.decode((body.get("actions") or [{}])[0].get("value", ""))
        except ActionError as e:
            reply = error(str(e))
        else:
            reply = await self.run_core(room=f"slack:{channel}" if channel else home_room(team, user),
                                        user=user_id(team, user), command="import",
                                        text=f"{decision.verdict} {decision.pending_id}",
                                        options={"group_id": decision.group_id},
                                        user_name=body["user"].get("username") or body["user"].get("name"))
        if reply.status == REPLAYED:
            return
        if reply.form is not None:       # Import and edit: the form that corrects what was imported
            form = FormContext(reply.form.command, f"slack:{channel}" if channel else None,
                               decision.group_id if reply.ok else None)
            await client.views_open(trigger_id=body["trigger_id"], view=bk.form_view(reply.form, form))
        if channel and channel.startswith("D"):
            await client.chat_postMessage(channel=channel, **bk.message(reply))
        else:
            await self.confirm(reply, client, channel, user)
        self.send_notices(reply)

    async def on_form(self, ack, body, view, client, context):
        try:
            form = FormContext.decode(bk.form_meta(view))
            values = bk.form_values(view)
        except ActionError as e:
            await ack(response_action="update", view=bk.notice_view("Not submitted", error(str(e))))
            return
        if form.command == "import":
            await self.on_import_form(ack, body, form, values, client, context)
            return
        options = {k: v for k, v in values.items() if v is not None}
        if form.group_id is not None:
            options["group_id"] = form.group_id
        user, team = body["user"]["id"], self._team(body, context)
        room = form.room or home_room(team, user)
        channel = form.room.split(":", 1)[1] if form.room else None
        reply = await self.run_core(room=room, user=user_id(team, user), command=form.command,
                                    options=options, user_name=body["user"].get("username") or body["user"].get("name"))
        if reply.status == REPLAYED:
            await ack()
            return
        if not reply.ok:
            field = reply.field if reply.field in values else None
            if field:
                await ack(response_action="errors", errors={field: reply.text[:150]})
            else:
                await ack(response_action="update", view=bk.notice_view("Not submitted", reply))
            return
        if reply.form is not None:       # the next step of the same form (a long agenda: the chosen item)
            await ack(response_action="update", view=bk.form_view(reply.form, form))
            return
        await ack()
        self.later(self.confirm(reply, client, channel, user))
        self.send_notices(reply)
        if not channel:          # submitted from the Home tab: show it up to date
            self.later(self.publish_home(client, team, user))

    async def on_import_form(self, ack, body, form, values, client, context):
        files = values.get("document") or []
        if not files:
            await ack(response_action="errors", errors={"document": "Choose the document to import."})
            return
        await ack()                      # reading the file takes longer than Slack waits for an answer
        user, team = body["user"]["id"], self._team(body, context)
        channel = form.room.split(":", 1)[1] if form.room else None
        options = {"group_id": form.group_id} if form.group_id is not None else {}
        start = (values.get("start") or "").strip()
        text = f"--start '{start}'" if start else ""
        reply = await self.import_file(client, file_id=files[0], room=form.room or home_room(team, user), user=user,
                                       team=team, text=text, options=options,
                                       user_name=body["user"].get("username") or body["user"].get("name"))
        if reply.status == REPLAYED:
            return
        await self.confirm(reply, client, channel, user)

    async def answer_later(self, work, client, channel: str, user: str) -> None:
        reply = await work
        if reply.status == REPLAYED:
            return
        if reply.form is not None:     # too late to open a form (its trigger expires in 3 seconds)
            reply = error("The form could not open in time: please type the command again.")
        if reply.public and reply.ok:
            await client.chat_postMessage(channel=channel, **bk.message(reply))
        else:
            await self.confirm(reply, client, channel, user)
        self.send_notices(reply)
        if reply.files:
            await self.upload_files(reply, client, channel, user)

    async def confirm(self, reply: Reply, client, channel: str | None, user: str) -> None:
        """Tell only the submitter: ephemeral in the channel the form came from, else a direct message."""
        msg = bk.message(reply)
        if channel:
            try:
                await client.chat_postEphemeral(channel=channel, user=user, **msg)
                return
            except Exception:  # e.g. the bot is not in that channel: fall back to a DM
                log.info("ephemeral confirmation to %s failed; sending a direct message", channel)
        await self.post_to_user(client, user, msg)

    async def on_home_opened(self, ack, event, client, context):
        await ack()
        if event.get("tab", "home") != "home":
            return
        await self.publish_home(client, event.get("user_team") or context.team_id, event["user"])

    async def publish_home(self, client, team: str | None, user: str) -> None:
        reply = await self.workers.run(home, user_id(team, user), self.clock(), frontends.SLACK, self.settings)
        await client.views_publish(user_id=user, view=bk.home_view(reply))

    # --- outgoing -------------------------------------------------------------------

    async def post_to_user(self, client, user: str, msg: dict) -> None:
        opened = await client.conversations_open(users=user)
        await client.chat_postMessage(channel=opened["channel"]["id"], **msg)

    async def upload_files(self, reply: Reply, client, channel: str, user: str) -> None:
        """Files go to the requester privately, into their direct conversation with the bot. Building a big
        file (a DOCX of 2,000 inputs) runs in a worker thread with its own connection, after the ack."""
        try:
            opened = await client.conversations_open(users=user)
            dm = opened["channel"]["id"]
            for f in reply.files:
                content = await file_content(self.settings, f)
                await client.files_upload_v2(channel=dm, content=content, filename=f.filename,
                                                  title=f.title or f.filename,
                                                  initial_comment=f"{f.title or f.filename} — as requested in "
                                                                  f"<#{channel}>")
        except Exception:
            log.exception("file delivery to %s failed", user)
            await self.post_to_user(client, user, bk.message(error(
                "I could not deliver the file: something went wrong on my side. It is logged; please try again.")))


    async def deliver(self, reply: Reply, target: str, key: str | None = None) -> str | None:
        """A reply the bot sends on its own, to ``slack:C…`` (a room) or ``slack:T…:U…`` (a user, as a DM), with
        the token of the workspace it belongs to: the user's own, or the one the channel was last used through.
        Raises NotInstalled when that workspace has no installation (the caller records the failure). Returns the
        message's ts in a channel (the outbox updates it later when it is a message updated in place)."""
        msg = bk.message(reply)
        person = parse_user(target)
        if person is not None:
            team, uid = person
            await self.post_to_user(await self.client_for(team or self.home_team), uid, msg)
        else:
            channel = target.split(":", 1)[1]
            posted = await (await self.client_for(self._channel_teams.get(channel))).chat_postMessage(channel=channel,
                                                                                                      **msg)
            return posted.get("ts")
        return None

    async def update(self, reply: Reply, target: str, ref: str) -> None:
        """The outbox's "update this earlier message": ``chat.update`` of the message ``ref`` (its ts)."""
        channel = target.split(":", 1)[1]
        msg = bk.message(reply)
        msg.pop("unfurl_links", None)
        msg.pop("unfurl_media", None)
        await (await self.client_for(self._channel_teams.get(channel))).chat_update(channel=channel, ts=ref, **msg)

    def send_notices(self, reply: Reply) -> None:
        """Others to tell (the coordinators of a late input): through the outbox, to whatever platform they are on."""
        if self.outbox is not None:
            self.outbox.post_soon(reply.notices)
            if reply.queued:
                self.outbox.kick()          # the command queued messages itself (a rolling list)
            return
        for target, note in reply.notices:          # an adapter running alone (benchmarks): Slack addresses only
            if self.owns(target):
                self.later(self.deliver(note, target))

    def owns(self, target: str) -> bool:
        return target.startswith("slack:")



__all__ = ["SlackAdapter", "error"]
