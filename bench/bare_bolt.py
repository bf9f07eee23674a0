"""The baseline of bench/slack_ack.py as its own process: a bare bolt AsyncApp that only acks /agenda and /submit,
behind an aiohttp server, served the way `convene run` serves Slack (one process, one event loop).

    python -m bench.bare_bolt PORT API_URL SECRET
"""
from __future__ import annotations

import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def app(api_url: str, secret: str) -> web.Application:
    bolt = AsyncApp(client=AsyncWebClient(token="xoxb-bench", base_url=api_url), signing_secret=secret)

    @bolt.command("/agenda")
    async def agenda(ack):
        await ack()

    @bolt.command("/submit")
    async def submit(ack):
        await ack()

    async def events(request):
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request):
        return web.Response(text="ok")
    application = web.Application()
    application.router.add_post("/slack/events", events)
    application.router.add_get("/healthz", healthz)
    return application


if __name__ == "__main__":
    port, api_url, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    web.run_app(app(api_url, secret), host="127.0.0.1", port=port, access_log=None, print=None)
