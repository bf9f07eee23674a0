"""The one way in: a Request becomes a Reply. Adapters call ``handle`` and render what it returns."""
from __future__ import annotations

import dataclasses
import logging
from typing import Callable

from commands.text.args import shown
from commands.text.words import did_you_mean
from commands.contract import FrontEnds
from commands.core import Clock, Context, Request, UserError, system_clock
from commands.families import default_registry
from commands.registry import Registry, find_subcommand
from commands.rules import roles
from commands.reply import Reply, error
from commands.text.sanitize import clean, clean_options
from storage import events as seen_store
from storage import groups as group_store
from storage.feeds import version_probe
from storage.db import CANNOT_SAVE, Busy, cannot_save, is_busy, without_waiting, write_health, write_tx

log = logging.getLogger("convene.commands")


def route(request: Request, registry: Registry | None = None) -> tuple[str, str]:
    """(head, text). A bare convene subcommand ('iam Chile', 'help') routes to convene."""
    registry = registry or default_registry()
    command = (request.command or "").strip().lower()
    if command in registry.heads:
        return command, request.text
    if command == "help":
        return "convene", ("help " + request.text).strip()
    cmd, _ = find_subcommand([command] + request.text.split(), registry.subcommands)
    if cmd is not None:
        return "convene", f"{request.command} {request.text}".strip()
    return "", request.text


def make_context(db, request: Request, clock: Clock = system_clock, settings=None,
                 registry: Registry | None = None, front_ends: FrontEnds | None = None) -> Context:
    group = group_store.group_for_room(db, request.room)
    group_id = request.options.get("group_id")
    if group is None and isinstance(group_id, int) and not isinstance(group_id, bool):
        # A form or button outside any room (the Slack App Home) names its group (a number: the front end decoded
        # it from a value we made); only members may use it.
        candidate = group_store.group_by_id(db, group_id)
        if candidate and group_store.member(db, candidate.id, request.user):
            group = candidate
    if group is None and request.direct:
        # A direct conversation with the bot belongs to no group: it speaks in the person's group when they belong
        # to exactly one (with several, require_group asks which).
        mine = group_store.groups_of_user(db, request.user)
        if len(mine) == 1:
            group = mine[0]
    member = group_store.member(db, group.id, request.user) if group else None
    return Context(db=db, request=request, now=clock(), group=group, member=member, settings=settings,
                   registry=registry or default_registry(), front_ends=front_ends or FrontEnds())


class ReplyCache:
    """Replies of read-only commands (``pure`` in the registry), kept while nothing in the database changed and
    within the same minute (replies say "now" and "past" by the minute): a room full of delegates asking the agenda
    costs one rendering. "Nothing changed" is this connection's own commits, the database threads' (``extra``) and,
    looked for at most every quarter second, other processes' (the CLI): an import from the CLI shows within 250 ms.
    Front ends may memoize their rendering of a cached reply in ``Reply.rendered``."""

    def __init__(self, db, extra: Callable[[], int] | None = None, size: int = 512):
        self.version = version_probe(db, extra=extra)
        self.size = size
        self.entries: dict[tuple, tuple[object, Reply]] = {}
        self.hits = self.misses = 0

    def key(self, request: Request, registry: Registry, now) -> tuple | None:
        if request.options or request.mentions:
            return None
        head, text = route(request, registry)
        cmd = registry.heads.get(head)
        if cmd is None or not cmd.pure:
            return None
        platform = request.front_end.platform if request.front_end else request.platform
        return (platform, request.room, request.user, head, text, now.replace(second=0, microsecond=0))

    def get(self, key) -> Reply | None:
        found = self.entries.get(key)
        if found is not None and found[0] == self.version():
            self.hits += 1
            return found[1]
        self.misses += 1
        return None

    def put(self, key, reply: Reply) -> None:
        if not reply.ok:
            return
        if len(self.entries) >= self.size:
            self.entries.clear()          # a new minute or new data made them stale anyway
        self.entries[key] = (self.version(), reply)


BUSY_MESSAGE = ("The database is busy for a moment (a large import or a backup?), so nothing was changed. "
                "Please try again in a minute.")


REPLAYED = "replayed"


def replayed() -> Reply:
    """The answer to a request handled before (``once``): nothing, and nothing changed."""
    return Reply(text="", status=REPLAYED)


def handle_once(db, request: Request, clock: Clock = system_clock, settings=None, *, once: str,
                registry: Registry | None = None, front_ends: FrontEnds | None = None) -> Reply:
    """``handle`` as one transaction that waits for the write lock (for a database thread), with the request's
    replay key ``once`` checked and recorded inside it (see ``handle``)."""
    try:
        with write_tx(db):
            return handle(db, request, clock, settings, registry=registry, front_ends=front_ends, once=once)
    except Exception as e:
        if not cannot_save(e):
            raise
        return _cannot_save(e, request)


