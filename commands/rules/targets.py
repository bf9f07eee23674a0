"""Choosing sessions and resolving refs, the same way on every platform (see DESIGN: Selectors, Refs)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from commands.reply import line
from commands.text.args import take_word
from commands.text import timefmt
from commands.text.args import record_number, shown
from commands.core import Context, UserError
from commands.rules.sessions import Ambiguous, Purpose, Resolved, choose, meant
from storage import agenda as agenda_store
from storage.models import Question, QuestionList, Session

SESSION_ID = re.compile(r"^#(\d+)$")
SESSION_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SESSION_REF = re.compile(r"^(\d+)(?:\.\d+)*\.(\d+)$")      # 2.6, or 3.1.2 under a sub-numbered item 3.1
LIST_REF = re.compile(r"^(?P<list>[^\s:]+):(?P<ref>[A-Za-z0-9]+)$")
WITHDRAWN = "~"     # after a ref: the question withdrawn from the agenda with that label (2.5~, WP.15:f~)


def is_session_selector(word: str) -> bool:
    return bool(SESSION_ID.match(word) or SESSION_DATE.match(word))


def sessions(ctx: Context) -> list[Session]:
    """The group's sessions, read once per request."""
    group = ctx.require_group()
    key = ("sessions", group.id)
    if key not in ctx.memo:
        ctx.memo[key] = agenda_store.sessions_of_group(ctx.db, group.id)
    return ctx.memo[key]


def default_session(ctx: Context, purpose: Purpose) -> Resolved | None:
    """The session a command means when none is named (the rule per purpose is in commands.rules.sessions); when two
    fit equally, the user is asked to name one."""
    try:
        return choose(sessions(ctx), ctx.now, purpose, late_accepted=ctx.require_group().late_policy == "accept")
    except Ambiguous as e:
        ids = " or ".join(f"#{s.id} ({s.title})" for s in e.sessions)
        raise UserError(f"Two sessions fit equally well here: say which with {ids}.", _session_hint(ctx))


def current_session(ctx: Context) -> tuple[Session | None, bool]:
    """READ: the session being read about (see commands.rules.sessions)."""
    r = default_session(ctx, Purpose.READ)
    return (r.session, r.past) if r else (None, False)


def input_session(ctx: Context, purpose: Purpose = Purpose.INPUT) -> Session | None:
    """INPUT (or COMPILE): the session input goes to (see commands.rules.sessions)."""
    r = default_session(ctx, purpose)
    return r.session if r else None


def select_session(ctx: Context, word: str) -> Session:
    group = ctx.require_group()
    m = SESSION_ID.match(word)
    if m:
        n = record_number(word)
        s = agenda_store.session_by_id(ctx.db, n) if n is not None else None
        if s is None or s.group_id != group.id:
            raise UserError(f"There is no session {shown(word)} in {group.name}.", _session_hint(ctx))
        return s
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise UserError(f"'{shown(word)}' is not a date: write YYYY-MM-DD.")
    found = [s for s in sessions(ctx) if timefmt.to_local(s.start, s.timezone).date() == day]
    if not found:
        raise UserError(f"There is no session on {shown(word)} in {group.name}.", _session_hint(ctx))
    if len(found) > 1:
        ids = ", ".join(f"#{s.id}" for s in found)
        raise UserError(f"There are {len(found)} sessions on {shown(word)}: say which with {ids}.")
    return found[0]


def _session_hint(ctx: Context):
    all_s = sessions(ctx)
    if not all_s:
        return line("No sessions are imported yet.")
    listing = ", ".join(f"#{s.id} ({timefmt.to_local(s.start, s.timezone).date().isoformat()})" for s in all_s[-8:])
    return line("Sessions: ", listing)


def require_session(ctx: Context, word: str | None = None, *, purpose: Purpose = Purpose.READ
                    ) -> tuple[Session, bool]:
    if word:
        s = select_session(ctx, word)
        return s, s.end <= ctx.now
    r = default_session(ctx, purpose)
    s, past = (r.session, r.past) if r else (None, False)
    if s is None:
        raise UserError(f"{ctx.require_group().name} has no sessions yet. A coordinator imports an agenda with "
                        f"{ctx.cmd('import FILE')} (or the CLI: convene import FILE --group SLUG).")
    return s, past


# --- refs ------------------------------------------------------------------------

SESSION_TITLE_SHOWN = 40


def session_ref(session: Session, label: str) -> str:
    """How every answer names a session's question: "#3 Special Session · 2.2" (the #ID always)."""
    title = session.title if len(session.title) <= SESSION_TITLE_SHOWN else \
        session.title[:SESSION_TITLE_SHOWN - 1].rstrip() + "…"
    return f"#{session.id} {title} · {label}"


@dataclass(frozen=True)
class Target:
    question: Question
    label: str                        # "2.6" or "WP.15:f"
    session: Session | None = None
    qlist: QuestionList | None = None

    @property
    def named(self) -> str:
        """The question named with its session: "#3 Special Session · 2.2"; a list's: "WP.15:f"."""
        return session_ref(self.session, self.label) if self.session is not None else self.label

    @property
    def short(self) -> str:
        """For one-line summaries (notifications): "#3 · 2.2", or "WP.15:f"."""
        return f"#{self.session.id} · {self.label}" if self.session is not None else self.label


