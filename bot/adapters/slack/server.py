"""Running the Slack adapter: HTTP mode (routes on the bot's web server) or Socket Mode."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.app import COMMAND_PATTERN, REQUEST_KEY, SlackAdapter
from commands.adapter_state import dedupe as events
from bot.web.server import base_app

log = logging.getLogger("convene.slack")
EVENTS_PATH = "/slack/events"


READ = ":read"              # the suffix of a request's key written in batches (see _RecentKeys)
REPLAY_WINDOW = 5 * 60      # Slack refuses to sign for longer; bolt refuses older timestamps
BODY_TIMEOUT = 10           # seconds for a request's body to arrive (Slack sends it at once)


class _RecentKeys:
    """Keys seen in the last ``ttl`` seconds, in memory (bounded by the replay window); new ones are written to
    the database in batches, at most one transaction a second. These are for requests that only read (a replayed
    /agenda): a request that changes anything has its key recorded by the core in the same transaction as its
    changes (``REQUEST_KEY``), so it can never act twice, whatever restarts or other processes come between."""

    def __init__(self, ttl: float):
        self.ttl, self.keys = ttl, {}
        self.unsaved: list[str] = []
        self.flushing = False

    def seen(self, key: str) -> bool:
        return key in self.keys

    def add(self, key: str, adapter) -> None:
        now = time.monotonic()
        self.keys[key] = now
        if len(self.keys) > 1000 and next(iter(self.keys.values())) < now - self.ttl:
            self.keys = {k: t for k, t in self.keys.items() if t >= now - self.ttl}
        self.unsaved.append(key + READ)
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().call_later(1.0, self.flush, adapter)

    def flush(self, adapter) -> None:
        keys, self.unsaved, self.flushing = self.unsaved, [], False
        if keys:
            adapter.workers.background(events.record_many, keys, adapter.clock())


def mount(adapter: SlackAdapter):
    """POST /slack/events for commands, interactivity and events.

    Before bolt sees a request: a malformed one (a timestamp that is not a number, a missing signature) is
    answered 400; a correctly signed request seen before (same signature and timestamp, within Slack's
    five-minute window) is answered once only, later copies get an empty 200 and change nothing (its key is
    recorded by the core with whatever it changes: ``REQUEST_KEY``). A slash command of the one workspace
    (not an OAuth install), its signature checked here, goes straight to its listener
    (``SlackAdapter.answer_command``); everything else goes through bolt, which verifies the signature (401 on
    a bad or stale one) before any listener runs; a payload it cannot read gets 400, with one warning line in
    the log and no traceback."""
    verifier = SignatureVerifier(adapter.settings.slack_signing_secret or "")
    replays = _RecentKeys(REPLAY_WINDOW + 60)

    async def slack_events(request: web.Request) -> web.Response:
        ts = request.headers.get("X-Slack-Request-Timestamp", "")
        sig = request.headers.get("X-Slack-Signature", "")
        if not ts.isdigit() or len(ts) > 12 or not sig.startswith("v0="):
            log.warning("Slack request refused: missing or malformed signature headers")
            return web.Response(status=400, text="bad request")
        try:
            body = await asyncio.wait_for(request.read(), BODY_TIMEOUT)
        except asyncio.TimeoutError:
            log.warning("Slack request refused: the body did not arrive within %s s", BODY_TIMEOUT)
            return web.Response(status=408, text="request timeout", headers={"Connection": "close"})
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("Slack request refused: the body is not UTF-8")
            return web.Response(status=400, text="bad request")
        if adapter.settings.slack_signing_secret and verifier.is_valid(body=text, timestamp=ts, signature=sig):
            key = "slack:request:" + hashlib.sha256(f"{ts}:{sig}".encode()).hexdigest()
            # A read never waits for the write lock (WAL): it runs here, on the loop, without a thread hop.
            # Two keys: the core records ``key`` with what the request changes; ``key:read`` is written in
            # batches for every request (a replayed read), never before the core's own check of ``key``.
            if replays.seen(key) or events.seen_any(adapter.db, [key, key + READ]):
                log.warning("Slack request replayed (timestamp %s): answered before, ignored", ts)
                return web.Response(status=200, text="")
            # Recorded in memory at once, and on disk in batches by the background writer, without making this
            # request wait for the write lock; and handed to the core, which records it with what it changes.
            replays.add(key, adapter)
        else:
            key = None
        # Set for this request only (aiohttp serves the requests of one connection in one task).
        token = REQUEST_KEY.set(key)
        if key is not None and not adapter.settings.slack_oauth and "payload=" not in text and text[:1] != "{":
            # A slash command of the one workspace, its signature checked above: straight to its listener.
            form = dict(parse_qsl(text, keep_blank_values=True))
            if COMMAND_PATTERN.match(form.get("command", "")):
                try:
                    status, answer = await adapter.answer_command(form)
                finally:
                    REQUEST_KEY.reset(token)
                if isinstance(answer, dict):
                    return web.json_response(answer, status=status)
                return web.Response(status=status, text=answer)
        try:
            bolt_resp = await adapter.app.async_dispatch(await to_bolt_request(request))
        except Exception as e:           # bolt could not read the payload
            log.warning("Slack request refused: unreadable payload (%s: %s)", type(e).__name__, str(e)[:200])
            return web.Response(status=400, text="bad request")
        finally:
            REQUEST_KEY.reset(token)
        if bolt_resp.status >= 500:
            log.warning("Slack request refused: bolt answered %s", bolt_resp.status)
            return web.Response(status=400, text="bad request")
        return await to_aiohttp_response(bolt_resp)

    oauth = adapter.app.oauth_flow

    async def oauth_pages(request: web.Request) -> web.Response:
        """bolt's own install flow: the "Add to Slack" page (state cookie + state store) and the redirect that
        exchanges the code (oauth.v2.access) and saves the workspace's installation."""
        bolt_req = await to_bolt_request(request)
        if request.path == oauth.install_path:
            bolt_resp = await oauth.handle_installation(bolt_req)
        else:
            bolt_resp = await oauth.handle_callback(bolt_req)
        return await to_aiohttp_response(bolt_resp)

    def add_routes(app: web.Application) -> None:
        app.router.add_post(EVENTS_PATH, slack_events)
        if oauth is not None:
            app.router.add_get(oauth.install_path, oauth_pages)
            app.router.add_get(oauth.redirect_uri_path, oauth_pages)
    return add_routes


def web_app(adapter: SlackAdapter) -> web.Application:
    """A stand-alone app with the Slack routes and /healthz (the benchmark's baseline uses it too)."""
    app = base_app()
    mount(adapter)(app)
    return app


class SlackRunner:
    def __init__(self, adapter: SlackAdapter, settings, web_server=None):
        self.adapter, self.settings = adapter, settings
        self._socket: AsyncSocketModeHandler | None = None
        if web_server is not None and not settings.slack_app_token:
            web_server.mount("Slack " + EVENTS_PATH, mount(adapter))

    async def start(self) -> None:
        log.info("Slack: %s", await self.adapter.start())
        if self.settings.slack_app_token:
            self._socket = AsyncSocketModeHandler(self.adapter.app, self.settings.slack_app_token,
                                                  web_client=self.adapter.client)
            await self._socket.connect_async()
            log.info("Slack: Socket Mode connected")
        else:
            log.info("Slack: HTTP mode, on port %s at %s", self.settings.port, EVENTS_PATH)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        await self.adapter.drain()
