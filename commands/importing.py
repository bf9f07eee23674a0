"""Importing a parsed document into a group: wall-clock → UTC, --start shifting, one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from commands.words import count
from commands.importers import DocumentError, ParsedDocument, read_document
from commands.timefmt import TimeError, localize
from commands.sanitize import clean_tree
from storage import agenda as agenda_store
from storage.db import write_tx
from storage.models import Group, ImportedItem, QuestionList, Session


@dataclass
class ImportResult:
    sessions: list[tuple[Session, bool]] = field(default_factory=list)   # (session, created)
    lists: list[tuple[QuestionList, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary_lines(self, db) -> list[str]:
        out = []
        for s, created in self.sessions:
            items = agenda_store.items_of_session(db, s.id)
            questions = agenda_store.questions_of_session(db, s.id)
            verb = "created" if created else "updated"
            from commands.timefmt import long_date, hm
            out.append(f"{verb} session #{s.id}: {s.title} — {long_date(s.start, s.timezone)}, "
                       f"{hm(s.start, s.timezone)}–{hm(s.end, s.timezone)} ({s.timezone}); "
                       f"{count(sum(1 for i in items if i.kind == 'item'), 'item')}, "
                       f"{count(sum(1 for i in items if i.kind == 'break'), 'break')}, "
                       f"{count(len(questions), 'question')}")
        for lst, created in self.lists:
            n = len(agenda_store.questions_of_list(db, lst.id))
            verb = "created" if created else "updated"
            out.append(f"{verb} question list {lst.short} ({lst.symbol}): {lst.name}; {count(n, 'question')}")
        out.extend(f"note: {n}" for n in self.notes)
        return out


def import_file(db, group: Group, path: str, *, default_date: date | None = None,
                start: str | None = None, venue: str | None = None, kind: str | None = None,
                symbol: str | None = None, name: str | None = None) -> ImportResult:
    doc = read_document(path, kind=kind, default_date=default_date, symbol=symbol, name=name)
    return import_document(db, group, doc, start=start, venue=venue)


TITLE_MAX, TEXT_MAX = 500, 5_000


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


def import_document(db, group: Group, doc: ParsedDocument, *, start: str | None = None,
                    venue: str | None = None) -> ImportResult:
    """Store every session and list of the document, or nothing if any part fails."""
    doc = clean_tree(doc)
    _check_texts(doc)
    delta = timedelta(0)
    if start is not None:
        if not doc.sessions:
            raise DocumentError("--start moves a session, and this document has none (it is a question list)")
        delta = parse_start(start) - min(s.start for s in doc.sessions)
    result = ImportResult(notes=list(doc.notes))
    with write_tx(db):
        for s in doc.sessions:
            tz = s.timezone or group.timezone
            try:
                items = [ImportedItem(number=it.number, title=it.title, kind=it.kind,
                                      start=localize(it.start + delta, tz) if it.start else None,
                                      end=localize(it.end + delta, tz) if it.end else None,
                                      presenters=it.presenters, description=it.description,
                                      questions=it.questions) for it in s.items]
                s_start, s_end = localize(s.start + delta, tz), localize(s.end + delta, tz)
                deadline = localize(s.deadline + delta, tz) if s.deadline else None
            except TimeError as e:
                raise DocumentError(str(e))
            session, created, notes = agenda_store.save_session(
                db, group.id, source_key=s.key, title=s.title, start=s_start, end=s_end, timezone=tz,
                venue=venue if venue is not None else s.venue, symbol=s.symbol, background=s.background,
                items=items, deadline=deadline)
            result.sessions.append((session, created))
            result.notes.extend(notes)
        for lst in doc.lists:
            saved, created, notes = agenda_store.save_list(
                db, group.id, name=lst.name, symbol=lst.symbol, short=lst.short, description=lst.description,
                questions=lst.questions)
            result.lists.append((saved, created))
            result.notes.extend(notes)
    return result
