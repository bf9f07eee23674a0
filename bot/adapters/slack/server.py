"""Running the Slack adapter: HTTP mode (aiohttp, production-capable) or Socket Mode."""
from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.adapters.slack.app import SlackAdapter

log = logging.getLogger("convene.slack")
EVENTS_PATH = "/slack/events"


def web_app(adapter: SlackAdapter) -> web.Application:
    """POST /slack/events for commands, interactivity and events; GET /healthz for load balancers.
    Bolt verifies the signature (401 on a bad or stale one) before any listener runs."""

    async def slack_events(request: web.Request) -> web.Response:
        bolt_resp = await adapter.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_resp)

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_post(EVENTS_PATH, slack_events)
    app.router.add_get("/healthz", healthz)
    return app


class SlackRunner:
    def __init__(self, adapter: SlackAdapter, settings):
        self.adapter, self.settings = adapter, settings
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None

    async def start(self) -> None:
        auth = await self.adapter.client.auth_test()
        log.info("Slack: connected as %s in %s", auth.get("user"), auth.get("team"))
        if self.settings.slack_app_token:
            self._socket = AsyncSocketModeHandler(self.adapter.app, self.settings.slack_app_token,
                                                  web_client=self.adapter.client)
            await self._socket.connect_async()
            log.info("Slack: Socket Mode connected")
        else:
            self._runner = web.AppRunner(web_app(self.adapter), access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, host="0.0.0.0", port=self.settings.port)
            await site.start()
            log.info("Slack: HTTP mode, listening on port %s at %s", self.settings.port, EVENTS_PATH)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.adapter.drain()