def in_session(session: Session, words: str, bare: Session | None) -> str:
    """How to type ``words`` (a ref, an item) of ``session`` in a command: bare when ``bare`` — the session a bare
    word means for that command now (commands.rules.sessions), None when that is ambiguous — is that session, else
    after its ``#ID`` (``#3 2.2``), so a suggested command acts on the same question, not on another session's.
    Empty ``words``: the session itself, as typed after a command (``""`` or ``#3``)."""
    return words if bare is not None and bare.id == session.id else f"#{session.id} {words}".rstrip()


def _meant(ctx: Context, purpose: Purpose) -> Session | None:
    """``meant`` for this request, found once (a reply's hints ask it several times; nothing it depends on changes
    within one request)."""
    if ctx.group is None:
        return None
    key = ("meant", purpose)
    if key not in ctx.memo:
        ctx.memo[key] = meant(ctx.db, ctx.group, ctx.now, purpose, sessions(ctx))
    return ctx.memo[key]


def typed_ref(ctx: Context, target: Target) -> str:
    """How to type the question in a command that sends input: ``2.2``, or ``#3 2.2`` when ``#3`` is not the
    session a bare ref means for input now."""
    if target.session is None:
        return target.label
    return in_session(target.session, target.label, _meant(ctx, Purpose.INPUT))


def questions_command(ctx: Context) -> str:
    """``questions`` for the questions input goes to, as typed: ``questions #2`` when a bare ``questions`` would
    read another session (after a deadline, say, while the earlier session has not met)."""
    s = _meant(ctx, Purpose.INPUT)
    return "questions" if s is None else f"questions {in_session(s, '', _meant(ctx, Purpose.READ))}".rstrip()


def typed_item(ctx: Context, session: Session, number: str) -> str:
    """How to type an item of ``session`` for reading (``agenda 2``, ``questions 2``): ``2``, or ``#3 2``."""
    return in_session(session, number, _meant(ctx, Purpose.READ))


def shown_with(lst: QuestionList, session: Session | None) -> bool:
    """A question list is shown with a session (its questions, hints) when it belongs to it (``session_id``) or to
    no session; without a session, every list is."""
    return session is None or lst.session_id in (None, session.id)


def lists(ctx: Context, session: Session | None = None) -> list[QuestionList]:
    """The group's question lists; with ``session``, those shown with it."""
    return [lst for lst in agenda_store.lists_of_group(ctx.db, ctx.require_group().id) if shown_with(lst, session)]


def find_list(ctx: Context, name: str) -> QuestionList | None:
    return agenda_store.list_named(ctx.db, ctx.require_group().id, name)


def resolve_ref(ctx: Context, ref: str, session: Session | None = None) -> Target:
    """``2.6`` (in ``session`` or the input session), ``WP.15:f``, or a bare ``f`` when one list is open; with ``~``
    after it (``2.5~``), the question withdrawn from the agenda with that label, which keeps its inputs."""
    ref = ref.strip().rstrip(":,")
    if ref.endswith(WITHDRAWN):
        return _withdrawn_target(ctx, ref[:-1], session)
    m = SESSION_REF.match(ref)
    if m:
        if session is None:
            session = input_session(ctx)
        if session is None:
            raise UserError("There are no sessions yet, so there is no question " + ref + ".")
        q = agenda_store.session_question(ctx.db, session.id, ref)
        if q is None:
            raise UserError(f"There is no question {shown(ref)} in “{session.title}” (#{session.id}).",
                            _valid_session_refs(ctx, session))
        return Target(q, ref, session=session)
    m = LIST_REF.match(ref)
    if m:
        lst = find_list(ctx, m.group("list"))
        if lst is None:
            raise UserError(f"There is no question list called {m.group('list')}.", _valid_lists(ctx))
        return list_target(ctx, lst, m.group("ref"))
    if re.fullmatch(r"[A-Za-z]|\d{1,2}", ref):
        open_lists = [lst for lst in lists(ctx) if lst.is_open]
        if len(open_lists) == 1:
            return list_target(ctx, open_lists[0], ref)
        if not open_lists:
            if ref.isdigit():
                raise UserError(f"'{shown(ref)}' is an item number; questions are written ITEM.N, such as {shown(ref)}.1.")
            raise UserError(f"There is no open question list, so '{shown(ref)}' means nothing here.", _valid_lists(ctx))
        names = " or ".join(f"{lst.short}:{ref}" for lst in open_lists)
        raise UserError(f"Several question lists are open: write {names}.")
    raise UserError(f"'{shown(ref)}' is not a question reference: write ITEM.N for an agenda question (such as 2.6) "
                    "or LIST:letter for a list (such as WP.15:f).", _valid_session_refs(ctx, session))


