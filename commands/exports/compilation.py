"""The compilation of written inputs: what DOCX, Markdown and CSV exports all carry.

Built once from storage, in document order: each agenda item of the session with its questions
in full and, under each, every delegation's current input (alphabetical by delegation, with its
date; late and coordinators-only inputs marked), then the group's open question lists.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from commands.text import timefmt
from commands.rules import visibility
from commands.rules.lateness import Deadlines, is_late
from commands.rules.submitted import not_submitted, submitted
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import submissions as sub_store
from storage.models import Group, Session


@dataclass
class CompiledInput:
    delegation: str
    author: str
    text: str
    created_at: datetime
    updated_at: datetime
    late: bool
    coordinators_only: bool
    note: str | None


@dataclass
class CompiledQuestion:
    ref: str              # as typed: 2.6 or WP.15:f
    text: str
    inputs: list[CompiledInput] = field(default_factory=list)
    withdrawn: bool = False   # taken off the agenda by a revision; its ref is the label it had then

    @property
    def label(self) -> str:
        return f"{self.ref} (withdrawn)" if self.withdrawn else self.ref


@dataclass
class CompiledSection:
    number: str | None
    title: str
    kind: str             # item | list
    questions: list[CompiledQuestion] = field(default_factory=list)


@dataclass
class Compilation:
    group: Group
    session: Session | None
    title: str
    when: str | None          # "Friday 25 June 2010, 10:00–13:00 (Geneva time)"
    venue: str | None
    symbol: str | None
    deadline: str | None
    generated_at: datetime
    sections: list[CompiledSection]
    delegations: list[str]    # registered
    tz: str
    edition: str = "public"   # public: no coordinators-only inputs | full: all of them, marked restricted
    withheld: int = 0         # coordinators-only inputs left out of the public edition
    submitted: set[str] | None = None   # casefolded delegations that have submitted (for ``missing``)

    @property
    def restricted(self) -> bool:
        """The full edition with coordinators-only inputs in it: every page says so."""
        return self.edition == "full" and any(i.coordinators_only for q in self.questions for i in q.inputs)

    @property
    def questions(self) -> list[CompiledQuestion]:
        return [q for s in self.sections for q in s.questions]

    @property
    def contributing(self) -> list[str]:
        seen = {}
        for q in self.questions:
            for i in q.inputs:
                seen.setdefault(i.delegation.casefold(), i.delegation)
        return sorted(seen.values(), key=str.casefold)

    @property
    def missing(self) -> list[str]:
        """Registered delegations that have not submitted (commands.rules.submitted: the one definition), named only
        in the full edition (commands.rules.visibility): the public one names no one who has not answered."""
        if not visibility.names_missing(self.edition):
            return []
        done = self.submitted if self.submitted is not None else {d.casefold() for d in self.contributing}
        return not_submitted(self.delegations, done)


def _inputs(db, question_id: int, names: dict[str, str], deadlines: Deadlines) -> list[CompiledInput]:
    """A question's current inputs, authors by their names (as people know them, not platform ids), marked late
    under the deadline in force now (commands.rules.lateness)."""
    out = [CompiledInput(s.delegation, names.get(s.author) or _bare(s.author), s.text, s.created_at, s.updated_at,
                         is_late(s.sent_at, deadlines.of(s)), visibility.is_restricted(s), s.note)
           for s in sub_store.of_question(db, question_id)]
    return sorted(out, key=lambda i: i.delegation.casefold())


def _bare(user: str) -> str:
    """An author nobody named: the part of the id people recognise (the CLI's ``cli``, a console name…)."""
    return user.split(":", 1)[1] if ":" in user else user


RESTRICTED = "Restricted — contains coordinators-only inputs"
WITHDRAWN = "Questions withdrawn from the agenda"   # answered, then taken off by a revised agenda: inputs kept
WITHDRAWN_NOTE = ("These questions were on an earlier version of the agenda and were answered before it was "
                  "revised. They are shown with the numbers they had then.")


def compile_inputs(db, group: Group, session: Session | None, now: datetime, *, edition: str = "public"
                   ) -> Compilation:
    """The compilation: ``edition`` public (what goes to governments: no coordinators-only inputs) or full."""
    if edition not in visibility.EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    deadlines = Deadlines(db)
    sections: list[CompiledSection] = []
    tz = session.timezone if session else group.timezone
    names = {m.user: m.display_name for m in group_store.members_of_group(db, group.id) if m.display_name}
    withheld = 0

    def keep(inputs):
        nonlocal withheld
        if edition == "full":
            return inputs
        withheld += sum(1 for i in inputs if i.coordinators_only)
        return [i for i in inputs if not i.coordinators_only]

    if session is not None:
        qs = agenda_store.questions_of_session(db, session.id)
        for it in agenda_store.items_of_session(db, session.id):
            if it.kind != "item":
                continue
            mine = [q for q in qs if q.item_id == it.id]
            sections.append(CompiledSection(it.number, it.title, "item",
                                            [CompiledQuestion(q.ref, q.text, keep(_inputs(db, q.id, names, deadlines))) for q in mine]))
    # A session's compilation carries the lists that belong to it and those that belong to no session.
    group_lists = [lst for lst in agenda_store.lists_of_group(db, group.id)
                   if session is None or lst.session_id in (None, session.id)]
    for lst in group_lists:
        qs = agenda_store.questions_of_list(db, lst.id)
        sections.append(CompiledSection(None, f"{lst.name} ({lst.symbol})", "list",
                                        [CompiledQuestion(f"{lst.short}:{q.ref}", q.text, keep(_inputs(db, q.id, names, deadlines)))
                                         for q in qs]))
    withdrawn = []
    if session is not None:
        withdrawn += [CompiledQuestion(q.ref, q.text, keep(_inputs(db, q.id, names, deadlines)), True)
                      for q in agenda_store.retired_questions(db, session_id=session.id)]
    for lst in group_lists:
        withdrawn += [CompiledQuestion(f"{lst.short}:{q.ref}", q.text, keep(_inputs(db, q.id, names, deadlines)), True)
                      for q in agenda_store.retired_questions(db, list_id=lst.id)]
    withdrawn = [q for q in withdrawn if q.inputs]
    if withdrawn:
        sections.append(CompiledSection(None, WITHDRAWN, "withdrawn", withdrawn))
    when = venue = symbol = deadline = None
    title = group.name
    if session is not None:
        title = session.title
        when = (f"{timefmt.long_date(session.start, tz)}, {timefmt.hm(session.start, tz)}–"
                f"{timefmt.hm(session.end, tz)} ({timefmt.zone_label(tz)})")
        venue, symbol = session.venue, session.symbol
        if session.deadline:
            deadline = f"{timefmt.short_datetime(session.deadline, tz)} ({timefmt.zone_label(tz)})"
    return Compilation(group=group, session=session, title=title, when=when, venue=venue, symbol=symbol,
                       deadline=deadline, generated_at=now, sections=sections,
                       delegations=group_store.delegations(db, group.id), tz=tz, edition=edition,
                       withheld=withheld, submitted=submitted(db, session=session) if session else None)


def input_marks(i: CompiledInput) -> str:
    marks = []
    if i.late:
        marks.append("late")
    if i.coordinators_only:
        marks.append("coordinators only")
    return f" ({', '.join(marks)})" if marks else ""
