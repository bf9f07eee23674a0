"""The Matrix adapter (mautrix-python): one client on the bot's loop.

Exactly once, also on a crash:
- mautrix stores the sync token *before* handling a batch, and runs ordinary handlers in the
  background. Here the only sync handler that matters (``on_event``, ``wait_sync=True``) writes the
  raw event to the ``inbox`` table, and the sync token is committed one batch late
  (``DbSyncStore``): the token never moves past an event that is not on disk.
- A worker drains the inbox in order. For each event it runs the core and records what to send in
  the same transaction (so an input is never stored without its answer being recorded, nor the
  reverse), then sends with a transaction id derived from the inbox entry: after a crash the same
  message is sent again, and the homeserver answers with the event it already has instead of
  posting it twice.

What counts as input (README: "What counts as input on Matrix"): a command, or a *direct* reply to
the bot's prompt (``!submit REF`` alone) by the person it was put to; not a thread's reply fallback,
not a reply to any other message. Editing that message updates the input; deleting (redacting) it
withdraws the input and the bot deletes its own receipt. Editing a command does not run it again.
Mentions resolve to the user the pill links to (or ``m.mentions``), never to the pill's text.
"""
from __future__ import annotations

import asyncio

import aiohttp
import html
import logging
import re
import time
from datetime import timedelta

from mautrix.api import Method, Path
from mautrix.client import Client, InternalEventType
from mautrix.client.state_store import SyncStore
from mautrix.errors import MatrixRequestError, MUnknownToken
from mautrix.types import EventType, Membership, RoomCreatePreset

from bot import frontends
from bot import failpoints, metrics
from bot.adapters.files import file_content
from bot.adapters.matrix import render
from bot.dbworkers import InlineWorkers
from commands.core import Request
from commands.dispatch import handle
from commands.reply import Reply, error, info, line
from commands.adapter_state import dedupe as events
from commands.adapter_state import inbox
from commands.adapter_state import settings as kv
from commands.adapter_state import transaction as write_tx

log = logging.getLogger("convene.matrix")

