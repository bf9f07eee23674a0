"""One aiohttp server per process, on ``PORT``: Slack's ``POST /slack/events`` (HTTP mode), the
agenda pages and calendar feeds (``/groups/<token>/…``), and ``GET /healthz``. Each part mounts its
routes; the server starts when any part needs it (see ``Settings.web_enabled``)."""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger("convene.web")
MAX_BODY = 2 * 1024 * 1024
# Bounds on what a client may send or hold: header lines and fields (8 KiB, 100 headers), and idle keep-alive.
SERVER_LIMITS = {"max_line_size": 8190, "max_field_size": 8190, "max_headers": 100, "keepalive_timeout": 75}
HEADER_TIMEOUT = 10         # seconds for a request's headers to arrive (Slack, browsers and feeds send them at once)


class _HeaderDeadline(RequestHandler):
    """aiohttp's request handler with one more bound: a request's headers must be complete within
    ``HEADER_TIMEOUT`` seconds of the connection opening, or of the first byte of the next request on a kept-alive
    connection; else the connection is closed. (aiohttp itself closes only a connection that sends nothing for its
    keep-alive time, so a client dripping a header line every few seconds would hold a connection for ever.)"""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._deadline = asyncio.get_running_loop().call_later(HEADER_TIMEOUT, self._headers_late)

    def data_received(self, data: bytes) -> None:
        before = self._request_count
        super().data_received(data)
        if self._request_count != before:             # a request's headers are complete
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
        elif self._deadline is None and not self._request_in_progress and not self._messages:
            self._arm()                                # the first bytes of the next request's headers

    def _headers_late(self) -> None:
        self._deadline = None
        log.warning("a client's request headers did not arrive within %s s: connection closed", HEADER_TIMEOUT)
        self.force_close()

    def connection_lost(self, exc) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        return _HeaderDeadline(self, loop=self._loop, **self._kwargs)


async def start_runner(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve ``app`` on host:port with the limits above (``SERVER_LIMITS`` and the header deadline)."""
    runner = web.AppRunner(app, access_log=None, **SERVER_LIMITS)
    await runner.setup()
    runner.server.__class__ = _Server          # the same server, making connections with the header deadline
    await web.TCPSite(runner, host=host, port=port).start()
    return runner


def base_app(health=None, metrics_source=None) -> web.Application:
    """``health()``: the state to report (database, scheduler); the status is 503 when the database is not ok."""
    async def healthz(_request: web.Request) -> web.Response:
        report = {"status": "ok"}
        if health is not None:
            report.update(health())
            if report.get("database", "ok") != "ok":
                report["status"] = "error"
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

    async def metrics_endpoint(_request: web.Request) -> web.Response:
        from bot import metrics
        body, ctype = metrics.exposition(*(metrics_source() if metrics_source else (None, None)))
        return web.Response(body=body, headers={"Content-Type": ctype})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    return app


class WebServer:
    def __init__(self, port: int, host: str = "0.0.0.0"):
        self.port, self.host = port, host
        self.health = None          # set by the runtime: () -> dict
        self.metrics_source = None  # set by the runtime: () -> (database path, scheduler, write health)
        self.app = base_app(lambda: self.health() if self.health else {},
                            lambda: self.metrics_source() if self.metrics_source else (None, None))
        self._runner: web.AppRunner | None = None
        self.parts: list[str] = []

    def mount(self, name: str, add_routes: Callable[[web.Application], None]) -> None:
        add_routes(self.app)
        self.parts.append(name)

    async def start(self) -> None:
        self._runner = await start_runner(self.app, self.host, self.port)
        log.info("web server listening on port %s (%s)", self.port, ", ".join(self.parts) or "health only")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
