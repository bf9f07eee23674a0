"""The agenda page and calendar feed of each group, on the bot's web server.

    GET /groups/<token>/              the agenda page (server-rendered with Jinja2; works without JavaScript)
    GET /groups/<token>/calendar.ics  the feed (subscribe as webcal://…)
    GET /static/convene.css|.js       the page's stylesheet (screen and print) and its small script

Calendar clients poll every few minutes, so answers come from a cache: an entry is trusted while this
connection's change count and SQLite's ``data_version`` (other processes' commits, looked at every
quarter of a second: see ``storage.feeds.version_probe``) say nothing was committed since it was
checked; after a commit, a one-query fingerprint of the group decides whether to rebuild. Both answers carry an ETag (and the feed a Last-Modified), so a poll whose
calendar has not changed gets ``304 Not Modified`` with no body.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import frontends
from commands.families import feed as core
from storage import feeds as feed_store

log = logging.getLogger("convene.web")
HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",          # the token is in the URL: never pass it on to other sites
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
PAGE_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Cache-Control": "private, no-cache",
}
FEED_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "private, no-cache"}
UNAVAILABLE = ("This agenda cannot be shown right now: its data needs a coordinator's attention (the bot's log says "
               "which session). Please try again later.\n")
NOT_FOUND = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Link not valid</title>"
             "<meta name=\"robots\" content=\"noindex\"></head><body><main><h1>This link is not valid</h1>"
             "<p>The agenda link may have been replaced. Ask your group's coordinators for the current one "
             "(in chat: <code>convene feed</code>).</p></main></body></html>")


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


@dataclass
class _Built:
    body: bytes
    etag: str
    last_modified: datetime | None = None
    valid_until: datetime | None = None      # the page shows "deadline passed" etc.: rebuilt after this
    headers: dict | None = None              # of a 200, built once
    headers_304: dict | None = None

    def prepare(self, base: dict, content_type: str, extra: dict | None = None) -> "_Built":
        h = {**base, "ETag": self.etag}
        if self.last_modified is not None:
            h["Last-Modified"] = format_datetime(self.last_modified, usegmt=True)
        self.headers_304 = h
        self.headers = {**h, "Content-Type": content_type, **(extra or {})}
        return self


@dataclass
class _Entry:
    group: object
    fingerprint: tuple
    version: tuple
    calendar: _Built | None = None
    page: _Built | None = None


class FeedSite:
    def __init__(self, db, settings, clock, workers=None):
        self.db, self.settings, self.clock = db, settings, clock
        self.cache: dict[str, _Entry] = {}
        self.env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.static = {name: (HERE / "static" / name).read_bytes() for name in ("convene.css", "convene.js")}
        self.static_version = hashlib.sha256(b"".join(self.static.values())).hexdigest()[:12]
        self.builds = 0          # how many times a page or calendar was rebuilt (tests, metrics)
        # Commits by the bot's database threads count at once; other processes' within a quarter of a second.
        self._version = feed_store.version_probe(db, extra=(lambda: workers.generation) if workers else None)

    def add_routes(self, app: web.Application) -> None:
        # One resource for a group's addresses (one pattern to match per request, not one per address).
        app.router.add_get("/groups/{token}/{name:[^/]*}", self.group_resource)
        app.router.add_get("/groups/{token}", self.redirect)
        app.router.add_get("/static/{name}", self.static_file)

    async def group_resource(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ("", "calendar.ics"):
            raise web.HTTPNotFound(headers=SECURITY_HEADERS)
        try:
            return await (self.page(request) if name == "" else self.calendar(request))
        except web.HTTPException:
            raise
        except Exception as e:
            # One group's data that cannot be rendered (a session in an unknown zone, say): that group's page says
            # so; one warning line in the log, no traceback, and every other group is served as usual.
            log.warning("agenda page or feed could not be built (%s: %s)", type(e).__name__, str(e)[:200])
            return web.Response(status=503, text=UNAVAILABLE, headers={**SECURITY_HEADERS, "Retry-After": "300"})

    # --- cache ----------------------------------------------------------------------------

    def _entry(self, token: str) -> _Entry | None:
        version = self._version()
        entry = self.cache.get(token)
        if entry is not None and entry.version == version:
            return entry
        group = core.group_for_token(self.db, token)
        if group is None:
            self.cache.pop(token, None)
            return None
        fingerprint = feed_store.fingerprint(self.db, group.id)
        if entry is None or entry.fingerprint != fingerprint or entry.group.id != group.id:
            entry = _Entry(group, fingerprint, version)
            self.cache[token] = entry
        entry.group, entry.version = group, version
        return entry

    def _calendar(self, entry: _Entry) -> _Built:
        if entry.calendar is None:
            body = core.calendar(self.db, entry.group, self.clock())
            entry.calendar = _Built(body, _etag(body), feed_store.last_modified(self.db, entry.group.id)).prepare(
                FEED_HEADERS, "text/calendar; charset=utf-8", {"Content-Disposition": 'inline; filename="calendar.ics"'})
            self.builds += 1
        return entry.calendar

    def _page(self, entry: _Entry, token: str) -> _Built:
        built = entry.page
        if built is None or (built.valid_until is not None and self.clock() >= built.valid_until):
            now = self.clock()
            model = core.page(self.db, entry.group, now, frontends.ALL)
            links = core.links_for(self.db, self.settings, entry.group)
            html = self.env.get_template("agenda.html").render(
                page=model, static_version=self.static_version,
                webcal=links.webcal if links else None, calendar_url="calendar.ics")
            body = html.encode("utf-8")
            built = entry.page = _Built(body, _etag(body), valid_until=model.valid_until).prepare(
                PAGE_HEADERS, "text/html; charset=utf-8")
            self.builds += 1
        return built

    # --- handlers ---------------------------------------------------------------------------

    async def calendar(self, request: web.Request) -> web.Response:
        entry = self._entry(request.match_info["token"])
        if entry is None:
            return web.Response(status=404, text="Not found: this calendar link is not valid (any more).\n",
                                headers=SECURITY_HEADERS)
        built = self._calendar(entry)
        if _not_modified(request, built):
            return web.Response(status=304, headers=built.headers_304)
        return web.Response(body=built.body, headers=built.headers)

    async def page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        entry = self._entry(token)
        if entry is None:
            return web.Response(status=404, text=NOT_FOUND, content_type="text/html", headers=SECURITY_HEADERS)
        built = self._page(entry, token)
        if _not_modified(request, built, use_date=False):
            return web.Response(status=304, headers=built.headers_304)
        return web.Response(body=built.body, headers=built.headers)

    async def redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(f"/groups/{request.match_info['token']}/", headers=SECURITY_HEADERS)

    async def static_file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.static:
            raise web.HTTPNotFound()
        ctype = "text/css" if name.endswith(".css") else "text/javascript"
        return web.Response(body=self.static[name], headers={
            **SECURITY_HEADERS, "Content-Type": f"{ctype}; charset=utf-8",
            "Cache-Control": "public, max-age=86400"})


def _not_modified(request: web.Request, built: _Built, *, use_date: bool = True) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only when there is none."""
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        if inm == built.etag:
            return True
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or built.etag in tags
    if use_date and built.last_modified is not None:
        try:
            since = request.if_modified_since
        except (ValueError, TypeError):
            since = None
        if since is not None:
            return built.last_modified.replace(microsecond=0) <= since
    return False
