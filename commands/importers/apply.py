"""Importing a parsed document into a group: plan first, then apply the plan in one transaction.

The plan says, for every session and list of the document, whether it is new or updates a stored one
(matched by the document's key, else its symbol, else the same day and a similar title), where it will be
(wall-clock → UTC; ``--start`` moves it; without ``--start`` a re-import keeps the session as far from the
document's own time as a reschedule or an earlier ``--start`` put it), and what happens to each stored question (``commands.rules.questions``). ``--dry-run`` shows the plan;
changes that would take answered questions off the agenda are applied only when accepted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from commands.rules import corrections
from commands.rules import questions as qp
from commands.text import timefmt
from commands.importers import DocumentError, ParsedDocument, read_document
from commands.importers.model import ParsedList, ParsedSession
from commands.text.sanitize import clean_tree
from commands.text.timefmt import TimeError, localize
from commands.text.words import count
from storage import agenda as agenda_store
from storage.agenda import QuestionFate
from storage.db import write_tx
from storage.models import Group, ImportedItem, QuestionList, Session

TITLE_MAX, TEXT_MAX = 500, 5_000
SAME_SESSION = 0.6     # title similarity that makes a session of the same day the same session
UNTIMED_LENGTH = timedelta(hours=3)   # an agenda without times, placed with --start


class ChangesNeedConfirmation(Exception):
    """The document takes answered questions off the agenda (or rewords them substantially): nothing was
    changed; the plan says what would happen."""

    def __init__(self, plan: "ImportPlan"):
        self.plan = plan
        super().__init__(f"{count(len(plan.confirmations), 'change')} to answered questions need a confirmation")


@dataclass
class SessionPlan:
    parsed: ParsedSession
    timezone: str
    start: datetime                       # UTC, where it will be
    end: datetime
    deadline: datetime | None
    items: list[ImportedItem]             # UTC times
    document_start: datetime              # UTC, where the document itself places it
    existing: Session | None
    matched_by: str | None
    changes: list[qp.Change]
    kept_reschedule: bool = False
    details: list[str] = field(default_factory=list)   # what else changes: "venue: “Room XX” → “Room XIX”"
    corrections: list[str] = field(default_factory=list)   # corrections by hand kept, or contradicted


@dataclass
class ListPlan:
    parsed: ParsedList
    existing: QuestionList | None
    changes: list[qp.Change]
    joins: SessionPlan | None = None     # the list belongs to this session of the same document (shares its deadline)


@dataclass
class ImportPlan:
    sessions: list[SessionPlan] = field(default_factory=list)
    lists: list[ListPlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unused_lines: list[int] = field(default_factory=list)
    choices: list = field(default_factory=list)          # importers.model.Choice: where the reader was unsure
    reading: int = 1

    def choice_lines(self) -> list[str]:
        """Where the reader was unsure, what it took and the other readings, numbered (``import apply ID reading N``
        takes one)."""
        if not self.choices:
            return []
        doc = ParsedDocument(choices=self.choices)
        out = [f"Reading {self.reading} of {1 + len(doc.readings())}: where the document could be read more ways"]
        n = 1
        for c in self.choices:
            others = []
            for alt in c.alternatives:
                n += 1
                others.append(f"reading {n}: {alt}")
            where = f" (line {c.line})" if c.line else ""
            out.append(f"  {c.what}{where}: reading 1 takes {c.chosen}; " + "; ".join(others))
        return out

    @property
    def confirmations(self) -> list[qp.Change]:
        """Changes applied only when confirmed: those that take answered questions off the agenda, and every
        question a revised list would delete (a list's entries are few and numbered: one missing is asked about)."""
        return [c for p in [*self.sessions, *self.lists] for c in p.changes
                if c.needs_confirmation or (isinstance(p, ListPlan) and c.kind == "removed")]

    def change_lines(self) -> list[str]:
        """The changes to stored questions, per session and list: empty for a first import."""
        out = []
        for p in [*self.sessions, *self.lists]:
            if p.existing is None:
                continue
            moves = [c for c in p.changes if c.kind != "unchanged"]
            name = (f"#{p.existing.id} {p.existing.title}" if isinstance(p, SessionPlan)
                    else f"list {p.existing.short}")
            out.extend(f"{name}: {d}" for d in getattr(p, "details", []))
            if getattr(p, "corrections", None):
                out.append(f"{name}: corrections made by hand")
                out.extend("  " + c for c in p.corrections)
            if not moves:
                out.append(f"{name}: questions unchanged")
                continue
            out.append(f"{name}: {count(len(moves), 'question change')}")
            out.extend("  " + qp.describe(c, lambda n: count(n, "input")) for c in moves)
        return out

    def preview_lines(self) -> list[str]:
        """What the import creates or updates, in full: sessions, items with times and presenters, breaks,
        questions with refs, lists, lines not used, and the changes to stored questions."""
        out: list[str] = self.choice_lines()
        for p in self.sessions:
            tz = p.timezone
            head = (f"#{p.existing.id}, matched by {p.matched_by}" if p.existing else "new session")
            out.append(f"Session “{p.parsed.title}” ({head}) — {timefmt.long_date(p.start, tz)}, "
                       f"{timefmt.hm(p.start, tz)}–{timefmt.hm(p.end, tz)} ({tz})")
            if p.kept_reschedule:
                out.append("  keeps the reschedule made since the last import (give --start to place it elsewhere)")
            if p.deadline:
                out.append(f"  written input by {timefmt.short_datetime(p.deadline, tz)}")
            for it in p.items:
                when = (f"{timefmt.hm(it.start, tz)}–{timefmt.hm(it.end, tz)}" if it.start and it.end
                        else timefmt.hm(it.start, tz) if it.start else "(no time)")
                label = it.title if it.kind == "break" else f"{it.number}. {it.title}" if it.number else it.title
                who = f" — {', '.join(it.presenters)}" if it.presenters else ""
                out.append(f"  {when}  {label}{who}" + (" [break]" if it.kind == "break" else ""))
                for n, q in enumerate(it.questions, start=1):
                    out.append(f"      {it.number}.{n} {_one_line(q)}")
        for p in self.lists:
            head = "updates the list" if p.existing else "new list"
            joins = f"; belongs to the session “{p.joins.parsed.title}” (its deadline)" if p.joins else ""
            out.append(f"List {p.parsed.short} ({p.parsed.symbol}, {head}{joins}): {p.parsed.name} — "
                       f"{count(len(p.parsed.questions), 'question')}")
            out.extend(f"  {ref} {_one_line(text)}" for ref, text in p.parsed.questions)
        if self.unused_lines:
            out.append("Lines not used: " + ", ".join(str(n) for n in self.unused_lines))
        out.extend(f"note: {n}" for n in self.notes)
        changes = self.change_lines()
        if changes:
            out.append("Changes to what is stored:")
            out.extend("  " + c for c in changes)
        return out


def _one_line(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class ImportResult:
    plan: ImportPlan
    applied: bool
    sessions: list[tuple[Session, bool]] = field(default_factory=list)   # (session, created)
    lists: list[tuple[QuestionList, bool]] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return self.plan.notes

    def summary_lines(self, db) -> list[str]:
        if not self.applied:
            return ["Dry run: nothing was changed. This is what the import would do:", *self.plan.preview_lines()]
        out = []
        for s, created in self.sessions:
            items = agenda_store.items_of_session(db, s.id)
            questions = agenda_store.questions_of_session(db, s.id)
            verb = "created" if created else "updated"
            out.append(f"{verb} session #{s.id}: {s.title} — {timefmt.long_date(s.start, s.timezone)}, "
                       f"{timefmt.hm(s.start, s.timezone)}–{timefmt.hm(s.end, s.timezone)} ({s.timezone}); "
                       f"{count(sum(1 for i in items if i.kind == 'item'), 'item')}, "
                       f"{count(sum(1 for i in items if i.kind == 'break'), 'break')}, "
                       f"{count(len(questions), 'question')}")
        for p in self.plan.sessions:
            if p.kept_reschedule:
                out.append(f"kept the reschedule of #{p.existing.id}: give --start to place it elsewhere")
        for lst, created in self.lists:
            n = len(agenda_store.questions_of_list(db, lst.id))
            verb = "created" if created else "updated"
            out.append(f"{verb} question list {lst.short} ({lst.symbol}): {lst.name}; {count(n, 'question')}")
        out.extend(c for c in self.plan.change_lines() if not c.endswith("questions unchanged"))
        if self.plan.unused_lines:
            out.append("lines not used: " + ", ".join(str(n) for n in self.plan.unused_lines))
        out.extend(f"note: {n}" for n in self.plan.notes)
        return out


def import_file(db, group: Group, path: str, *, default_date: date | None = None,
                start: str | None = None, venue: str | None = None, kind: str | None = None,
                symbol: str | None = None, name: str | None = None, dry_run: bool = False,
                accept_changes: bool = False, session_id: int | None = None) -> ImportResult:
    fallback = start_date(start, default_date)
    doc = read_document(path, kind=kind, default_date=default_date, symbol=symbol, name=name, fallback_date=fallback)
    return import_document(db, group, doc, start=start, venue=venue, dry_run=dry_run,
                           accept_changes=accept_changes, session_id=session_id)


def start_date(start: str | None, default_date: date | None) -> date | None:
    """The date a document without one (or without a year) takes: the day ``--start`` names, unless ``--date`` said
    it already."""
    return parse_start(start).date() if start is not None and default_date is None else None


def _check_texts(doc: ParsedDocument) -> None:
    """The same rules as a restore: titles one line and bounded, question texts bounded (a question is read in
    chat, where 5,000 characters is already a page)."""
    def one_line(where, value, limit):
        if value and ("\n" in value.strip() or len(value) > limit):
            raise DocumentError(f"{where}: must be one line of at most {limit:,} characters")
    for i, s in enumerate(doc.sessions):
        one_line(f"session {i + 1} title", s.title, TITLE_MAX)
        one_line(f"session {i + 1} venue", s.venue, TITLE_MAX)
        for it in s.items:
            one_line(f"item {it.number or it.title[:20]} title", it.title, TITLE_MAX * 2)
            for q in it.questions:
                if len(q) > TEXT_MAX:
                    raise DocumentError(f"a question of item {it.number} is {len(q):,} characters long; at most "
                                        f"{TEXT_MAX:,}", it.line)
    for lst in doc.lists:
        one_line("list name", lst.name, TITLE_MAX)
        for ref, q in lst.questions:
            if len(q) > TEXT_MAX:
                raise DocumentError(f"question {ref} of {lst.short} is {len(q):,} characters long; at most {TEXT_MAX:,}")


def parse_start(start: str) -> datetime:
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(start.strip(), fmt)
        except ValueError:
            pass
    raise DocumentError(f"--start '{start}' is not a date and time: expected YYYY-MM-DDTHH:MM, "
                        "for example 2026-12-01T10:00")


def _existing_session(db, group: Group, s: ParsedSession, session_id: int | None,
                      claimed: set[int]) -> tuple[Session | None, str | None]:
    """The stored session this one of the document updates, and how it was recognised."""
    if session_id is not None:
        found = agenda_store.session_by_id(db, session_id)
        if found is None or found.group_id != group.id:
            raise DocumentError(f"--session {session_id}: {group.slug} has no session #{session_id}")
        return found, "--session"
    found = agenda_store.session_by_key(db, group.id, s.key)
    if found is not None and found.id not in claimed:
        return found, "its title and date"
    candidates = [x for x in agenda_store.sessions_of_group(db, group.id) if x.id not in claimed]
    if s.symbol:
        same = [x for x in candidates if x.symbol and x.symbol.casefold() == s.symbol.casefold()]
        if len(same) == 1:
            return same[0], f"its symbol {s.symbol}"
    day = s.start.date()
    same_day = [x for x in candidates if (x.import_start or x.start) and
                timefmt.to_local(x.import_start or x.start, x.timezone).date() == day
                and qp.similarity(x.title, s.title) >= SAME_SESSION]
    if len(same_day) == 1:
        return same_day[0], "the same day and a similar title"
    return None, None


def _same_place(s: ParsedSession, tz: str, import_start: datetime) -> bool:
    """The document places the session where it did at the last import (so a reschedule since then is kept); a
    document that says another time (a revision that moves it, a corrected YAML export) is followed instead."""
    try:
        return localize(s.start, tz) == import_start
    except TimeError:
        return False


def _stored(db, questions) -> list[qp.Stored]:
    counts = agenda_store.answered_counts(db, [q.id for q in questions])
    return [qp.Stored(q.id, q.ref, q.text, *counts[q.id]) for q in questions]


def plan_document(db, group: Group, doc: ParsedDocument, *, start: str | None = None,
                  venue: str | None = None, session_id: int | None = None) -> ImportPlan:
    doc = clean_tree(doc)
    _check_texts(doc)
    if session_id is not None and len(doc.sessions) != 1:
        raise DocumentError("--session names the one session a document updates, and this document has "
                            f"{count(len(doc.sessions), 'session')}")
    moved_to = None
    if start is not None:
        if not doc.sessions:
            raise DocumentError("--start moves a session, and this document has none (it is a question list)")
        moved_to = parse_start(start) - min(s.start for s in doc.sessions)
    plan = ImportPlan(notes=list(doc.notes), unused_lines=list(getattr(doc, "unused_lines", []) or []),
                      choices=list(doc.choices), reading=doc.reading)
    claimed: set[int] = set()
    for s in doc.sessions:
        tz = s.timezone or group.timezone
        existing, matched_by = _existing_session(db, group, s, session_id, claimed)
        if existing is not None:
            claimed.add(existing.id)
        delta, kept_reschedule = moved_to or timedelta(0), False
        if (moved_to is None and existing is not None and existing.import_start is not None
                and existing.import_start != existing.start and _same_place(s, tz, existing.import_start)):
            # Rescheduled (or placed with --start) since the document was read: keep the session that far from
            # where the document puts it (a wall-clock difference, so a DST change does not shift it).
            delta = (timefmt.to_local(existing.start, existing.timezone).replace(tzinfo=None)
                     - timefmt.to_local(existing.import_start, existing.timezone).replace(tzinfo=None))
            kept_reschedule = delta != timedelta(0)
        try:
            items = [ImportedItem(number=it.number, title=it.title, kind=it.kind,
                                  start=localize(it.start + delta, tz) if it.start else None,
                                  end=localize(it.end + delta, tz) if it.end else None,
                                  presenters=it.presenters, description=it.description,
                                  questions=it.questions) for it in s.items]
            s_end_naive = s.end
            if s.untimed and moved_to is not None:
                s_end_naive = s.start + UNTIMED_LENGTH       # placed by --start: a meeting's length, not a day
            s_start, s_end = localize(s.start + delta, tz), localize(s_end_naive + delta, tz)
            document_start = localize(s.start, tz)
            deadline = localize(s.deadline + delta, tz) if s.deadline else None
        except TimeError as e:
            raise DocumentError(str(e))
        kept: list[str] = []
        if existing is not None:
            # Corrections made by hand in chat that the revised document does not contradict are kept.
            as_read = items
            items, kept = corrections.carry(
                agenda_store.items_of_session(db, existing.id), agenda_store.questions_of_session(db, existing.id),
                items, tz, (s.start + delta).date())
            if any("time" in it.manual for it in items):
                # The session spans its items as the correction made it; where the document places it moves by as
                # much, so the next import does not take this for a reschedule.
                fitted, s_end = corrections.fit(s_start, s_end, as_read, items)
                document_start += fitted - s_start
                s_start = fitted
        incoming = [qp.Incoming(f"{it.number}.{n}", q) for it in items for n, q in enumerate(it.questions, 1)]
        stored = _stored(db, agenda_store.questions_of_session(db, existing.id)) if existing else []
        withdrawn = _stored(db, agenda_store.retired_questions(db, session_id=existing.id)) if existing else []
        if venue is not None:
            s.venue = venue
        plan.sessions.append(SessionPlan(
            parsed=s, timezone=tz, start=s_start, end=s_end, deadline=deadline, items=items,
            document_start=document_start, existing=existing, matched_by=matched_by,
            changes=qp.reinstate(qp.plan(stored, incoming), withdrawn), kept_reschedule=kept_reschedule,
            corrections=kept, details=_kept_or_changed(s, existing)))
    # Lists that come in the same document as one session belong to it, unless a coordinator has already given the
    # list a session or a deadline of its own (``deadline LIST …``): that choice stands.
    only = plan.sessions[0] if len(plan.sessions) == 1 else None
    for lst in doc.lists:
        existing = agenda_store.list_by_symbol(db, group.id, lst.symbol)
        stored = _stored(db, agenda_store.questions_of_list(db, existing.id)) if existing else []
        withdrawn = _stored(db, agenda_store.retired_questions(db, list_id=existing.id)) if existing else []
        decided = existing is not None and (existing.session_id is not None or existing.deadline is not None)
        changes = qp.reinstate(qp.plan(stored, [qp.Incoming(r, t) for r, t in lst.questions]), withdrawn)
        plan.lists.append(ListPlan(lst, existing, changes,
                                   joins=only if only is not None and not decided else None))
    return plan


def _kept_or_changed(s: ParsedSession, existing: Session | None) -> list[str]:
    """A re-import keeps what the document does not state (the venue given with --venue the first time, a symbol
    typed since) and says what it changes."""
    if existing is None:
        return []
    out = []
    for name in ("venue", "symbol", "background"):
        before, after = getattr(existing, name), getattr(s, name)
        if after is None:
            setattr(s, name, before)
        elif before != after:
            out.append(f"{name}: “{before}” → “{after}”" if before else f"{name}: “{after}” (new)")
    if existing.title != s.title:
        out.append(f"title: “{existing.title}” → “{s.title}”")
    return out


def _fate(changes: list[qp.Change]) -> QuestionFate:
    reuse = [c.old.id if c.keeps_identity else None for c in changes if c.new is not None]
    retire = [c.old.id for c in changes if c.old is not None and c.old.answered
              and (c.kind == "removed" or c.substantial_with_inputs)]
    return QuestionFate(reuse, retire)


def apply_plan(db, group: Group, plan: ImportPlan) -> ImportResult:
    """Store every session and list of the plan, or nothing if any part fails."""
    result = ImportResult(plan=plan, applied=True)
    with write_tx(db):
        for p in plan.sessions:
            s = p.parsed
            session, created = agenda_store.save_session(
                db, group.id, source_key=s.key, title=s.title, start=p.start, end=p.end, timezone=p.timezone,
                venue=s.venue, symbol=s.symbol, background=s.background, items=p.items, deadline=p.deadline,
                session_id=p.existing.id if p.existing else None, fate=_fate(p.changes),
                import_start=p.document_start)
            result.sessions.append((session, created))
        saved_session = {id(p): session for p, (session, _) in zip(plan.sessions, result.sessions)}
        for p in plan.lists:
            lst = p.parsed
            saved, created = agenda_store.save_list(
                db, group.id, name=lst.name, symbol=lst.symbol, short=lst.short, description=lst.description,
                questions=lst.questions, fate=_fate(p.changes))
            if p.joins is not None:
                agenda_store.set_list_deadline(db, saved.id, session_id=saved_session[id(p.joins)].id, deadline=None)
                saved = agenda_store.list_by_id(db, saved.id)
            result.lists.append((saved, created))
    return result


def import_document(db, group: Group, doc: ParsedDocument, *, start: str | None = None,
                    venue: str | None = None, dry_run: bool = False, accept_changes: bool = False,
                    session_id: int | None = None) -> ImportResult:
    """Plan the import; show it (``dry_run``), refuse it (answered questions would leave the agenda and that was
    not accepted: ``ChangesNeedConfirmation``), or apply it."""
    plan = plan_document(db, group, doc, start=start, venue=venue, session_id=session_id)
    if dry_run:
        return ImportResult(plan=plan, applied=False)
    if plan.confirmations and not accept_changes:
        raise ChangesNeedConfirmation(plan)
    return apply_plan(db, group, plan)
