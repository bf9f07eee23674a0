"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that records every call and answers
the methods Convene uses. Point the bot at it with SLACK_API_URL=http://127.0.0.1:PORT/api/.

It also plays the Socket Mode side: ``apps.connections.open`` returns a ws:// URL on this
server, where the test can push envelopes and read the bot's acknowledgements.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web

from tests.fakes.loop import BackgroundLoop


class FakeSlackAPI:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.calls: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.rate_limit: dict[str, int] = {}     # method → how many 429s to answer before succeeding
        self.fail: dict[str, str] = {}           # method → Slack error code to answer with
        self.user_teams: dict[str, str] = {}     # users.info: user id → its workspace (default T0TEST)
        self.shared_files: dict[str, tuple[str, bytes]] = {}   # files.info / download: id → (name, bytes)
        self.ws_outbox: asyncio.Queue | None = None
        self.ws_acks: list[dict] = []
        self.ws_connected = threading.Event()
        self._bg = BackgroundLoop()
        self._counter = 0
        self.port = self._bg.run(self._start())

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/api/"

    async def _start(self) -> int:
        self.ws_outbox = asyncio.Queue()
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)      # users.info and a few others are GETs
        app.router.add_get("/link", self._ws)
        app.router.add_post("/upload/{fid}", self._upload)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_get("/files-pri/{fid}/{name}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]

    def close(self) -> None:
        self._bg.run(self._runner.cleanup())
        self._bg.close()

    # --- recording --------------------------------------------------------------------

    def record(self, method: str, params: dict) -> None:
        with self.lock:
            self.calls.append((method, params))

    def of(self, method: str) -> list[dict]:
        with self.lock:
            return [p for m, p in self.calls if m == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.of(method)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) of {method}, got {len(self.of(method))}: "
                             f"{[m for m, _ in self.calls]}")

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()

    # --- the API --------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict:
        raw = await request.read()
        ctype = request.headers.get("Content-Type", "")
        query = dict(request.query)
        if "json" in ctype:
            return {**query, **json.loads(raw or b"{}")}
        if "multipart" in ctype:
            return {**query, "multipart": True}
        params = {**query, **{k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}}
        for key in ("blocks", "view", "files"):
            if isinstance(params.get(key), str) and params[key][:1] in "[{":
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        params["_auth"] = request.headers.get("Authorization", "")
        if self.rate_limit.get(method, 0) > 0:
            self.rate_limit[method] -= 1
            self.record(method + ":429", params)
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        self.record(method, params)
        if method in self.fail:
            return web.json_response({"ok": False, "error": self.fail[method]})
        self._counter += 1
        n = self._counter
        body: dict = {"ok": True}
        if method == "auth.test":
            # An installation's token names its workspace: xoxb-T0ONE-… belongs to T0ONE.
            token = params["_auth"].removeprefix("Bearer ")
            team = token.split("-")[1] if token.count("-") >= 2 and token.split("-")[1].startswith("T") else "T0TEST"
            body.update(url=f"https://{team.lower()}.slack.com/", team=f"Workspace {team}", user="convene",
                        team_id=team, user_id="UBOT", bot_id=f"B{team}")
        elif method == "oauth.v2.access":
            # The code names the workspace being installed: code-T0ONE installs into T0ONE.
            team = (params.get("code") or "").removeprefix("code-")
            if not team.startswith("T"):
                return web.json_response({"ok": False, "error": "invalid_code"})
            body.update(app_id="A0TEST", access_token=f"xoxb-{team}-{n}", token_type="bot",
                        scope=params.get("scope") or "commands,chat:write", bot_user_id=f"UBOT{team}",
                        team={"id": team, "name": f"Workspace {team}"}, enterprise=None,
                        is_enterprise_install=False, authed_user={"id": f"UADMIN{team}"})
        elif method in ("chat.postMessage", "chat.postEphemeral"):
            body.update(channel=params.get("channel"), ts=f"{1700000000 + n}.000100", message_ts=f"{n}.1")
        elif method == "chat.update":
            body.update(channel=params.get("channel"), ts=params.get("ts"), text=params.get("text"))
        elif method in ("views.open", "views.publish", "views.update"):
            view = params.get("view") or {}
            body["view"] = {**view, "id": f"V{n}"}
        elif method == "users.info":
            uid = params.get("user")
            body["user"] = {"id": uid, "name": uid.lower(), "real_name": f"User {uid}",
                            "team_id": self.user_teams.get(uid, "T0TEST"),
                            "profile": {"display_name": f"user-{uid.lower()}"}}
        elif method == "conversations.open":
            body["channel"] = {"id": "D" + (params.get("users") or "X").split(",")[0]}
        elif method == "apps.connections.open":
            body["url"] = f"ws://{self.host}:{self.port}/link"
        elif method == "files.getUploadURLExternal":
            body.update(upload_url=f"http://{self.host}:{self.port}/upload/F{n}", file_id=f"F{n}")
        elif method == "files.info":
            fid = params.get("file")
            if fid not in self.shared_files:
                return web.json_response({"ok": False, "error": "file_not_found"})
            name, data = self.shared_files[fid]
            body["file"] = {"id": fid, "name": name, "size": len(data),
                            "url_private_download": f"http://{self.host}:{self.port}/files-pri/{fid}/{name}"}
        elif method == "files.completeUploadExternal":
            body["files"] = [{"id": f["id"], "title": f.get("title")} for f in params.get("files", [])]
        return web.json_response(body)

    async def _response_url(self, request: web.Request) -> web.Response:
        """A command's response_url (bolt answers here when it cannot authorize a request)."""
        self.record("response_url", {"rid": request.match_info["rid"], **json.loads(await request.read() or b"{}")})
        return web.Response(text="ok")

    def response_url(self, rid: str = "1") -> str:
        return f"http://{self.host}:{self.port}/response/{rid}"

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.record("upload", {"file_id": request.match_info["fid"], "bytes": data})
        return web.Response(text="OK - 200")

    async def _download(self, request: web.Request) -> web.Response:
        """A shared file's private download: only with a bot token, as on Slack."""
        self.record("download", {"fid": request.match_info["fid"], "_auth": request.headers.get("Authorization", "")})
        if not request.headers.get("Authorization", "").startswith("Bearer xoxb-"):
            return web.Response(status=403, text="no")
        name, data = self.shared_files[request.match_info["fid"]]
        return web.Response(body=data)

    def share_file(self, fid: str, name: str, data: bytes) -> None:
        self.shared_files[fid] = (name, data)

    def uploads(self) -> list[bytes]:
        return [p["bytes"] for p in self.of("upload")]

    # --- Socket Mode ------------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "debug_info": {"host": "fake"}, "connection_info": {"app_id": "A0TEST"}}))
        self.ws_connected.set()

        async def pump():
            while True:
                envelope = await self.ws_outbox.get()
                await ws.send_str(json.dumps(envelope))

        pumping = asyncio.ensure_future(pump())
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    with self.lock:
                        self.ws_acks.append(json.loads(msg.data))
                elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
        finally:
            pumping.cancel()
        return ws

    def push_envelope(self, envelope: dict) -> None:
        self._bg.loop.call_soon_threadsafe(self.ws_outbox.put_nowait, envelope)

    def wait_ack(self, envelope_id: str, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for a in self.ws_acks:
                    if a.get("envelope_id") == envelope_id:
                        return a
            time.sleep(0.02)
        raise AssertionError(f"no ack for envelope {envelope_id}: {self.ws_acks}")
