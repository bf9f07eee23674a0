"""Running the Slack adapter: HTTP mode (routes on the bot's web server) or Socket Mode."""
from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.adapters.slack.app import SlackAdapter
from bot.web.server import base_app

log = logging.getLogger("convene.slack")
EVENTS_PATH = "/slack/events"


def mount(adapter: SlackAdapter):
    """POST /slack/events for commands, interactivity and events. Bolt verifies the signature (401 on a
    bad or stale one) before any listener runs."""

    async def slack_events(request: web.Request) -> web.Response:
        bolt_resp = await adapter.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_resp)

    def add_routes(app: web.Application) -> None:
        app.router.add_post(EVENTS_PATH, slack_events)
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
        auth = await self.adapter.client.auth_test()
        log.info("Slack: connected as %s in %s", auth.get("user"), auth.get("team"))
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
