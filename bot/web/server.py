"""One aiohttp server per process, on ``PORT``: Slack's ``POST /slack/events`` (HTTP mode), the
agenda pages and calendar feeds (``/groups/<token>/…``), and ``GET /healthz``. Each part mounts its
routes; the server starts when any part needs it (see ``Settings.web_enabled``)."""
from __future__ import annotations

import logging
from typing import Callable

from aiohttp import web

log = logging.getLogger("convene.web")
MAX_BODY = 2 * 1024 * 1024
# Bounds on what a client may send or hold: header lines and fields (8 KiB, 100 headers), and idle keep-alive.
SERVER_LIMITS = {"max_line_size": 8190, "max_field_size": 8190, "max_headers": 100, "keepalive_timeout": 75}


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
        self.metrics_source = None  # set by the runtime: () -> (database path, scheduler)
        self.app = base_app(lambda: self.health() if self.health else {},
                            lambda: self.metrics_source() if self.metrics_source else (None, None))
        self._runner: web.AppRunner | None = None
        self.parts: list[str] = []

    def mount(self, name: str, add_routes: Callable[[web.Application], None]) -> None:
        add_routes(self.app)
        self.parts.append(name)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, **SERVER_LIMITS)
        await self._runner.setup()
        await web.TCPSite(self._runner, host=self.host, port=self.port).start()
        log.info("web server listening on port %s (%s)", self.port, ", ".join(self.parts) or "health only")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