_PILL = re.compile(r'<a\s+href="https://matrix\.to/#/(@[^"?/]+)[^"]*"[^>]*>(.*?)</a>', re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SUBMIT_TEXT = re.compile(r"^!\s*submit\s+(?:(?:#\d+|\d{4}-\d\d-\d\d)\s+)?\S+\s+(?:--coordinators\s+)?(?P<text>.*)$",
                          re.S | re.I)
PROMPT_KEY = "org.convene.expects"
COMMAND_KEY = "org.convene.reply_command"     # a reply to this message runs the command (a registration decision)
COMMAND_GROUP = "org.convene.reply_group"
PROMPT_FOR = "org.convene.expects_from"
HTTP_TOTAL_TIMEOUT = 90         # seconds for one homeserver call (a sync long-polls for 30)
HTTP_CONNECT_TIMEOUT = 10
NAME_TTL = 300                  # seconds a member's display name is trusted before being looked up again
KEEP_HANDLED = timedelta(days=7)
ENCRYPTED_NOTICE = ("I can't read encrypted messages, so I can't work in this room. Ask a room admin to create an "
                    "unencrypted room for the contact group (in Element: Room settings → Security & Privacy → "
                    "leave Encrypted off when creating it; encryption cannot be turned off later) and invite me there.")


class DbSyncStore(SyncStore):
    """The sync token in the database, committed one batch late: when batch N+1 arrives, every event of
    batch N has been written to the inbox (its handlers ran with ``wait_sync``), so N's token is safe."""

    def __init__(self, db, key: str, workers=None):
        self.db, self.key = db, key
        self.workers = workers or InlineWorkers(db)
        self.pending: str | None = None
        self.since: str | None = None       # the token the batch being handled was asked with (gap filling)
        self._given: str | None = None

    async def get_next_batch(self):
        self._given = await self.workers.run(kv.get, self.key)
        return self._given

    async def put_next_batch(self, next_batch) -> None:
        self.since, self._given = self._given, next_batch
        run = self.workers.run
        if await run(kv.get, self.key) is None and self.pending is None:
            await run(kv.put, self.key, next_batch)      # the very first (ignored) sync: nothing to handle
        elif self.pending is not None:
            await run(kv.put, self.key, self.pending)    # the previous batch is in the inbox
        self.pending = next_batch


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


def command_text(content: dict) -> str:
    """The command as the sender meant it: from the HTML when there is one, with every pill replaced by the
    id of the user it links to (whatever its visible text says)."""
    formatted = content.get("formatted_body") if content.get("format") == "org.matrix.custom.html" else None
    if not formatted:
        return render.strip_reply_fallback(content.get("body") or "")
    formatted = re.sub(r"<mx-reply>.*?</mx-reply>", "", formatted, flags=re.S | re.I)
    text = _PILL.sub(lambda m: m.group(1), formatted)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = re.sub(r"</p>\s*<p>", "\n\n", text, flags=re.I)
    return html.unescape(_TAG.sub("", text))


class MatrixAdapter:
    platform = "matrix"

    def __init__(self, settings, db, clock, workers=None):
        self.outbox = None          # the process's Outbox (bot.outbox), set by the runtime
        self.settings, self.db, self.clock = settings, db, clock
        self.workers = workers or InlineWorkers(db)
        self.mxid = settings.matrix_user_id
        self.sync_store = DbSyncStore(db, f"matrix:next_batch:{self.mxid}", self.workers)
        self.client = Client(mxid=self.mxid, base_url=settings.matrix_homeserver, sync_store=self.sync_store,
                             client_session=aiohttp.ClientSession(headers={"User-Agent": "Convene"}, timeout=aiohttp.ClientTimeout(
                                 total=HTTP_TOTAL_TIMEOUT, sock_connect=HTTP_CONNECT_TIMEOUT)))
        self.client.ignore_initial_sync = True
        self.client.ignore_first_sync = False
        self._warned_encrypted: set[str] = set()
        self._background: set[asyncio.Task] = set()
        self._wake = asyncio.Event()
        self._worker: asyncio.Task | None = None
        self._dm_locks: dict[str, asyncio.Lock] = {}
        self._names: dict[tuple[str, str], tuple[str, float]] = {}
        self.client.add_event_handler(EventType.ROOM_MEMBER, self.on_member)
        self.client.add_event_handler(EventType.ROOM_MESSAGE, self.on_event, wait_sync=True)
        self.client.add_event_handler(EventType.ROOM_REDACTION, self.on_event, wait_sync=True)
        self.client.add_event_handler(EventType.ROOM_ENCRYPTED, self.on_encrypted)
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
        # Events left in the inbox by a crash are handled first, in order, then the new ones as they come.
        self._worker = asyncio.get_running_loop().create_task(self._drain_forever())
        return self.client.start(None)

    async def close(self) -> None:
        self.client.stop()
        if self.client.syncing_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.client.syncing_task), 5)
            except (asyncio.TimeoutError, asyncio.CancelledError, Exception):
                pass
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        if self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        # The sync token is not committed here: the last batch may not be in the inbox yet. It is replayed
        # at the next start, and the inbox ignores what it already has.
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
        if not data:
            return
        if not data.get("net.maunium.mautrix", {}).get("is_initial"):
            await self._fill_gaps(data)
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
        if not await self.workers.run(events.first_sighting, f"matrix:invite:{room_id}:{inviter}", self.clock()):
            return
        if not self._allowed(inviter):
            log.info("Matrix: invite to %s from %s refused (server not in MATRIX_ALLOWED_SERVERS)", room_id, inviter)
            await self.client.leave_room(room_id, reason="Convene only joins rooms of allowed servers")
            return
        await self.client.join_room(room_id)
        log.info("Matrix: joined %s (invited by %s)", room_id, inviter)
        if await self._encrypted(room_id):
            await self.say(room_id, Reply(text=ENCRYPTED_NOTICE, status="error"), plain_only=True)
            await self.client.leave_room(room_id, reason="encrypted room")
            return
        name = await self.display_name(room_id, inviter)
        await self.say(room_id, await self.workers.run(self.run_core, room_id, inviter, "convene", "whoami",
                                                       user_name=name))

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

    # --- receiving: into the inbox ----------------------------------------------------------

    def _keep(self, raw: dict) -> bool:
        """Whether an event may need an answer (commands, replies, edits, redactions); chat is not kept."""
        if raw.get("sender") == self.mxid:
            return False
        if raw.get("type") == "m.room.redaction":
            return True
        if raw.get("type") != "m.room.message":
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

    async def on_event(self, evt) -> None:
        """Runs before the sync token may move on (wait_sync): write what may need an answer to the inbox."""
        raw = evt.serialize()
        if self._keep(raw) and await self.workers.run(inbox.enqueue, evt.event_id, evt.room_id, raw):
            self._wake.set()

    async def _fill_gaps(self, data: dict) -> None:
        """A sync after a pause gives each room only its latest events (``limited``): fetch the ones in between,
        back to where the previous sync ended, and put them in the inbox first, oldest first. Runs before the
        batch is handled and before its token is committed."""
        since = self.sync_store.since
        if not since:
            return
        for room_id, room in (data.get("rooms", {}).get("join") or {}).items():
            timeline = room.get("timeline") or {}
            if not timeline.get("limited") or not timeline.get("prev_batch"):
                continue
            found: list[dict] = []
            token = timeline["prev_batch"]
            for _page in range(50):                         # at most 5,000 events of one room's gap
                resp = await self.client.api.request(
                    Method.GET, Path.v3.rooms[room_id].messages,
                    query_params={"dir": "b", "from": token, "to": since, "limit": "100"})
                chunk = resp.get("chunk") or []
                found += chunk
                if not chunk or not resp.get("end") or resp.get("end") == token:
                    break
                token = resp["end"]
            added = 0
            for raw in reversed(found):
                raw.setdefault("room_id", room_id)
                if self._keep(raw) and await self.workers.run(inbox.enqueue, raw["event_id"], room_id, raw):
                    added += 1
            if added:
                log.info("Matrix: %s events from a gap in %s put in the inbox", added, room_id)
                self._wake.set()

    async def _drain_forever(self) -> None:
        last_prune = 0.0
        while True:
            for entry in await self.workers.run(inbox.pending):
                try:
                    await self._process(entry)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Sending failed after the homeserver's own retries: leave it for the next round.
                    log.exception("Matrix: could not finish %s; will try again", entry.event_id)
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
        """What deciding needs from the homeserver, fetched before the transaction: the message replied to,
        and the display names of the sender and of the people mentioned."""
        room, sender = ev.get("room_id"), ev.get("sender")
        content = ev.get("content") or {}
        out = {"names": {}, "replied": None}
        if ev.get("type") != "m.room.message":
            return out
        out["names"][sender] = await self.display_name(room, sender)
        mentioned = set(m.group(1) for m in _PILL.finditer(content.get("formatted_body") or ""))
        mentioned |= set((content.get("m.mentions") or {}).get("user_ids") or [])
        for user in mentioned:
            if user.startswith("@") and ":" in user:
                out["names"][user] = await self.display_name(room, user)
        _thread, reply_to, _edited = _relation(content)
        said = render.strip_reply_fallback(content.get("body") or "").lstrip()
        if reply_to and (not said.startswith("!") or said.lower().startswith("!import")):
            try:
                out["replied"] = await self.client.api.request(Method.GET, Path.v3.rooms[room].event[reply_to])
            except MatrixRequestError:
                out["replied"] = None
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
        thread, reply_to, edited = _relation(content)
        if edited:
            return self._on_edit(db, ev, edited, content.get("m.new_content") or {}, names)
        body = render.strip_reply_fallback(content.get("body") or "")
        if body.lstrip().startswith("!"):
            text = command_text(content).lstrip()[1:]
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
                                  options=document or None)
            return self._answer(db, ev, reply, head=head, rest=rest)
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
                                  options=options, user_name=names.get(sender))
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
                              user_name=names.get(sender))
        return self._answer(db, ev, reply)

    def _answer(self, db, ev: dict, reply: Reply, *, head: str | None = None, rest: str = "") -> list[dict]:
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
                            "text": rest})
        return actions

    def _on_edit(self, db, ev: dict, original: str, new: dict, names: dict) -> list[dict]:
        room, sender = ev["room_id"], ev["sender"]
        msg = inbox.input_message(db, original)
        new_body = new.get("body") or ""
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
                                                               "text": text}, user_name=names.get(sender))
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
            event_id = await self.client.send_message_event(action["room"], EventType.ROOM_MESSAGE,
                                                            action["content"], txn_id=_txn(entry.seq, i))
            if action.get("receipt_for"):
                await self.workers.run(inbox.set_receipt, action["receipt_for"], event_id)
        elif kind == "redact":
            try:
                await self.client.api.request(
                    Method.PUT, Path.v3.rooms[action["room"]].redact[action["event_id"]][_txn(entry.seq, i)],
                    content={"reason": action.get("reason", "")})
            except MatrixRequestError as e:
                log.warning("Matrix: could not redact %s: %s", action["event_id"], e)
        elif kind == "dm":
            room = await self.direct_room(action["user"])
            await self.client.send_message_event(room, EventType.ROOM_MESSAGE, action["content"],
                                                 txn_id=_txn(entry.seq, i))
        elif kind == "files":
            # Exports are read-only: asking the core again gives the same file (also after a restart).
            reply = await self.workers.run(self.run_core, action["room"], action["user"], action["head"],
                                           action["text"])
            await self.send_files(reply, action["user"], txn=_txn(entry.seq, i))

    # --- the core ------------------------------------------------------------------------------

    def run_core(self, db, room_id: str, sender: str, command: str, text: str = "", *, options=None,
                 mentions=None, names=None, user_name: str | None = None) -> Reply:
        """The core, on ``db`` (a database thread's connection)."""
        req = Request(platform="matrix", room=f"matrix:{room_id}", user=f"matrix:{sender}", command=command,
                      text=text, user_name=user_name or sender[1:].split(":", 1)[0], options=options or {},
                      mentions=mentions or {}, names=names or {}, prompts=True, front_end=frontends.MATRIX)
        started = time.perf_counter()
        reply = handle(db, req, self.clock, self.settings, front_ends=frontends.ALL)
        metrics.observe("matrix", command, reply.ok, time.perf_counter() - started)
        return reply

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
