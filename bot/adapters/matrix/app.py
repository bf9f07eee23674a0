"""The Matrix adapter (mautrix-python): one client on the bot's loop.

- First start: room history is ignored (``ignore_initial_sync``); invites found in that first sync are
  still accepted. From then on the sync token lives in the database, so after a restart the bot
  answers what was sent while it was down.
- Exactly once: a sync token is committed only after the batch it covers was handled (mautrix stores
  the token before handling; ``DbSyncStore`` holds it back one batch), and every handled event id is
  claimed in ``seen_events`` before answering, so a replayed batch is never answered twice.
- It ignores its own messages and other bots' notices (``m.notice``).
"""
from __future__ import annotations

import asyncio
import logging
import re

from mautrix.api import Method, Path
from mautrix.client import Client
from mautrix.client.state_store import SyncStore
from mautrix.errors import MatrixRequestError, MUnknownToken
from mautrix.types import EventType, Membership, RoomCreatePreset

from bot.adapters.files import file_content
from bot.adapters.matrix import render
from commands.core import Request
from commands.dispatch import handle
from commands.reply import Reply, error
from storage import events, kv

log = logging.getLogger("convene.matrix")

HEADS = ("agenda", "questions", "submit", "inputs", "convene")
_PILL = re.compile(r'<a href="https://matrix\.to/#/(@[^"?]+)"[^>]*>([^<]*)</a>')
ENCRYPTED_NOTICE = ("I can't read encrypted messages, so I can't work in this room. Ask a room admin to create an "
                    "unencrypted room for the contact group (in Element: Room settings → Security & Privacy → "
                    "leave Encrypted off when creating it; encryption cannot be turned off later) and invite me there.")


class DbSyncStore(SyncStore):
    """The sync token in the database, committed one batch late (after that batch was handled)."""

    def __init__(self, db, key: str):
        self.db, self.key = db, key
        self.pending: str | None = None

    async def get_next_batch(self):
        return kv.get(self.db, self.key)

    async def put_next_batch(self, next_batch) -> None:
        if kv.get(self.db, self.key) is None and self.pending is None:
            kv.put(self.db, self.key, next_batch)      # the very first (ignored) sync: nothing to handle
        elif self.pending is not None:
            kv.put(self.db, self.key, self.pending)    # the previous batch has been handled
        self.pending = next_batch

    def commit(self) -> None:
        if self.pending is not None:
            kv.put(self.db, self.key, self.pending)