def _cannot_save(e: BaseException, request: Request) -> Reply:
    """The disk is full, read-only or failing: the person is told nothing was changed, the log gets one line, and
    /healthz reports the database failing until a write succeeds again."""
    write_health.failed(cannot_save(e) or str(e))
    log.warning("cannot save (%s): %s from %s refused, nothing was changed", cannot_save(e), request.command,
                request.room)
    return error(CANNOT_SAVE)


def handle_without_waiting(db, request: Request, clock: Clock = system_clock, settings=None,
                           registry: Registry | None = None, front_ends: FrontEnds | None = None,
                           cache: ReplyCache | None = None, once: str | None = None) -> Reply | None:
    """``handle`` as one transaction that does not wait for the write lock (for front ends on the event loop):
    None when the command needed the lock while another connection held it; nothing of it was kept, and the
    caller runs it again where waiting does not stop anyone (a database thread, ``handle_once``)."""
    key = cache.key(request, registry or default_registry(), clock()) if cache is not None else None
    if key is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    try:
        before = db.conn.total_changes
        with without_waiting(db):
            reply = handle(db, request, clock, settings, raise_busy=True, registry=registry, front_ends=front_ends,
                           once=once)
        if db.conn.total_changes != before:
            write_health.succeeded()
    except Busy:
        return None
    except Exception as e:           # the commit itself failed: the disk is full or read-only
        if not cannot_save(e):
            raise
        return _cannot_save(e, request)
    if key is not None:
        cache.put(key, reply)
    return reply


def authorize(ctx: Context, cmd) -> None:
    """What the registry declares about a command, enforced here once before any handler runs: that it needs the
    room's group, whether only the group's coordinators may run it, and which role (``commands.rules.roles``) its
    user must hold."""
    if cmd.needs_group:
        ctx.require_group()
    if cmd.coordinator:
        label = cmd.name if cmd.head in ("convene", cmd.name) else f"{cmd.head} {cmd.name}"
        ctx.require_coordinator(f"use {label}")
    if cmd.role and not roles.holds(ctx, cmd.role):
        label = cmd.name if cmd.head in ("convene", cmd.name) else f"{cmd.head} {cmd.name}"
        raise UserError(f"Only the {roles.who(cmd.role)} of {ctx.group.name} can use {label}. Ask a coordinator "
                        f"to make you a {cmd.role}.")


def handle(db, request: Request, clock: Clock = system_clock, settings=None, *, raise_busy: bool = False,
           registry: Registry | None = None, front_ends: FrontEnds | None = None, once: str | None = None) -> Reply:
    """Run one request. ``front_ends`` are the front ends of this process (how a command is typed for a person on
    each, how people are written there); the request's own is ``request.front_end``.

    ``once``: the request's replay key (a signed HTTP request's signature). A request whose key is recorded is not
    run again (``replayed()``); one that changes anything records its key in the same transaction as its changes
    (the caller's: ``handle_without_waiting``, ``handle_once``), so no restart and no second process on the
    database can make it act twice."""
    if once is not None:
        if seen_store.seen(db, once):
            log.warning("a request handled before was sent again (a replay): ignored")
            return replayed()
        before = db.conn.total_changes
        reply = handle(db, request, clock, settings, raise_busy=raise_busy, registry=registry, front_ends=front_ends)
        if db.conn.total_changes != before:
            seen_store.first_sighting(db, once, clock())
        return reply
    request = dataclasses.replace(request, text=clean(request.text or ""), options=clean_options(request.options),
                                  user_name=clean(request.user_name))
    registry = registry or default_registry()
    head, text = route(request, registry)
    ctx = make_context(db, request, clock, settings, registry, front_ends)
    if not head:
        near = registry.nearest([request.command or ""] + request.text.split()[:2])
        guess = did_you_mean([ctx.cmd(n) for n in near])
        return error(f"I don't know the command '{shown(request.command)}'.{guess} Type {ctx.cmd('help')} for the "
                     "list.")
    cmd, rest = registry.resolve(head, text)
    try:
        authorize(ctx, cmd)
        reply = cmd.handler(ctx, rest)
        if ctx.queued:
            reply.queued = True
        return reply
    except UserError as e:
        return error(e.message, *[h for h in e.hints if h], field=e.field)
    except Exception as e:
        if is_busy(e):
            if raise_busy:
                raise Busy(str(e)) from e
            log.warning("command %s waited too long for the database lock", head)
            return error(BUSY_MESSAGE)
        if cannot_save(e):
            if db.conn.in_transaction:
                raise                  # the caller's transaction rolls back, then answers (_cannot_save)
            return _cannot_save(e, request)
        log.exception("command failed: %s %r in %s", head, text[:200], request.room)
        return error("Something went wrong on my side and nothing was changed. The error is logged; please try "
                     "again or tell a coordinator.")
