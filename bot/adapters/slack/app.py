"""The Slack adapter: bolt listeners that turn payloads into core Requests and Replies into Block Kit.

Every listener acknowledges first-class: slash commands are answered in the ack itself (the core
answers in milliseconds from SQLite), forms open right after the ack with the trigger id, and slow
work (file uploads) runs after the ack. Web API calls retry on 429 honouring Retry-After.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.adapters.files import file_content
from bot.adapters.slack import blocks as bk
from bot.adapters.slack.text import decode_incoming
from commands.core import Request
from commands.dispatch import handle, handle_without_waiting
from commands.home import home
from commands.reply import Reply, error
from bot.dbworkers import InlineWorkers
from storage import events

log = logging.getLogger("convene.slack")

HEADS = ("agenda", "questions", "submit", "inputs", "convene")
COMMAND_PATTERN = re.compile(r"^/(agenda|questions|submit|inputs|convene)$")
DEFAULT_API_URL = "https://slack.com/api/"
ACK_BUDGET = 2.5          # seconds the core may take before the ack goes out alone (Slack allows 3)
WORKING = "Working on it: the answer follows in a moment."
API_TIMEOUT = 15          # seconds per Web API call (retries on 429 and 5xx come on top, each bounded too)


def _counted(handler_class, reason: str):
    """A slack_sdk retry handler that also counts its retries (convene_delivery_retries)."""
    class Counted(handler_class):
        async def prepare_for_next_attempt_async(self, **kwargs):
            metrics.retried("slack", reason)
            return await super().prepare_for_next_attempt_async(**kwargs)
    return Counted


def make_client(settings) -> AsyncWebClient:
    return AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url or DEFAULT_API_URL, timeout=API_TIMEOUT,
        retry_handlers=[_counted(AsyncConnectionErrorRetryHandler, "connection")(max_retry_count=2),
                        _counted(AsyncRateLimitErrorRetryHandler, "rate_limited")(max_retry_count=5),
                        _counted(AsyncServerErrorRetryHandler, "server_error")(max_retry_count=2)])


class SlackAdapter:
    """Owns the bolt app, the Web API client, and delivery of scheduled replies to Slack rooms and users."""

    platform = "slack"

    def __init__(self, settings, db, clock, workers=None):
        self.settings, self.db, self.clock = settings, db, clock
        self.workers = workers or InlineWorkers(db)
        self.client = make_client(settings)
        self.app = AsyncApp(client=self.client, signing_secret=settings.slack_signing_secret or "socket-mode",
                            request_verification_enabled=not settings.slack_app_token,
                            logger=logging.getLogger("convene.slack.bolt"))
        self._background: set[asyncio.Task] = set()
        self._register()

    # --- plumbing -------------------------------------------------------------------

    def later(self, coro) -> None:
        """Run ``coro`` after the ack, keeping a reference so it is not garbage-collected."""
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def run_core(self, *, room: str, user: str, command: str, text: str = "", user_name: str | None = None,
                       options: dict | None = None, mentions: dict | None = None, direct: bool = False) -> Reply:
        """The core on the loop, as one transaction that does not wait for the write lock (the fast path); when
        another process holds the lock, the command is run again in a database thread, where it waits without
        stopping anyone."""
        req = Request(platform="slack", room=room, user=user, command=command, text=text, user_name=user_name,
                      options=options or {}, mentions=mentions or {}, forms=True, direct=direct)
        started = time.perf_counter()
        if isinstance(self.workers, InlineWorkers):
            reply = handle(self.db, req, self.clock, self.settings)
        else:
            reply = handle_without_waiting(self.db, req, self.clock, self.settings)
            if reply is None:
                reply = await self.workers.run(handle, req, self.clock, self.settings)
        metrics.observe("slack", command, reply.ok, time.perf_counter() - started)
        return reply

    # --- listeners ------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        app.middleware(self._dedupe_events)
        app.command(COMMAND_PATTERN)(self.on_command)
        app.action(bk.ACTION_SUBMIT)(self.on_submit_button)
        app.view(re.compile("^" + re.escape(bk.FORM_CALLBACK)))(self.on_form)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("member_joined_channel")(self._ignore)
        app.event("message")(self._ignore)

    async def _ignore(self, ack=None):
        if ack:
            await ack()

    async def _dedupe_events(self, body, next):
        """The Events API retries deliveries (x-slack-retry-num); handle each event_id once."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not await self.workers.run(events.first_sighting, f"slack:{event_id}", self.clock()):
            log.info("duplicate event %s ignored", event_id)
            return BoltResponse(status=200, body="")
        return await next()

    async def on_command(self, ack, command, client):
        head = command["command"].lstrip("/")
        text, mentions = decode_incoming(command.get("text", ""))
        work = asyncio.ensure_future(self.run_core(
            room=f"slack:{command['channel_id']}", user=f"slack:{command['user_id']}", command=head, text=text,
            user_name=command.get("user_name"), mentions=mentions,
            direct=command.get("channel_name") == "directmessage"))
        done, _ = await asyncio.wait({work}, timeout=ACK_BUDGET)
        if not done:
            # The database is busy (another process holds the write lock): acknowledge within Slack's 3 seconds,
            # and answer when the command has run.
            await ack(response_type="ephemeral", text=WORKING)
            self.later(self.answer_later(work, command["channel_id"], command["user_id"]))
            return
        reply = work.result()
        if reply.form is not None:
            await ack()
            meta = {"room": f"slack:{command['channel_id']}", "channel": command["channel_id"]}
            await client.views_open(trigger_id=command["trigger_id"], view=bk.form_view(reply.form, meta))
            return
        await ack(response_type="in_channel" if reply.public and reply.ok else "ephemeral", **bk.message(reply))
        self.send_notices(reply)
        if reply.files:
            self.later(self.upload_files(reply, command["channel_id"], command["user_id"]))

    async def on_submit_button(self, ack, body, client):
        await ack()
        value = (body.get("actions") or [{}])[0].get("value", "")
        options = {}
        if value.startswith("G") and "/" in value:
            gid, value = value[1:].split("/", 1)
            options["group_id"] = gid
        options["preselect"] = value
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        user = body["user"]["id"]
        room = f"slack:{channel}" if channel else f"slack:home:{user}"
        reply = await self.run_core(room=room, user=f"slack:{user}", command="submit", options=options,
                              user_name=body["user"].get("username") or body["user"].get("name"))
        if reply.form is not None:
            meta = {"room": room, "channel": channel, "group_id": options.get("group_id")}
            await client.views_open(trigger_id=body["trigger_id"], view=bk.form_view(reply.form, meta))
        else:
            await client.views_open(trigger_id=body["trigger_id"], view=bk.notice_view("Convene", reply))

    async def on_form(self, ack, body, view, client):
        meta = bk.form_meta(view)
        values = bk.form_values(view)
        options = {k: v for k, v in values.items() if v is not None}
        if meta.get("group_id"):
            options["group_id"] = meta["group_id"]
        user = body["user"]["id"]
        room = meta.get("room") or f"slack:home:{user}"
        reply = await self.run_core(room=room, user=f"slack:{user}", command=meta.get("command", "submit"),
                              options=options, user_name=body["user"].get("username") or body["user"].get("name"))
        if not reply.ok:
            field = reply.field if reply.field in values else None
            if field:
                await ack(response_action="errors", errors={field: reply.text[:150]})
            else:
                await ack(response_action="update", view=bk.notice_view("Not submitted", reply))
            return
        await ack()
        self.later(self.confirm(reply, meta.get("channel"), user))
        self.send_notices(reply)
        if not meta.get("channel"):          # submitted from the Home tab: show it up to date
            self.later(self.publish_home(user))

    async def answer_later(self, work, channel: str, user: str) -> None:
        reply = await work
        if reply.form is not None:     # too late to open a form (its trigger expires in 3 seconds)
            reply = error("The form could not open in time: please type the command again.")
        if reply.public and reply.ok:
            await self.client.chat_postMessage(channel=channel, **bk.message(reply))
        else:
            await self.confirm(reply, channel, user)
        self.send_notices(reply)
        if reply.files:
            await self.upload_files(reply, channel, user)

    async def confirm(self, reply: Reply, channel: str | None, user: str) -> None:
        """Tell only the submitter: ephemeral in the channel the form came from, else a direct message."""
        msg = bk.message(reply)
        if channel:
            try:
                await self.client.chat_postEphemeral(channel=channel, user=user, **msg)
                return
            except Exception:  # e.g. the bot is not in that channel: fall back to a DM
                log.info("ephemeral confirmation to %s failed; sending a direct message", channel)
        await self.post_to_user(user, msg)

    async def on_home_opened(self, ack, event, client):
        await ack()
        if event.get("tab", "home") != "home":
            return
        await self.publish_home(event["user"])

    async def publish_home(self, user: str) -> None:
        reply = await self.workers.run(home, f"slack:{user}", self.clock(), "slack", self.settings)
        await self.client.views_publish(user_id=user, view=bk.home_view(reply))

    # --- outgoing -------------------------------------------------------------------

    async def post_to_user(self, user: str, msg: dict) -> None:
        opened = await self.client.conversations_open(users=user)
        await self.client.chat_postMessage(channel=opened["channel"]["id"], **msg)

    async def upload_files(self, reply: Reply, channel: str, user: str) -> None:
        """Files go to the requester privately, into their direct conversation with the bot. Building a big
        file (a DOCX of 2,000 inputs) runs in a worker thread with its own connection, after the ack."""
        try:
            opened = await self.client.conversations_open(users=user)
            dm = opened["channel"]["id"]
            for f in reply.files:
                content = await file_content(self.settings, f)
                await self.client.files_upload_v2(channel=dm, content=content, filename=f.filename,
                                                  title=f.title or f.filename,
                                                  initial_comment=f"{f.title or f.filename} — as requested in "
                                                                  f"<#{channel}>")
        except Exception:
            log.exception("file delivery to %s failed", user)
            await self.post_to_user(user, bk.message(error(
                "I could not deliver the file: something went wrong on my side. It is logged; please try again.")))


    async def deliver(self, reply: Reply, target: str) -> None:
        """A scheduled reply to ``slack:C…`` (a room) or ``slack:U…``/``slack:W…`` (a user, as a DM)."""
        ident = target.split(":", 1)[1]
        msg = bk.message(reply)
        if ident[:1] in ("U", "W"):
            await self.post_to_user(ident, msg)
        else:
            await self.client.chat_postMessage(channel=ident, **msg)

    def send_notices(self, reply: Reply) -> None:
        for target, note in reply.notices:
            if self.owns(target):
                self.later(self.deliver(note, target))

    def owns(self, target: str) -> bool:
        return target.startswith("slack:")



__all__ = ["SlackAdapter", "error"]