def _withdrawn_target(ctx: Context, ref: str, session: Session | None) -> Target:
    m = LIST_REF.match(ref)
    if m:
        lst = find_list(ctx, m.group("list"))
        if lst is None:
            raise UserError(f"There is no question list called {m.group('list')}.", _valid_lists(ctx))
        q = agenda_store.retired_question(ctx.db, label=m.group("ref").lower(), list_id=lst.id)
        where, target = f"{lst.short}", lambda q: Target(q, f"{lst.short}:{q.ref}{WITHDRAWN}", qlist=lst)
    elif SESSION_REF.match(ref):
        session = session or input_session(ctx)
        if session is None:
            raise UserError("There are no sessions yet, so there is no question " + ref + ".")
        q = agenda_store.retired_question(ctx.db, label=ref, session_id=session.id)
        where, target = f"“{session.title}” (#{session.id})", lambda q: Target(q, q.ref + WITHDRAWN, session=session)
    else:
        raise UserError(f"'{shown(ref + WITHDRAWN)}' is not a question reference: a withdrawn question is written "
                        "with ~ after the label it had, such as 2.5~ or WP.15:f~.")
    if q is None:
        raise UserError(f"No question {shown(ref)} was withdrawn from {where}.")
    return target(q)


def withdrawn_label(label: str, retired: bool) -> str:
    """How a question is named to be reached again: its label, with ``~`` when it was withdrawn from the agenda."""
    return label + WITHDRAWN if retired else label


def list_target(ctx: Context, lst: QuestionList, ref: str) -> Target:
    q = agenda_store.list_question(ctx.db, lst.id, ref.lower())
    if q is None:
        refs = [x.ref for x in agenda_store.questions_of_list(ctx.db, lst.id)]
        span = f"{lst.short}:{refs[0]} … {lst.short}:{refs[-1]}" if refs else "none"
        raise UserError(f"{lst.short} has no question {shown(ref)}.", line(f"Its questions: {span}"))
    return Target(q, f"{lst.short}:{q.ref}", qlist=lst)


def _valid_session_refs(ctx: Context, session: Session | None):
    if session is None:
        session = input_session(ctx) if ctx.group else None
    if session is None:
        return line()
    qs = agenda_store.questions_of_session(ctx.db, session.id)
    by_item: dict[str, list[str]] = {}
    for q in qs:
        by_item.setdefault(q.ref.split(".")[0], []).append(q.ref)
    spans = [f"{v[0]}–{v[-1]}" if len(v) > 1 else v[0] for v in by_item.values()]
    extra = f"; lists: {', '.join(lst.short for lst in lists(ctx))}" if lists(ctx) else ""
    return line(f"Questions in #{session.id}: {', '.join(spans) or 'none'}{extra}")


def _valid_lists(ctx: Context):
    names = ", ".join(f"{lst.short} ({lst.symbol})" for lst in lists(ctx))
    return line(f"Question lists: {names or 'none yet'}")


def label_for(ctx: Context, question: Question) -> str:
    if question.list_id is not None:
        lst = agenda_store.list_by_id(ctx.db, question.list_id)
        return f"{lst.short}:{question.ref}"
    return question.ref


def take_target(ctx: Context, text: str, usage, *hints) -> tuple[Target, str]:
    """``[SESSION] REF rest…`` → (the question, rest). ``usage`` is said when the ref is missing (a callable giving
    the message and its hints, when they are costly to word: they are needed only then)."""
    word, rest = take_word(text)
    session = None
    if word and is_session_selector(word):
        session = select_session(ctx, word)
        word, rest = take_word(rest)
    if not word:
        if callable(usage):
            usage, *hints = usage()
        raise UserError(usage, *hints)
    return resolve_ref(ctx, word, session), rest


def example_ref(ctx: Context, session: Session | None = None, item_id: int | None = None) -> str:
    """A ref that exists, typed so that it means that question, for the hints under replies ("send input: submit
    2.1 TEXT", or "submit #2 2.1 TEXT" when a bare 2.1 would mean another session's): see ``example_for``."""
    if ctx.group is None:
        return "REF"
    return example_for(ctx.db, ctx.group, ctx.now, session, item_id)


def example_for(db, group, now, session: Session | None = None, item_id: int | None = None) -> str:
    """The first question of ``session`` (of its item ``item_id``; without a session, of the session open for
    input), typed for input now (``2.1`` or ``#2 2.1``), else of an open question list shown with that session
    (``WP.15:a``), else REF. Posts made outside a request (nudges) ask here too."""
    if session is None:
        session = meant(db, group, now, Purpose.INPUT)
    if session is not None:
        qs = [q for q in agenda_store.questions_of_session(db, session.id) if item_id in (None, q.item_id)]
        if qs:
            return in_session(session, qs[0].ref, meant(db, group, now, Purpose.INPUT))
        if item_id is not None:
            return "REF"
    for lst in agenda_store.lists_of_group(db, group.id):
        if lst.is_open and shown_with(lst, session):
            qs = agenda_store.questions_of_list(db, lst.id)
            if qs:
                return f"{lst.short}:{qs[0].ref}"
    return "REF"
