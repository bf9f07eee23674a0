"""A real Synapse homeserver on 127.0.0.1 for the Matrix tests, from the separate venv that
`make test` prepares (.venv-synapse, or $CONVENE_SYNAPSE_PYTHON). SQLite, no federation,
rate limits raised, users registered through the shared-secret admin API."""
from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVER_NAME = "localhost"
SHARED_SECRET = "convene-test-shared-secret"


def synapse_python() -> str:
    path = os.environ.get("CONVENE_SYNAPSE_PYTHON") or str(ROOT / ".venv-synapse" / "bin" / "python")
    if not Path(path).exists():
        raise RuntimeError(f"Synapse is not installed at {path}: run `make test` (it prepares .venv-synapse), "
                           "or set CONVENE_SYNAPSE_PYTHON to a Python that has matrix-synapse")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None, token: str | None = None, timeout: float = 30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw or b"{}")
        except ValueError:
            return e.code, {"raw": raw.decode(errors="replace")}


class Synapse:
    def __init__(self, workdir: Path, **overrides):
        self.dir = workdir
        self.overrides = overrides          # homeserver.yaml settings over the test defaults (rc_message …)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Synapse":
        py = synapse_python()
        cfg = self.dir / "homeserver.yaml"
        subprocess.run([py, "-m", "synapse.app.homeserver", "--server-name", SERVER_NAME, "--config-path", str(cfg),
                        "--generate-config", "--report-stats=no", "--data-directory", str(self.dir / "data")],
                       check=True, capture_output=True, cwd=self.dir, timeout=120)
        conf = yaml.safe_load(cfg.read_text())
        conf["listeners"] = [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                              "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]}]
        conf["database"] = {"name": "sqlite3", "args": {"database": str(self.dir / "data" / "homeserver.db")}}
        conf["registration_shared_secret"] = SHARED_SECRET
        conf["trusted_key_servers"] = []
        conf["suppress_key_server_warning"] = True
        conf["enable_metrics"] = False
        conf["report_stats"] = False
        conf["federation_domain_whitelist"] = []
        conf["presence"] = {"enabled": False}
        conf["url_preview_enabled"] = False
        big = {"per_second": 10000, "burst_count": 10000}
        for key in ("rc_message", "rc_registration", "rc_joins", "rc_invites", "rc_3pid_validation",
                    "rc_admin_redaction", "rc_media_create", "rc_joins_per_room"):
            conf[key] = big
        conf["rc_login"] = {"address": big, "account": big, "failed_attempts": big}
        conf["rc_joins"] = {"local": big, "remote": big}
        conf["rc_invites"] = {"per_room": big, "per_user": big, "per_issuer": big}
        conf.update(self.overrides)
        conf["log_config"] = str(self.dir / "log.yaml")
        (self.dir / "log.yaml").write_text(yaml.safe_dump({
            "version": 1, "formatters": {"p": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {"f": {"class": "logging.FileHandler", "filename": str(self.dir / "homeserver.log"),
                               "formatter": "p"}},
            "root": {"level": "WARNING", "handlers": ["f"]}, "disable_existing_loggers": False}))
        cfg.write_text(yaml.safe_dump(conf))
        self.proc = subprocess.Popen([py, "-m", "synapse.app.homeserver", "--config-path", str(cfg)], cwd=self.dir,
                                     stdout=subprocess.DEVNULL, stderr=open(self.dir / "stderr.log", "wb"))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("Synapse exited: " + (self.dir / "stderr.log").read_text()[-3000:])
            try:
                status, _ = http("GET", f"{self.url}/_matrix/client/versions", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("Synapse did not start in 90 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def register(self, localpart: str, password: str = "secret-password", admin: bool = False) -> "MatrixUser":
        status, body = http("GET", f"{self.url}/_synapse/admin/v1/register")
        nonce = body["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                                 b"admin" if admin else b"notadmin"]))
        status, body = http("POST", f"{self.url}/_synapse/admin/v1/register", {
            "nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac.hexdigest()})
        assert status == 200, body
        return MatrixUser(self, body["user_id"], body["access_token"], password)


    def exempt_from_rate_limits(self, *users: "MatrixUser") -> None:
        """People in a throttled test send as fast as they like (Synapse's per-user override); the bot does not."""
        admin = self.register(f"admin{time.time_ns()}", admin=True)
        for u in users:
            status, body = http("POST", f"{self.url}/_synapse/admin/v1/users/{urllib.parse.quote(u.user_id)}/"
                                "override_ratelimit", {"messages_per_second": 0, "burst_count": 0}, admin.token)
            assert status == 200, body


class MatrixUser:
    """A person in the tests, speaking the Matrix client-server API directly."""

    def __init__(self, hs: Synapse, user_id: str, token: str, password: str):
        self.hs, self.user_id, self.token, self.password = hs, user_id, token, password
        self._txn = 0

    def api(self, method: str, path: str, body=None):
        status, data = http(method, f"{self.hs.url}/_matrix/client/v3{path}", body, self.token)
        if status >= 400:
            raise AssertionError(f"{method} {path} → {status}: {data}")
        return data

    def create_room(self, name: str, *, invite: list[str] = (), encrypted: bool = False,
                    preset: str = "private_chat", is_direct: bool = False) -> str:
        body = {"name": name, "preset": preset, "invite": list(invite), "is_direct": is_direct}
        if encrypted:
            body["initial_state"] = [{"type": "m.room.encryption", "state_key": "",
                                      "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]
        return self.api("POST", "/createRoom", body)["room_id"]

    def upload(self, data: bytes, filename: str, content_type: str = "application/octet-stream") -> str:
        """Upload to the media repository as Element does; the mxc:// URI."""
        req = urllib.request.Request(
            f"{self.hs.url}/_matrix/media/v3/upload?filename={urllib.parse.quote(filename)}", data=data, method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": content_type})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())["content_uri"]

    def send_file(self, room_id: str, data: bytes, filename: str, *, caption: str | None = None) -> str:
        """An m.file as Element sends it; with a caption (MSC2530), ``body`` is the caption and ``filename`` the name."""
        mxc = self.upload(data, filename)
        content = {"msgtype": "m.file", "body": caption or filename, "filename": filename, "url": mxc,
                   "info": {"size": len(data), "mimetype": "application/octet-stream"}}
        return self.send_content(room_id, content)

    def upgrade(self, room_id: str, version: str = "10") -> str:
        """Upgrade the room (as Element's /upgraderoom does): a tombstone in the old room; the new room's id."""
        return self.api("POST", f"/rooms/{urllib.parse.quote(room_id)}/upgrade", {"new_version": version})[
            "replacement_room"]

    def kick(self, room_id: str, user_id: str) -> None:
        self.api("POST", f"/rooms/{urllib.parse.quote(room_id)}/kick", {"user_id": user_id, "reason": "test"})

    def join(self, room_id: str) -> None:
        self.api("POST", f"/join/{urllib.parse.quote(room_id)}", {})

    def invite(self, room_id: str, user_id: str) -> None:
        self.api("POST", f"/rooms/{urllib.parse.quote(room_id)}/invite", {"user_id": user_id})

    def send(self, room_id: str, text: str, *, reply_to: str | None = None, msgtype: str = "m.text") -> str:
        self._txn += 1
        content = {"msgtype": msgtype, "body": text}
        if reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
            content["body"] = f"> <{self.user_id}> quoted text\n\n{text}"
        path = f"/rooms/{urllib.parse.quote(room_id)}/send/m.room.message/t{time.time_ns()}{self._txn}"
        return self.api("PUT", path, content)["event_id"]

    # --- events shaped the way Element sends them ---------------------------------------------

    def send_content(self, room_id: str, content: dict, event_type: str = "m.room.message") -> str:
        self._txn += 1
        path = f"/rooms/{urllib.parse.quote(room_id)}/send/{event_type}/t{time.time_ns()}{self._txn}"
        return self.api("PUT", path, content)["event_id"]

    @staticmethod
    def pill(user_id: str, label: str) -> str:
        return f'<a href="https://matrix.to/#/{user_id}">{html.escape(label)}</a>'

    def send_with_pill(self, room_id: str, before: str, user_id: str, label: str, after: str = "") -> str:
        """A message with a user pill, as Element composes it: the label in ``body``, the link in the HTML,
        the user in ``m.mentions``."""
        return self.send_content(room_id, {
            "msgtype": "m.text", "body": before + label + after, "format": "org.matrix.custom.html",
            "formatted_body": html.escape(before) + self.pill(user_id, label) + html.escape(after),
            "m.mentions": {"user_ids": [user_id]}})

    def reply(self, room_id: str, text: str, to: dict) -> str:
        """A reply with Element's fallback (quoted original in body and formatted_body)."""
        quoted = (to["content"].get("body") or "").split("\n")
        body = f"> <{to['sender']}> {quoted[0]}\n" + "".join(f"> {ln}\n" for ln in quoted[1:3]) + "\n" + text
        link = f"https://matrix.to/#/{room_id}/{to['event_id']}"
        formatted = (f'<mx-reply><blockquote><a href="{link}">In reply to</a> {self.pill(to["sender"], to["sender"])}'
                     f"<br>{html.escape(quoted[0])}</blockquote></mx-reply>{html.escape(text)}")
        return self.send_content(room_id, {
            "msgtype": "m.text", "body": body, "format": "org.matrix.custom.html", "formatted_body": formatted,
            "m.relates_to": {"m.in_reply_to": {"event_id": to["event_id"]}},
            "m.mentions": {"user_ids": [to["sender"]]}})

    def thread_send(self, room_id: str, root: str, text: str, latest: str | None = None,
                    reply_to: str | None = None) -> str:
        """A message in a thread: with the reply fallback (``is_falling_back``) unless it replies to one
        message of the thread on purpose."""
        rel = {"rel_type": "m.thread", "event_id": root, "is_falling_back": reply_to is None,
               "m.in_reply_to": {"event_id": reply_to or latest or root}}
        return self.send_content(room_id, {"msgtype": "m.text", "body": text, "m.relates_to": rel})

    def edit(self, room_id: str, event_id: str, new_text: str) -> str:
        return self.send_content(room_id, {
            "msgtype": "m.text", "body": "* " + new_text,
            "m.new_content": {"msgtype": "m.text", "body": new_text},
            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}})

    def redact(self, room_id: str, event_id: str) -> str:
        self._txn += 1
        path = f"/rooms/{urllib.parse.quote(room_id)}/redact/{urllib.parse.quote(event_id)}/r{time.time_ns()}{self._txn}"
        return self.api("PUT", path, {"reason": "deleted"})["event_id"]

    def set_displayname(self, name: str) -> None:
        self.api("PUT", f"/profile/{urllib.parse.quote(self.user_id)}/displayname", {"displayname": name})

    def event(self, room_id: str, event_id: str) -> dict:
        return self.api("GET", f"/rooms/{urllib.parse.quote(room_id)}/event/{urllib.parse.quote(event_id)}")

    def messages(self, room_id: str, *, sender: str | None = None, limit: int = 600) -> list[dict]:
        data = self.api("GET", f"/rooms/{urllib.parse.quote(room_id)}/messages?dir=b&limit={limit}")
        events = [e for e in reversed(data.get("chunk", [])) if e.get("type") == "m.room.message"]
        return [e for e in events if sender is None or e["sender"] == sender]

    def wait_for(self, room_id: str, sender: str, count: int, timeout: float = 20) -> list[dict]:
        deadline = time.monotonic() + timeout
        got = []
        while time.monotonic() < deadline:
            got = self.messages(room_id, sender=sender)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"expected {count} message(s) from {sender} in {room_id}, got "
                             f"{[e['content'].get('body', '')[:60] for e in got]}")

    def accept_direct_room(self, timeout: float = 30) -> str:
        """Wait for the bot to open a direct room with this user, join it, and return its id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for room in self.invites():
                self.join(room)
                return room
            time.sleep(0.2)
        raise AssertionError(f"no direct room was opened with {self.user_id}")

    def joined_rooms(self) -> list[str]:
        return self.api("GET", "/joined_rooms")["joined_rooms"]

    def invites(self) -> list[str]:
        # Synapse caches identical /sync responses for minutes: a filter unique to each call avoids that.
        self._txn += 1
        flt = urllib.parse.quote(json.dumps({"room": {"timeline": {"limit": 1}},
                                             "account_data": {"types": [f"x.convene.{time.time_ns()}.{self._txn}"]}}))
        data = self.api("GET", f"/sync?timeout=0&filter={flt}")
        return list(data.get("rooms", {}).get("invite", {}))
