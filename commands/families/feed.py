"""A group's calendar feed and agenda page, for people who never open Slack or Matrix.

The web front end (``bot/web``) serves ``/groups/<token>/`` (the agenda page) and
``/groups/<token>/calendar.ics`` (the subscribable feed). This module holds what it needs from the
core (which group a token names, the page's content, the calendar's bytes) and the chat side:
``convene feed`` (the links, for coordinators), ``feed rotate`` (a new token: old links stop
working) and ``feed share on|off`` (whether ``agenda`` replies in this room carry the links).
Nothing is linked in a room that has not chosen to share it; the feed and page carry the agenda
only, never inputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from commands.text import timefmt
from commands.contract import FrontEnds, platform_of
from commands.core import Context, UserError
from commands.operations import rotate_feed, share_feed
from commands.rules.lateness import is_late
from commands.registry import HEADS, subcommand
from commands.exports.ics_export import build_ics
from commands.reply import Code, Link, Reply, Section, Strong, line
from storage import agenda as agenda_store
from storage import feeds as feed_store
from storage import groups as group_store
from storage.models import Group



# --- links ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedLinks:
    page: str          # https://host/groups/<token>/
    calendar: str      # https://host/groups/<token>/calendar.ics (for "add calendar from URL")
    webcal: str        # webcal://host/groups/<token>/calendar.ics (one click subscribes)


def public_url(settings) -> str | None:
    return getattr(settings, "public_url", None) or None


def links_for(db, settings, group: Group) -> FeedLinks | None:
    base = public_url(settings)
    if not base:
        return None
    token = feed_store.token_of(db, group.id)
    page = f"{base}/groups/{token}/"
    calendar = page + "calendar.ics"
    webcal = "webcal://" + calendar.split("://", 1)[1]
    return FeedLinks(page, calendar, webcal)


def shared_links(ctx: Context) -> FeedLinks | None:
    """The links, if this room chose to share them (``feed share on``) and the bot has a public address."""
    if ctx.group is None or not public_url(ctx.settings) or not feed_store.room_shared(ctx.db, ctx.request.room):
        return None
    return links_for(ctx.db, ctx.settings, ctx.group)


def links_line(links: FeedLinks):
    return line(Link("Agenda page", links.page), " · ", Link("Subscribe to the calendar", links.webcal))


# --- chat commands ------------------------------------------------------------------------

def _need_public_url(ctx: Context) -> None:
    if not public_url(ctx.settings):
        raise UserError("The agenda page and calendar feed need the bot's public address: the operator sets "
                        "CONVENE_PUBLIC_URL (for example https://convene.example.org) and restarts Convene.")


@subcommand("feed", "feed [rotate | share on|off]",
            "The group's agenda page and calendar feed: the links, a new secret link, or whether this room shows them.",
            coordinator=True,
            details="The page and the feed show the agenda only, never inputs. Anyone with the link can read them: "
                    "'feed rotate' makes a new link and the old one stops working. 'feed share on' adds the links "
                    "to agenda replies in this room.")
def feed_command(ctx: Context, text: str) -> Reply:
    words = text.lower().split()
    if words[:1] == ["rotate"] and len(words) == 1:
        _need_public_url(ctx)
        rotate_feed(ctx.db, ctx.group)
        links = links_for(ctx.db, ctx.settings, ctx.group)
        return Reply(text="New feed links: the old ones no longer work.", sections=[Section(
            heading=line(Strong("New links for "), Strong(ctx.group.name)),
            body=[line("The old links stop working now; people who subscribed must subscribe again."),
                  *_link_lines(links)])])
    if words[:1] == ["share"]:
        if len(words) != 2 or words[1] not in ("on", "off"):
            raise UserError("Write feed share on (agenda replies in this room carry the links) or feed share off.")
        on = words[1] == "on"
        share_feed(ctx.db, ctx.request.room, on)
        msg = ("Agenda replies in this room now carry the agenda page and calendar links." if on else
               "Agenda replies in this room no longer carry the agenda page and calendar links.")
        hint = [] if public_url(ctx.settings) else [line("They appear once the operator sets CONVENE_PUBLIC_URL.")]
        return Reply(text=msg, sections=[Section(body=[line(msg)])], context=hint)
    if words:
        raise UserError("Write feed, feed rotate, or feed share on|off.")
    _need_public_url(ctx)
    links = links_for(ctx.db, ctx.settings, ctx.group)
    shared = feed_store.room_shared(ctx.db, ctx.request.room)
    return Reply(text=f"Agenda page: {links.page}", sections=[Section(
        heading=line(Strong(ctx.group.name), " — agenda page and calendar"),
        body=[*_link_lines(links),
              line("Shown in this room's agenda replies: ", Strong("yes" if shared else "no"),
                   " (", Code(ctx.cmd("feed share on" if not shared else "feed share off")), ").")])],
        context=[line("The page and feed show the agenda only, never inputs. Anyone with the link can read them; ",
                      Code(ctx.cmd("feed rotate")), " replaces it.")])


def _link_lines(links: FeedLinks) -> list:
    return [line("Agenda page: ", Link(links.page, links.page)),
            line("Subscribe: ", Link(links.webcal, links.webcal)),
            line("Calendar address (for \"add calendar from URL\"): ", Link(links.calendar, links.calendar))]


# --- what the web front end serves --------------------------------------------------------

def group_for_token(db, token: str) -> Group | None:
    if not token or len(token) > 64:
        return None
    return feed_store.group_by_token(db, token)


def calendar(db, group: Group, now: datetime) -> bytes:
    return build_ics(db, group, agenda_store.sessions_of_group(db, group.id), now, feed=True)


@dataclass
class PageTime:
    iso: str           # with the session's offset: the page's script shows it in the reader's zone too
    text: str          # as the session's zone reads it: "10:00"


@dataclass
class PageItem:
    number: str | None
    title: str
    kind: str
    start: PageTime | None
    end: PageTime | None
    presenters: list[str]
    description: str | None
    questions: list[tuple[str, str]]      # (ref, text)


@dataclass
class PageSession:
    id: int
    title: str
    date: str
    start: PageTime
    end: PageTime
    zone: str                 # "Geneva time (Europe/Zurich)"
    venue: str | None
    symbol: str | None
    state: str                # upcoming | now | over
    deadline: PageTime | None
    deadline_date: str | None
    deadline_passed: bool
    items: list[PageItem]
    first_ref: str | None

    @property
    def question_count(self) -> int:
        return sum(len(it.questions) for it in self.items)


@dataclass
class PageList:
    short: str
    name: str
    symbol: str
    description: str | None
    questions: list[tuple[str, str]]


@dataclass
class AgendaPage:
    group: str
    sessions: list[PageSession]
    past: list[PageSession]
    lists: list[PageList]
    answer_hints: list[tuple[str, str]]      # (where, how): ("Slack", "/submit REF TEXT")
    generated: str
    valid_until: datetime | None = None      # the next deadline or session boundary: the page changes then
    extra: dict = field(default_factory=dict)


def _t(moment: datetime | None, tz: str) -> PageTime | None:
    if moment is None:
        return None
    return PageTime(timefmt.iso_local(moment, tz), timefmt.hm(moment, tz))


def page(db, group: Group, now: datetime, front_ends: FrontEnds | None = None) -> AgendaPage:
    """The agenda page's model. ``front_ends`` name the platforms the group's rooms are on and how to send input
    there (front ends that run on the bot's machine, such as the console, are not offered to delegates)."""
    upcoming, past = [], []
    boundaries = []
    for s in agenda_store.sessions_of_group(db, group.id):
        tz = s.timezone
        qs = agenda_store.questions_of_session(db, s.id)
        items = []
        for it in agenda_store.items_of_session(db, s.id):
            items.append(PageItem(it.number, it.title, it.kind, _t(it.start, tz), _t(it.end, tz), list(it.presenters),
                                  it.description, [(q.ref, q.text) for q in qs if q.item_id == it.id]))
        state = "over" if s.end <= now else ("now" if s.start <= now else "upcoming")
        boundaries += [t for t in (s.start, s.end, s.deadline) if t is not None and t > now]
        view = PageSession(
            id=s.id, title=s.title, date=timefmt.long_date(s.start, tz), start=_t(s.start, tz), end=_t(s.end, tz),
            zone=f"{timefmt.zone_label(tz)} ({tz})", venue=s.venue, symbol=s.symbol, state=state,
            deadline=_t(s.deadline, tz), deadline_date=timefmt.short_datetime(s.deadline, tz) if s.deadline else None,
            deadline_passed=is_late(now, s.deadline), items=items,
            first_ref=next((q.ref for q in qs if q.item_id is not None), None))
        (past if state == "over" else upcoming).append(view)
    past.reverse()
    lists = [PageList(lst.short, lst.name, lst.symbol, lst.description,
                      [(f"{lst.short}:{q.ref}", q.text) for q in agenda_store.questions_of_list(db, lst.id)])
             for lst in agenda_store.lists_of_group(db, group.id) if lst.is_open]
    front_ends = front_ends or FrontEnds()
    hints: list[tuple[str, str]] = []
    for room in group_store.rooms_of_group(db, group.id):
        f = front_ends.of(room)
        if f.platform == platform_of(room) and f.label and not f.local_files and f.label not in dict(hints):
            hints.append((f.label, f.typed("submit REF TEXT", HEADS)))
    return AgendaPage(group=group.name, sessions=upcoming, past=past, lists=lists, answer_hints=hints,
                      generated=f"{timefmt.short_datetime(now, group.timezone)} {timefmt.zone_label(group.timezone)}",
                      valid_until=min(boundaries) if boundaries else None)


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(feed_command)