class MatrixAdapter:
    platform = "matrix"

    def __init__(self, settings, db, clock):
        self.settings, self.db, self.clock = settings, db, clock
        self.mxid = settings.matrix_user_id
        self.sync_store = DbSyncStore(db, f"matrix:next_batch:{self.mxid}")
        self.client = Client(mxid=self.mxid, base_url=settings.matrix_homeserver, sync_store=self.sync_store)
        self.client.ignore_initial_sync = True
        self.client.ignore_first_sync = False
        self._warned_encrypted: set[str] = set()
        self._background: set[asyncio.Task] = set()
        self.client.add_event_handler(EventType.ROOM_MEMBER, self.on_member)
        self.client.add_event_handler(EventType.ROOM_MESSAGE, self.on_message)
        self.client.add_event_handler(EventType.ROOM_ENCRYPTED, self.on_encrypted)
        from mautrix.client import InternalEventType
        self.client.add_event_handler(InternalEventType.SYNC_SUCCESSFUL, self.on_sync)

    # --- connection -----------------------------------------------------------------

    async def connect(self) -> None:
        token = self.settings.matrix_access_token or kv.get(self.db, f"matrix:token:{self.mxid}")
        device = kv.get(self.db, f"matrix:device:{self.mxid}")
        if token:
            self.client.api.token = token
            if device:
                self.client.device_id = device
            try:
                who = await self.client.whoami()
                log.info("Matrix: connected as %s", who.user_id)
                return
            except MUnknownToken:
                if self.settings.matrix_access_token or not self.settings.matrix_password:
                    raise
                log.info("Matrix: stored access token no longer valid; logging in again")
        resp = await self.client.login(identifier=self.mxid, password=self.settings.matrix_password,
                                       device_name="Convene", device_id=device)
        kv.put(self.db, f"matrix:token:{self.mxid}", resp.access_token)
        kv.put(self.db, f"matrix:device:{self.mxid}", resp.device_id)
        log.info("Matrix: logged in as %s (device %s)", self.mxid, resp.device_id)

    def start_sync(self):
        return self.client.start(None)

    async def close(self) -> None:
        self.client.stop()
        if self.client.syncing_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.client.syncing_task), 5)
            except (asyncio.TimeoutError, asyncio.CancelledError, Exception):
                pass
        if self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        self.sync_store.commit()
        await self.client.api.session.close()

    def later(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- invites and encryption ---------------------------------------------------------

    def _allowed(self, inviter: str) -> bool:
        allowed = self.settings.matrix_allowed_servers
        return not allowed or inviter.split(":", 1)[-1] in allowed

    async def on_sync(self, evt=None) -> None:
        data = evt.get("data") if isinstance(evt, dict) else None
        if not data or not data.get("net.maunium.mautrix", {}).get("is_initial"):
            return
        # The first sync is otherwise ignored (room history), but pending invites must not be.
        for room_id, room in (data.get("rooms", {}).get("invite") or {}).items():
            inviter = None
            for ev in room.get("invite_state", {}).get("events", []):
                if ev.get("type") == "m.room.member" and ev.get("state_key") == self.mxid:
                    inviter = ev.get("sender")
            if inviter:
                await self.accept_invite(room_id, inviter)

    async def on_member(self, evt) -> None:
        if evt.state_key != self.mxid or evt.content.membership != Membership.INVITE:
            return
        await self.accept_invite(evt.room_id, evt.sender)

    async def accept_invite(self, room_id: str, inviter: str) -> None:
        if not events.first_sighting(self.db, f"matrix:invite:{room_id}:{inviter}", self.clock()):
            return
        if not self._allowed(inviter):
            log.info("Matrix: invite to %s from %s refused (server not in MATRIX_ALLOWED_SERVERS)", room_id, inviter)
            await self.client.leave_room(room_id, reason="Convene only joins rooms of allowed servers")
            return
        await self.client.join_room(room_id)
        log.info("Matrix: joined %s (invited by %s)", room_id, inviter)
        if await self._encrypted(room_id):
            await self.say(room_id, Reply(text=ENCRYPTED_NOTICE, status="error",
                                          sections=[], context=[]), plain_only=True)
            await self.client.leave_room(room_id, reason="encrypted room")
            return
        await self.say(room_id, self.run_core(room_id, inviter, "convene", "whoami"), welcome=True)

    async def _encrypted(self, room_id: str) -> bool:
        try:
            await self.client.get_state_event(room_id, EventType.ROOM_ENCRYPTION)
            return True
        except MatrixRequestError:
            return False

    async def on_encrypted(self, evt) -> None:
        if evt.sender == self.mxid or evt.room_id in self._warned_encrypted:
            return
        self._warned_encrypted.add(evt.room_id)
        await self.say(evt.room_id, Reply(text=ENCRYPTED_NOTICE, status="error"), plain_only=True)

    # --- messages -------------------------------------------------------------------------

    def run_core(self, room_id: str, sender: str, command: str, text: str = "", *, options=None,
                 mentions=None) -> Reply:
        req = Request(platform="matrix", room=f"matrix:{room_id}", user=f"matrix:{sender}", command=command,
                      text=text, user_name=sender[1:].split(":", 1)[0], options=options or {},
                      mentions=mentions or {}, prompts=True)
        return handle(self.db, req, self.clock, self.settings)

    async def on_message(self, evt) -> None:
        if evt.sender == self.mxid:
            return
        content = evt.content
        msgtype = str(getattr(content, "msgtype", "") or "")
        if msgtype not in ("m.text",):
            return          # notices (other bots), media, emotes
        body = render.strip_reply_fallback(content.body or "")
        reply_to = None
        relates = getattr(content, "relates_to", None)
        if relates is not None and getattr(relates, "in_reply_to", None) is not None:
            reply_to = relates.in_reply_to.event_id
        stripped = body.lstrip()
        is_command = stripped.startswith("!")
        if not is_command and not reply_to:
            return
        if not events.first_sighting(self.db, f"matrix:{evt.event_id}", self.clock()):
            return          # handled before (a replayed sync batch)
        try:
            if is_command:
                m = re.match(r"(\S+)\s*(.*)", stripped[1:], re.S)
                if not m:
                    return
                head, text = m.group(1), m.group(2)
                mentions = self._mentions(getattr(content, "formatted_body", None) or "")
                reply = self.run_core(evt.room_id, evt.sender, head.lower(), text.strip("\n"), mentions=mentions)
            else:
                expects = await self._expects(evt.room_id, reply_to)
                if expects is None:
                    return
                reply = self.run_core(evt.room_id, evt.sender, "submit",
                                      options={"question": expects, "text": body})
        except Exception:
            log.exception("Matrix: failed to handle %s", evt.event_id)
            reply = error("Something went wrong on my side and nothing was changed. Please try again.")
        await self.respond(evt.room_id, evt.event_id, evt.sender, reply)

    def _mentions(self, formatted: str) -> dict:
        out = {}
        for user, label in _PILL.findall(formatted):
            out[label] = f"matrix:{user}"
            out["@" + label.lstrip("@")] = f"matrix:{user}"
        return out

    async def _expects(self, room_id: str, event_id: str) -> str | None:
        try:
            raw = await self.client.api.request(Method.GET, Path.v3.rooms[room_id].event[event_id])
        except MatrixRequestError:
            return None
        if raw.get("sender") != self.mxid:
            return None
        return (raw.get("content") or {}).get("org.convene.expects")

    async def respond(self, room_id: str, event_id: str, sender: str, reply: Reply) -> None:
        extra = {"org.convene.expects": reply.expects} if reply.expects else None
        await self.client.send_message_event(room_id, EventType.ROOM_MESSAGE,
                                             render.content(reply, reply_to=event_id, extra=extra))
        for target, note in reply.notices:
            if self.owns(target):
                self.later(self.deliver(note, target))
        if reply.files:
            self.later(self.send_files(reply, sender))

    async def say(self, room_id: str, reply: Reply, *, plain_only: bool = False, welcome: bool = False) -> None:
        if plain_only:
            content = {"msgtype": "m.notice", "body": reply.text, "m.mentions": {}}
        else:
            content = render.content(reply)
        await self.client.send_message_event(room_id, EventType.ROOM_MESSAGE, content)

    # --- direct rooms, files, scheduled delivery ------------------------------------------

    async def direct_room(self, user: str) -> str:
        key = f"matrix:dm:{self.mxid}:{user}"
        room = kv.get(self.db, key)
        if room:
            return room
        room = await self.client.create_room(invitees=[user], is_direct=True, preset=RoomCreatePreset.TRUSTED_PRIVATE,
                                             name="Convene")
        kv.put(self.db, key, room)
        return room

    async def send_files(self, reply: Reply, user: str) -> None:
        try:
            room = await self.direct_room(user)
            for f in reply.files:
                data = await file_content(self.settings, f)
                mxc = await self.client.upload_media(data, mime_type=f.mimetype.split(";")[0], filename=f.filename)
                await self.client.send_message_event(room, EventType.ROOM_MESSAGE, {
                    "msgtype": "m.file", "body": f.filename, "filename": f.filename, "url": mxc,
                    "info": {"mimetype": f.mimetype.split(";")[0], "size": len(data)}, "m.mentions": {}})
        except Exception:
            log.exception("Matrix: file delivery to %s failed", user)

    def owns(self, target: str) -> bool:
        return target.startswith("matrix:")

    async def deliver(self, reply: Reply, target: str) -> None:
        ident = target.split(":", 1)[1]
        room = await self.direct_room(ident) if ident.startswith("@") else ident
        await self.client.send_message_event(room, EventType.ROOM_MESSAGE, render.content(reply))


class MatrixRunner:
    def __init__(self, settings, db, clock):
        self.adapter = MatrixAdapter(settings, db, clock)

    async def start(self) -> None:
        await self.adapter.connect()
        self.adapter.start_sync()

    async def stop(self) -> None:
        await self.adapter.close()
