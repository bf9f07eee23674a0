"""The Matrix adapter (mautrix-python's client API, with Convene's own sync loop): one client on the bot's loop.

Exactly once and in order, also on a crash (README: "Exactly once and in order, also through downtime and crashes"):
- The sync loop is Convene's (not mautrix's ``start``, which stores the token before handling a batch and fills
  nothing). For each ``/sync`` batch it first fetches, for every room whose timeline is ``limited`` (a pause, a
  restart), the gap back to the previous token with ``/messages``; then it writes the batch's events that may need
  an answer (commands, replies, edits, redactions, invites, room upgrades) to the ``inbox`` table *in the room's
  timeline order* (the gap oldest first, then the timeline) **in the same transaction as the new sync token**. A
  crash before that commit loses nothing (the same batch is asked again); after it, everything is on disk.
- A worker drains the inbox in order (``seq``, which is timeline order per room), so a delegation's later submit or
  edit wins. For each event it runs the core and records what to send in the same transaction, then sends with a
  transaction id derived from the inbox entry: after a crash the same message is sent again, and the homeserver
  answers with the event it already has instead of posting it twice. Redactions of receipts are recorded and retried
  the same way.
- A 429 from the homeserver waits the ``retry_after_ms`` it asks for (``ThrottledAPI``).

What counts as input (README: "What counts as input on Matrix"): a command, or a *direct* reply to the bot's prompt
(``!submit REF`` alone) by the person it was put to; not a thread's reply fallback, not a reply to any other message.
Editing that message updates the input; deleting (redacting) it withdraws the input and the bot deletes its own
receipt. Editing a command does not run it again. Mentions in commands resolve to the user the pill links to (or
``m.mentions``), never to the pill's text; in an input's text a pill is written as the person's display name
(``bot/adapters/matrix/text.py``: the whole text is the input, only the reply fallback is removed).
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import re
import time
from datetime import timedelta

import aiohttp
from mautrix.api import HTTPAPI, Method, Path
from mautrix.client import Client
from mautrix.errors import MatrixRequestError, MUnknownToken, make_request_error
from mautrix.types import EventType, RoomCreatePreset

from bot import failpoints, frontends, metrics
from bot.adapters.files import file_content
from bot.adapters.matrix import render
from bot.adapters.matrix.text import message_text, pill_target
from bot.dbworkers import InlineWorkers
from commands.adapter_state import inbox
from commands.adapter_state import settings as kv
from commands.adapter_state import transaction as write_tx
from commands.core import Request
from commands.dispatch import handle
from commands.operations import follow_room_upgrade
from commands.reply import Reply, error, info, line

log = logging.getLogger("convene.matrix")

_SUBMIT_TEXT = re.compile(r"^!\s*submit\s+(?:(?:#\d+|\d{4}-\d\d-\d\d)\s+)?\S+\s+(?:--coordinators\s+)?(?P<text>.*)$",
                          re.S | re.I)
_PILL_HREF = re.compile(r'<a\s+href="(https://matrix\.to/#/@[^"]+)"', re.I)
PROMPT_KEY = "org.convene.expects"
COMMAND_KEY = "org.convene.reply_command"     # a reply to this message runs the command (a registration decision)
COMMAND_GROUP = "org.convene.reply_group"
PROMPT_FOR = "org.convene.expects_from"
FREE_TEXT_HEADS = ("submit", "inputs")        # their text is an input: pills in it are people's names, not ids
HTTP_TOTAL_TIMEOUT = 90         # seconds for one homeserver call (a sync long-polls for 30)
HTTP_CONNECT_TIMEOUT = 10
SYNC_TIMEOUT_MS = 30_000
GAP_PAGES = 50                  # at most 5,000 events of one room's gap per batch
NAME_TTL = 300                  # seconds a member's display name (or a room's being direct) is trusted
KEEP_HANDLED = timedelta(days=7)
ENCRYPTED_NOTICE = ("I can't read encrypted messages, so I can't work in this room. Ask a room admin to create an "
                    "unencrypted room for the contact group (in Element: Room settings → Security & Privacy → "
                    "leave Encrypted off when creating it; encryption cannot be turned off later) and invite me there.")


class ThrottledAPI(HTTPAPI):
    """mautrix's HTTP API, honouring rate limits: a 429 (``M_LIMIT_EXCEEDED``) waits the ``retry_after_ms`` the
    homeserver asks for (or its ``Retry-After`` header) and sends the same request again. One warning line per
    throttled spell (at most one a minute), never a traceback; the caller sees only the eventual answer."""

    MAX_WAIT = 300.0
    warned_at = 0.0

    async def _send(self, method, url, content, query_params, headers):
        while True:
            request = self.session.request(str(method), url, data=content, params=query_params, headers=headers)
            async with request as response:
                if response.status == 429 and not inspect.isasyncgen(content):
                    wait = await _retry_after(response)
                    now = time.monotonic()
                    if now - ThrottledAPI.warned_at > 60:
                        ThrottledAPI.warned_at = now
                        log.warning("Matrix: the homeserver is rate-limiting the bot (%s %s): waiting %.1f s as it "
                                    "asks, then sending again", method, url.path, wait)
                    else:
                        log.debug("Matrix: rate-limited on %s %s; waiting %.1f s", method, url.path, wait)
                    await asyncio.sleep(min(wait, self.MAX_WAIT))
                    continue
                if response.status < 200 or response.status >= 300:
                    errcode = unstable_errcode = message = None
                    try:
                        response_data = await response.json()
                        errcode = response_data["errcode"]
                        message = response_data["error"]
                        unstable_errcode = response_data.get("org.matrix.msc3848.unstable.errcode")
                    except (ValueError, aiohttp.ContentTypeError, KeyError, TypeError):
                        pass
                    raise make_request_error(http_status=response.status, text=await response.text(),
                                             errcode=errcode, message=message, unstable_errcode=unstable_errcode)
                return await response.json(), response


async def _retry_after(response) -> float:
    try:
        data = await response.json(content_type=None)
        ms = data.get("retry_after_ms") if isinstance(data, dict) else None
        if isinstance(ms, (int, float)) and ms >= 0:
            return ms / 1000
    except (ValueError, aiohttp.ContentTypeError):
        pass
    header = response.headers.get("Retry-After")
    if header and header.strip().isdigit():
        return float(header.strip())
    return 2.0


def _txn(seq: int, i: int) -> str:
    return f"convene.{seq}.{i}"


def _relation(content: dict) -> tuple[str | None, str | None, str | None]:
    """(thread root, event replied to directly, edited event) of a message's content. A thread's reply
    fallback (``is_falling_back``) is not a direct reply."""
    rel = content.get("m.relates_to") or {}
    kind = rel.get("rel_type")
    if kind == "m.replace":
        return None, None, rel.get("event_id")
    reply_to = (rel.get("m.in_reply_to") or {}).get("event_id")
    if kind == "m.thread":
        return rel.get("event_id"), (None if rel.get("is_falling_back") else reply_to), None
    return None, reply_to, None


def _is_command(text: str) -> bool:
    return text.lstrip().startswith("!")


class MatrixAdapter:
    platform = "matrix"

    def __init__(self, settings, db, clock, workers=None):
        self.outbox = None          # the process's Outbox (bot.outbox), set by the runtime
        self.settings, self.db, self.clock = settings, db, clock
        self.workers = workers or InlineWorkers(db)
        self.mxid = settings.matrix_user_id
        self.sync_key = f"matrix:next_batch:{self.mxid}"
        session = aiohttp.ClientSession(headers={"User-Agent": "Convene"}, timeout=aiohttp.ClientTimeout(
            total=HTTP_TOTAL_TIMEOUT, sock_connect=HTTP_CONNECT_TIMEOUT))
        api = ThrottledAPI(settings.matrix_homeserver, client_session=session)
        self.client = Client(mxid=self.mxid, api=api)
        self._warned_encrypted: set[str] = set()
        self._background: set[asyncio.Task] = set()
        self._wake = asyncio.Event()
        self._worker: asyncio.Task | None = None
        self._syncer: asyncio.Task | None = None
        self._dm_locks: dict[str, asyncio.Lock] = {}
        self._names: dict[tuple[str, str], tuple[str, float]] = {}
        self._direct: dict[str, tuple[bool, float]] = {}

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
        # Events left in the inbox by a crash are handled first, in order, then the new ones as they come.
        loop = asyncio.get_running_loop()
        self._worker = loop.create_task(self._drain_forever())
        self._syncer = loop.create_task(self._sync_forever())
        return self._syncer

    async def close(self) -> None:
        for task in (self._syncer, self._worker):
            if task is not None:
                task.cancel()
        await asyncio.gather(*[t for t in (self._syncer, self._worker) if t], return_exceptions=True)
        if self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        # Nothing to save here: the sync token is committed only with the events it moved past.
        await self.client.api.session.close()

    def later(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- receiving: the sync loop, into the inbox ----------------------------------------------

    async def _sync(self, since: str | None, timeout_ms: int) -> dict:
        query = {"timeout": str(timeout_ms)}
        if since:
            query["since"] = since
        return await self.client.api.request(Method.GET, Path.v3.sync, query_params=query)

    async def _sync_forever(self) -> None:
        """Sync, and commit each batch's token only together with the batch's events (gaps filled first)."""
        run = self.workers.run
        token = await run(kv.get, self.sync_key)
        backoff = 2.0
        while True:
            try:
                if token is None:
                    # The very first start: the rooms' history is ignored, but pending invites are not.
                    data = await self._sync(None, 0)
                    entries = self._invites(data)
                else:
                    data = await self._sync(token, SYNC_TIMEOUT_MS)
                    entries = await self._batch(data, token)
                failpoints.hit("matrix.before_commit")
                added = await run(self._commit, entries, data["next_batch"])
            except asyncio.CancelledError:
                raise
            except MUnknownToken:
                log.error("Matrix: the homeserver no longer accepts the bot's access token; sync stopped (restart "
                          "the bot to log in again)")
                return
            except Exception as e:
                # The token did not move: the same events are asked for again.
                log.warning("Matrix: sync failed (%s: %s); trying again in %.0f s", type(e).__name__, e, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = 2.0
            token = data["next_batch"]
            if added:
                self._wake.set()
            self._notice_encrypted(data)

    def _commit(self, db, entries: list[dict], token: str) -> int:
        """In a database thread: the batch's events and the token that moves past them, in one transaction."""
        added = 0
        with write_tx(db):
            for raw in entries:
                added += inbox.enqueue(db, raw["event_id"], raw["room_id"], raw)
            kv.put(db, self.sync_key, token)
        return added

    async def _batch(self, data: dict, since: str) -> list[dict]:
        """The batch's events worth keeping, each room's in timeline order: first the gap a ``limited`` timeline
        left (fetched now, oldest first, back to ``since``), then the timeline."""
        entries: list[dict] = []
        for room_id, room in (data.get("rooms", {}).get("join") or {}).items():
            timeline = room.get("timeline") or {}
            events = list(timeline.get("events") or [])
            if timeline.get("limited") and timeline.get("prev_batch"):
                gap = await self._gap(room_id, timeline["prev_batch"], since)
                if gap:
                    log.info("Matrix: %s events fetched from a gap in %s", len(gap), room_id)
                events = gap + events
            for raw in events:
                raw["room_id"] = room_id
                if self._keep(raw):
                    entries.append(raw)
        return entries + self._invites(data)

    async def _gap(self, room_id: str, start: str, since: str) -> list[dict]:
        """The events between the previous sync (``since``) and a limited timeline's ``prev_batch``, oldest first."""
        found: list[dict] = []
        token = start
        for _page in range(GAP_PAGES):
            resp = await self.client.api.request(
                Method.GET, Path.v3.rooms[room_id].messages,
                query_params={"dir": "b", "from": token, "to": since, "limit": "100"})
            chunk = resp.get("chunk") or []
            found += chunk
            if not chunk or not resp.get("end") or resp.get("end") == token:
                break
            token = resp["end"]
            failpoints.hit("matrix.gap_page")        # a crash with the gap half fetched (tests)
        else:
            log.warning("Matrix: the gap in %s is longer than %s events; the older ones are not answered", room_id,
                        len(found))
        return list(reversed(found))

    def _invites(self, data: dict) -> list[dict]:
        """Invitations of the bot, as inbox entries (the invite's member event, with its inviter as sender)."""
        out = []
        for room_id, room in (data.get("rooms", {}).get("invite") or {}).items():
            for ev in (room.get("invite_state") or {}).get("events") or []:
                if ev.get("type") == "m.room.member" and ev.get("state_key") == self.mxid \
                        and (ev.get("content") or {}).get("membership") == "invite":
                    raw = dict(ev, room_id=room_id)
                    raw["event_id"] = ev.get("event_id") or \
                        f"invite:{room_id}:{ev.get('sender')}:{ev.get('origin_server_ts') or data.get('next_batch')}"
                    out.append(raw)
        return out

    def _keep(self, raw: dict) -> bool:
        """Whether an event may need an answer (commands, replies, edits, redactions, room upgrades); chat is not
        kept."""
        kind = raw.get("type")
        if kind == "m.room.tombstone":
            return raw.get("state_key") == "" and bool((raw.get("content") or {}).get("replacement_room"))
        if raw.get("sender") == self.mxid or not raw.get("event_id"):
            return False
        if kind == "m.room.redaction":
            return True
        if kind != "m.room.message":
            return False
        content = raw.get("content") or {}
        if content.get("msgtype") == "m.file":
            # a document captioned "!import" (a caption is a body other than the file's name)
            return (content.get("body") or "").lstrip().lower().startswith("!import")
        if str(content.get("msgtype") or "") != "m.text":
            return False        # notices (other bots), media, emotes
        body = (content.get("m.new_content") or content).get("body") or ""
        _thread, reply_to, edited = _relation(content)
        return bool(body.lstrip().startswith("!") or reply_to or edited)

    def _notice_encrypted(self, data: dict) -> None:
        for room_id, room in (data.get("rooms", {}).get("join") or {}).items():
            for raw in (room.get("timeline") or {}).get("events") or []:
                if raw.get("type") == "m.room.encrypted" and raw.get("sender") != self.mxid \
                        and room_id not in self._warned_encrypted:
                    self._warned_encrypted.add(room_id)
                    self.later(self.say(room_id, Reply(text=ENCRYPTED_NOTICE, status="error"), plain_only=True))

    # --- invites, room upgrades ---------------------------------------------------------

    def _allowed(self, inviter: str) -> bool:
        allowed = self.settings.matrix_allowed_servers
        return not allowed or inviter.split(":", 1)[-1] in allowed

    async def _accept_invite(self, entry: inbox.InboxEntry) -> None:
        """An invitation, from the inbox: join (when the inviter's server is allowed) and say who we are there.
        Every step may run again after a crash: joining twice is joining once, the welcome has a transaction id."""
        room_id, inviter = entry.room, entry.event.get("sender") or ""
        if not self._allowed(inviter):
            log.info("Matrix: invite to %s from %s refused (server not in MATRIX_ALLOWED_SERVERS)", room_id, inviter)
            try:
                await self.client.leave_room(room_id, reason="Convene only joins rooms of allowed servers")
            except MatrixRequestError as e:
                log.warning("Matrix: could not decline the invite to %s: %s", room_id, e)
            return
        try:
            await self.client.join_room(room_id)
        except MatrixRequestError as e:
            if e.http_status in (403, 404):
                log.warning("Matrix: could not join %s (invited by %s): %s", room_id, inviter, e)
                return
            raise
        log.info("Matrix: joined %s (invited by %s)", room_id, inviter)
        if await self._encrypted(room_id):
            await self.client.send_message_event(room_id, EventType.ROOM_MESSAGE, {
                "msgtype": "m.notice", "body": ENCRYPTED_NOTICE, "m.mentions": {}}, txn_id=_txn(entry.seq, 0))
            await self.client.leave_room(room_id, reason="encrypted room")
            return
        predecessor = await self._predecessor(room_id)
        if predecessor:
            # The new room of an upgraded one (the bot was invited before it saw the tombstone).
            await self._follow_upgrade(entry, predecessor, room_id, joined=True, txn_base=1)
        name = await self.display_name(room_id, inviter)
        reply = await self.workers.run(self.run_core, room_id, inviter, "convene", "whoami", user_name=name,
                                       direct=await self._is_direct(room_id))
        await self.client.send_message_event(room_id, EventType.ROOM_MESSAGE, render.content(reply),
                                             txn_id=_txn(entry.seq, 9))

    async def _predecessor(self, room_id: str) -> str | None:
        try:
            create = await self.client.api.request(
                Method.GET, Path.v3.rooms[room_id].state["m.room.create"][""])
        except MatrixRequestError:
            return None
        pred = (create or {}).get("predecessor") or {}
        return pred.get("room_id") if isinstance(pred.get("room_id"), str) else None

    async def _on_tombstone(self, entry: inbox.InboxEntry) -> None:
        """A room upgrade: the group follows its room. The bot joins the new room (possible when its join rules
        let it; otherwise the coordinators are asked to invite it) and the binding moves there."""
        old, new = entry.room, (entry.event.get("content") or {}).get("replacement_room")
        joined = False
        try:
            server = (entry.event.get("sender") or ":").split(":", 1)[1]
            await self.client.api.request(Method.POST, Path.v3.join[new], query_params={"server_name": server})
            joined = True
        except MatrixRequestError as e:
            log.info("Matrix: could not join the upgraded room %s yet (%s); waiting for an invitation", new, e)
        await self._follow_upgrade(entry, old, new, joined=joined, txn_base=0)

    async def _follow_upgrade(self, entry: inbox.InboxEntry, old: str, new: str, *, joined: bool,
                              txn_base: int) -> None:
        def move(db):
            with write_tx(db):
                reply = follow_room_upgrade(db, f"matrix:{old}", f"matrix:{new}", self.clock(), joined=joined)
                if reply is not None:
                    for target, note in reply.notices:
                        if self.outbox is not None:
                            self.outbox.enqueue(db, target, note)
                return reply
        reply = await self.workers.run(move)
        if reply is None:
            return
        if self.outbox is not None:
            self.outbox.kick()
        else:
            for n, (target, note) in enumerate(reply.notices):
                if self.owns(target):
                    room = await self.direct_room(target.split(":", 1)[1])
                    await self.client.send_message_event(room, EventType.ROOM_MESSAGE, render.content(note),
                                                         txn_id=f"{_txn(entry.seq, txn_base)}.n{n}")
        if joined and reply.text:
            await self.client.send_message_event(new, EventType.ROOM_MESSAGE, render.content(reply),
                                                 txn_id=f"{_txn(entry.seq, txn_base)}.moved")

    async def _encrypted(self, room_id: str) -> bool:
        try:
            await self.client.get_state_event(room_id, EventType.ROOM_ENCRYPTION)
            return True
        except MatrixRequestError:
            return False

    # --- the worker: the inbox, in order ----------------------------------------------------

    async def _drain_forever(self) -> None:
        last_prune = 0.0
        while True:
            for entry in await self.workers.run(inbox.pending):
                try:
                    await self._process(entry)
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    # The homeserver could not be reached or refused for now: the same entry is tried again (the
                    # next ones wait, so the room's order holds).
                    log.warning("Matrix: could not finish %s (%s: %s); will try again", entry.event_id,
                                type(e).__name__, e)
                    await asyncio.sleep(2)
                    break
            if time.monotonic() - last_prune > 3600:
                last_prune = time.monotonic()
                await self.workers.run(inbox.prune, self.clock() - KEEP_HANDLED)
            if not await self.workers.run(inbox.pending, limit=1):
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=60)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()

    async def _process(self, entry: inbox.InboxEntry) -> None:
        kind = entry.event.get("type")
        if kind == "m.room.member":
            await self._accept_invite(entry)
            await self.workers.run(inbox.finish, entry.seq)
            return
        if kind == "m.room.tombstone":
            await self._on_tombstone(entry)
            await self.workers.run(inbox.finish, entry.seq)
            return
        actions = entry.actions
        if entry.status == "new":
            context = await self._lookups(entry.event)
            actions = await self.workers.run(self._decide_and_record, entry, context)
            if self.outbox is not None:
                self.outbox.kick()
            failpoints.hit("matrix.after_decide")
        for i, action in enumerate(actions or []):
            await self._perform(entry, i, action)
            failpoints.hit("matrix.after_send")
        await self.workers.run(inbox.finish, entry.seq)

    def _decide_and_record(self, db, entry: inbox.InboxEntry, context: dict) -> list[dict]:
        """In a database thread: handle the event and record the answer to send, in one transaction."""
        with write_tx(db):
            try:
                actions = self._decide(db, entry, context)
            except Exception:
                log.exception("Matrix: failed to handle %s", entry.event_id)
                actions = [self._send_action(entry.event, error(
                    "Something went wrong on my side and nothing was changed. Please try again."))]
            inbox.decide(db, entry.seq, actions)
        return actions

    # --- deciding (synchronous: runs inside the transaction that records the actions) ------------

    async def _lookups(self, ev: dict) -> dict:
        """What deciding needs from the homeserver, fetched before the transaction: the message replied to, the
        display names of the sender, of the people mentioned and of the person a prompt was put to, and whether the
        room is a direct one (the bot and one person)."""
        room, sender = ev.get("room_id"), ev.get("sender")
        content = ev.get("content") or {}
        out = {"names": {}, "replied": None, "direct": False}
        if ev.get("type") != "m.room.message":
            return out
        out["names"][sender] = await self.display_name(room, sender)
        out["direct"] = await self._is_direct(room)
        html_parts = (content.get("formatted_body") or "") + ((content.get("m.new_content") or {}).get(
            "formatted_body") or "")
        mentioned = {pill_target(m.group(1)) for m in _PILL_HREF.finditer(html_parts)}
        mentioned |= set((content.get("m.mentions") or {}).get("user_ids") or [])
        mentioned |= set(((content.get("m.new_content") or {}).get("m.mentions") or {}).get("user_ids") or [])
        for user in mentioned:
            if user and user.startswith("@") and ":" in user:
                out["names"][user] = await self.display_name(room, user)
        _thread, reply_to, _edited = _relation(content)
        said = message_text(content).lstrip()
        if reply_to and (not said.startswith("!") or said.lower().startswith("!import")):
            try:
                out["replied"] = await self.client.api.request(Method.GET, Path.v3.rooms[room].event[reply_to])
            except MatrixRequestError:
                out["replied"] = None
            asked = ((out["replied"] or {}).get("content") or {}).get(PROMPT_FOR)
            if isinstance(asked, str) and asked.startswith("@") and asked not in out["names"]:
                out["names"][asked] = await self.display_name(room, asked)
        if said.lower().startswith("!import"):
            # A document to import: this m.file captioned "!import", or the m.file this "!import" replies to.
            document = content if content.get("msgtype") == "m.file" else \
                ((out["replied"] or {}).get("content") or {}) if out["replied"] else {}
            if document.get("msgtype") == "m.file":
                out["document"] = await self._fetch_document(document)
        return out

    async def _fetch_document(self, content: dict) -> dict:
        """The file's name and bytes, from the homeserver's media store with the bot's own token (the mxc:// address
        is the event's, not one someone typed); or the reason it cannot be read."""
        from commands.core import UserError
        from commands.families.imports import check_document
        name = content.get("filename") or content.get("body") or "document"
        try:
            if content.get("file"):
                raise UserError("That file is end-to-end encrypted, which I cannot read: send it in an unencrypted "
                                "room.")
            check_document(name, int((content.get("info") or {}).get("size") or 0))
            url = content.get("url")
            if not isinstance(url, str) or not url.startswith("mxc://"):
                raise UserError(f"{name} has no file to download.")
            data = await self.client.download_media(url)
            check_document(name, len(data))
            return {"filename": name, "document": data}
        except UserError as e:
            return {"error": e.message}
        except MatrixRequestError as e:
            return {"error": f"I could not download {name} from the homeserver ({e.message or e.errcode})."}

    def _decide(self, db, entry: inbox.InboxEntry, looked_up: dict) -> list[dict]:
        ev = entry.event
        room, sender = ev["room_id"], ev["sender"]
        if ev.get("type") == "m.room.redaction":
            return self._on_redaction(db, ev, ev.get("redacts") or (ev.get("content") or {}).get("redacts"))
        content = ev.get("content") or {}
        names = looked_up.get("names", {})
        direct = bool(looked_up.get("direct"))
        thread, reply_to, edited = _relation(content)
        if edited:
            return self._on_edit(db, ev, edited, content.get("m.new_content") or {}, names, direct)
        body = message_text(content, self._as_name(names))
        if _is_command(body):
            head = (body.lstrip()[1:].split(None, 1) or [""])[0].lower()
            if head in FREE_TEXT_HEADS:
                text = body.lstrip()[1:]          # an input: pills are the people's names, as written
            else:
                # A command that may name people: a pill means the user it links to, whatever its text says.
                text = message_text(content, lambda user, label: user).lstrip()[1:]
                for user in (content.get("m.mentions") or {}).get("user_ids") or []:
                    name = names.get(user)            # a client that put only the display name in the text
                    if name and user not in text and name in text:
                        text = text.replace(name, user, 1)
            m = re.match(r"(\S+)\s*(.*)", text, re.S)
            if not m:
                return []
            head, rest = m.group(1).lower(), m.group(2).strip("\n")
            document = looked_up.get("document") if head == "import" else None
            if document and document.get("error"):
                return [self._send_action(ev, error(document["error"]))]
            reply = self.run_core(db, room, sender, head, rest, user_name=names.get(sender),
                                  names={f"matrix:{u}": n for u, n in names.items() if n},
                                  options=document or None, direct=direct)
            return self._answer(db, ev, reply, head=head, rest=rest, direct=direct)
        replied = looked_up.get("replied")
        if not reply_to or not replied or replied.get("sender") != self.mxid:
            return []           # chat, a thread's fallback, or a reply to someone else: not input
        prompt = replied.get("content") or {}
        command = prompt.get(COMMAND_KEY)
        if isinstance(command, str) and command:
            # A reply to a message that asks for a decision ("approve" / "refuse"): the core checks who may decide.
            head, _, rest = command.partition(" ")
            words = body.strip().split()
            options = {"group_id": prompt.get(COMMAND_GROUP)} if isinstance(prompt.get(COMMAND_GROUP), int) else {}
            reply = self.run_core(db, room, sender, head, f"{rest} {words[0] if words else ''}".strip(),
                                  options=options, user_name=names.get(sender), direct=direct)
            return self._answer(db, ev, reply)
        question = prompt.get(PROMPT_KEY)
        if not question:
            return []           # a reply to another of the bot's messages: not input
        asked = prompt.get(PROMPT_FOR)
        if asked and asked != sender:
            who = names.get(asked) or asked
            return [self._send_action(ev, info(
                f"That question was put to {who}, so your reply was not taken as input. To send your delegation's "
                "input, write !submit REF and reply to my question, or !submit REF TEXT."))]
        reply = self.run_core(db, room, sender, "submit", options={"question": question, "text": body},
                              user_name=names.get(sender), direct=direct)
        return self._answer(db, ev, reply)

    def _answer(self, db, ev: dict, reply: Reply, *, head: str | None = None, rest: str = "",
                direct: bool = False) -> list[dict]:
        actions = [self._send_action(ev, reply)]
        rec = reply.recorded
        if reply.ok and rec and rec.get("action") in ("submit", "edit"):
            # This message now carries the input: its edits and its deletion act on it.
            inbox.record_input(db, ev["event_id"], ev["room_id"], ev["sender"], rec["question"],
                               rec["delegation"])
            actions[0]["receipt_for"] = ev["event_id"]
        for target, note in reply.notices:
            if self.outbox is not None:
                # On disk in this transaction, with the input that caused it; sent by the outbox after the commit
                # through whichever front end owns the address (a coordinator on Slack too).
                self.outbox.enqueue(db, target, note)
            elif self.owns(target):
                actions.append({"kind": "dm", "user": target.split(":", 1)[1], "content": render.content(note)})
        if reply.files and head:
            actions.append({"kind": "files", "user": ev["sender"], "room": ev["room_id"], "head": head,
                            "text": rest, "direct": direct})
        return actions

    @staticmethod
    def _as_name(names: dict):
        """How a pill is written in an input: the person's display name (else the pill's own text, else the id)."""
        return lambda user, label: names.get(user) or label or user

    def _on_edit(self, db, ev: dict, original: str, new: dict, names: dict, direct: bool = False) -> list[dict]:
        room, sender = ev["room_id"], ev["sender"]
        msg = inbox.input_message(db, original)
        new_body = message_text(new, self._as_name(names))
        if msg is None:
            was = inbox.event_of(db, original)
            was_command = bool(was and ((was.get("content") or {}).get("body") or "").lstrip().startswith("!"))
            if was_command or new_body.lstrip().startswith("!"):
                return [self._send_action(ev, info(
                    "Edited commands are not run again: send the command as a new message."))]
            return []
        if msg.sender != sender:
            return [self._send_action(ev, error("Only the person who sent an input can change it by editing."))]
        if msg.superseded:
            return [self._send_action(ev, error(
                "That message no longer holds your delegation's input: a later one replaced it. Edit the later "
                "one, or send !inputs edit REF TEXT."))]
        text = new_body
        was = inbox.event_of(db, original)
        if was and ((was.get("content") or {}).get("body") or "").lstrip().startswith("!"):
            m = _SUBMIT_TEXT.match(new_body.strip())
            if not m:
                return [self._send_action(ev, error(
                    "I could not find the input in the edited command: keep !submit REF and change the text "
                    "after it, or send !inputs edit REF TEXT."))]
            text = m.group("text")
        reply = self.run_core(db, room, sender, "submit", options={"question": msg.question, "action": "edit",
                                                               "text": text}, user_name=names.get(sender),
                              direct=direct)
        actions = []
        if reply.ok and msg.receipt_event_id:
            actions.append({"kind": "redact", "room": room, "event_id": msg.receipt_event_id,
                            "reason": "the input was edited"})
        send = self._send_action(ev, reply, reply_to=original)
        if reply.ok:
            send["receipt_for"] = original
        return actions + [send]

    def _on_redaction(self, db, ev: dict, redacted: str | None) -> list[dict]:
        msg = inbox.input_message(db, redacted) if redacted else None
        if msg is None:
            return []
        room, sender = ev["room_id"], ev["sender"]
        actions = []
        if msg.receipt_event_id:
            actions.append({"kind": "redact", "room": room, "event_id": msg.receipt_event_id,
                            "reason": "the message with the input was deleted"})
        if msg.superseded or sender != msg.sender:
            return actions      # a later message holds the input now, or a moderator removed it: no withdrawal
        reply = self.run_core(db, room, sender, "submit", options={"question": msg.question, "action": "withdraw"})
        if reply.ok:
            inbox.supersede(db, redacted)
            reply.context.insert(0, line("Because the message that carried it was deleted."))
        actions.append(self._send_action(ev, reply, reply_to=None))
        return actions

    def _send_action(self, ev: dict, reply: Reply, *, reply_to: str | None = "") -> dict:
        content = ev.get("content") or {}
        thread, _direct, _edited = _relation(content)
        target = ev["event_id"] if reply_to == "" else reply_to
        extra = None
        if reply.expects:
            extra = {PROMPT_KEY: reply.expects, PROMPT_FOR: ev["sender"]}
        elif reply.reply_command:
            extra = {COMMAND_KEY: reply.reply_command, COMMAND_GROUP: reply.reply_group}
        c = render.content(reply, reply_to=target, extra=extra, thread=thread)
        return {"kind": "send", "room": ev["room_id"], "content": c}

    # --- performing (after the transaction; idempotent by transaction id) ----------------------

    async def _perform(self, entry: inbox.InboxEntry, i: int, action: dict) -> None:
        kind = action["kind"]
        if kind == "send":
            try:
                event_id = await self.client.send_message_event(action["room"], EventType.ROOM_MESSAGE,
                                                                action["content"], txn_id=_txn(entry.seq, i))
            except MatrixRequestError as e:
                if e.http_status not in (400, 403, 404):
                    raise           # the homeserver is unwell: the worker tries again (a 429 waited already)
                # Not in the room any more (removed before answering), or refused for good: retrying cannot help,
                # and the events after this one must not wait for it.
                log.warning("Matrix: could not answer %s in %s: %s", entry.event_id, action["room"], e)
                return
            if action.get("receipt_for"):
                await self.workers.run(inbox.set_receipt, action["receipt_for"], event_id)
        elif kind == "redact":
            try:
                await self.client.api.request(
                    Method.PUT, Path.v3.rooms[action["room"]].redact[action["event_id"]][_txn(entry.seq, i)],
                    content={"reason": action.get("reason", "")})
            except MatrixRequestError as e:
                if e.http_status not in (400, 403, 404):
                    raise           # the homeserver is unwell: the worker tries again (a 429 waited already)
                # Gone already, or never ours: nothing a retry can change.
                log.warning("Matrix: could not redact %s: %s", action["event_id"], e)
        elif kind == "dm":
            room = await self.direct_room(action["user"])
            await self.client.send_message_event(room, EventType.ROOM_MESSAGE, action["content"],
                                                 txn_id=_txn(entry.seq, i))
        elif kind == "files":
            # Exports are read-only: asking the core again gives the same file (also after a restart).
            reply = await self.workers.run(self.run_core, action["room"], action["user"], action["head"],
                                           action["text"], direct=bool(action.get("direct")))
            await self.send_files(reply, action["user"], txn=_txn(entry.seq, i))

    # --- the core ------------------------------------------------------------------------------

    def run_core(self, db, room_id: str, sender: str, command: str, text: str = "", *, options=None,
                 mentions=None, names=None, user_name: str | None = None, direct: bool = False) -> Reply:
        """The core, on ``db`` (a database thread's connection). ``direct``: the room is the bot and this person
        alone (the core then answers in the person's group)."""
        names = dict(names or {})
        if user_name:
            names.setdefault(f"matrix:{sender}", user_name)       # people are named by display name, never a bare id
        req = Request(platform="matrix", room=f"matrix:{room_id}", user=f"matrix:{sender}", command=command,
                      text=text, user_name=user_name or sender[1:].split(":", 1)[0], options=options or {},
                      mentions=mentions or {}, names=names, prompts=True, front_end=frontends.MATRIX,
                      direct=direct)
        started = time.perf_counter()
        reply = handle(db, req, self.clock, self.settings, front_ends=frontends.ALL)
        metrics.observe("matrix", command, reply.ok, time.perf_counter() - started)
        return reply

    async def _is_direct(self, room_id: str) -> bool:
        """A direct room: the bot and one other person joined (however it was created)."""
        cached = self._direct.get(room_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        try:
            joined = await self.client.api.request(Method.GET, Path.v3.rooms[room_id].joined_members)
            direct = len((joined or {}).get("joined") or {}) == 2
        except MatrixRequestError:
            direct = False
        self._direct[room_id] = (direct, time.monotonic() + NAME_TTL)
        return direct

    async def display_name(self, room_id: str, user: str) -> str | None:
        key = (room_id, user)
        cached = self._names.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        name = None
        try:
            member = await self.client.get_state_event(room_id, EventType.ROOM_MEMBER, user)
            name = getattr(member, "displayname", None)
        except Exception:       # not in the room, or the server is slow: the id will do
            name = None
        self._names[key] = (name, time.monotonic() + NAME_TTL)
        return name

    async def say(self, room_id: str, reply: Reply, *, plain_only: bool = False) -> None:
        if plain_only:
            content = {"msgtype": "m.notice", "body": reply.text, "m.mentions": {}}
        else:
            content = render.content(reply)
        await self.client.send_message_event(room_id, EventType.ROOM_MESSAGE, content)

    # --- direct rooms, files, scheduled delivery ------------------------------------------

    async def direct_room(self, user: str) -> str:
        """The one direct room with ``user``: created once, even when several messages for them go out at once."""
        key = f"matrix:dm:{self.mxid}:{user}"
        lock = self._dm_locks.setdefault(user, asyncio.Lock())
        async with lock:
            room = await self.workers.run(kv.get, key)
            if room:
                return room
            room = await self.client.create_room(invitees=[user], is_direct=True,
                                                 preset=RoomCreatePreset.TRUSTED_PRIVATE, name="Convene")
            await self.workers.run(kv.put, key, room)
            return room

    async def send_files(self, reply: Reply, user: str, txn: str | None = None) -> None:
        try:
            room = await self.direct_room(user)
            for n, f in enumerate(reply.files):
                data = await file_content(self.settings, f)
                mxc = await self.client.upload_media(data, mime_type=f.mimetype.split(";")[0], filename=f.filename)
                await self.client.send_message_event(room, EventType.ROOM_MESSAGE, {
                    "msgtype": "m.file", "body": f.filename, "filename": f.filename, "url": mxc,
                    "info": {"mimetype": f.mimetype.split(";")[0], "size": len(data)}, "m.mentions": {}},
                    txn_id=f"{txn}.{n}" if txn else None)
        except Exception:
            log.exception("Matrix: file delivery to %s failed", user)

    def owns(self, target: str) -> bool:
        return target.startswith("matrix:")

    async def deliver(self, reply: Reply, target: str, key: str | None = None) -> str:
        """A message the bot sends on its own (from the outbox). ``key`` makes the send idempotent: the same
        delivery retried is the same Matrix transaction, shown once. Returns the event id (the outbox edits it
        later when the message is one that is updated in place)."""
        ident = target.split(":", 1)[1]
        room = await self.direct_room(ident) if ident.startswith("@") else ident
        extra = {COMMAND_KEY: reply.reply_command, COMMAND_GROUP: reply.reply_group} if reply.reply_command else None
        return str(await self.client.send_message_event(room, EventType.ROOM_MESSAGE,
                                                        render.content(reply, extra=extra),
                                                        txn_id=f"convene.{key}" if key else None))

    async def update(self, reply: Reply, target: str, ref: str) -> None:
        """The outbox's "update this earlier message": an ``m.replace`` edit of the bot's event ``ref``."""
        room = target.split(":", 1)[1]
        extra = {COMMAND_KEY: reply.reply_command, COMMAND_GROUP: reply.reply_group} if reply.reply_command else None
        await self.client.send_message_event(room, EventType.ROOM_MESSAGE, render.edit(reply, ref, extra=extra))


class MatrixRunner:
    def __init__(self, settings, db, clock, workers=None):
        self.adapter = MatrixAdapter(settings, db, clock, workers)

    async def start(self) -> None:
        await self.adapter.connect()
        self.adapter.start_sync()

    async def stop(self) -> None:
        await self.adapter.close()
