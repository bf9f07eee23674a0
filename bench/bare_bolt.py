"""The baselines of bench/slack_ack.py, each as its own process served the way `convene run` serves Slack (one
process, one event loop, aiohttp):

- ``bolt``: a bare bolt AsyncApp that only acks /agenda and /submit;
- ``floor``: the least any Slack endpoint must do — a bare aiohttp handler that reads the body, checks Slack's
  signature and answers a fixed reply. Nothing can answer a signed request faster on this stack.

    python -m bench.bare_bolt PORT API_URL SECRET [bolt|floor]
"""
from __future__ import annotations

import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
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


def floor(secret: str) -> web.Application:
    verifier = SignatureVerifier(secret)

    async def events(request):
        body = (await request.read()).decode("utf-8")
        if not verifier.is_valid(body=body, timestamp=request.headers.get("X-Slack-Request-Timestamp", ""),
                                 signature=request.headers.get("X-Slack-Signature", "")):
            return web.Response(status=401)
        return web.json_response({"response_type": "ephemeral", "text": "Received."})

    async def healthz(_request):
        return web.Response(text="ok")
    application = web.Application()
    application.router.add_post("/slack/events", events)
    application.router.add_get("/healthz", healthz)
    return application


if __name__ == "__main__":
    port, api_url, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    kind = sys.argv[4] if len(sys.argv) > 4 else "bolt"
    web.run_app(floor(secret) if kind == "floor" else app(api_url, secret), host="127.0.0.1", port=port,
                access_log=None, print=None)
