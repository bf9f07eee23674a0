"""agenda and questions: what delegates ask most."""
from __future__ import annotations


from commands.exports import render
from commands.families.feed import links_line, shared_links
from commands.text.words import count
from commands.contract import EditAgenda, QuestionRef, SubmitInput
from commands.core import Context, UserError
from commands.text.args import shown
from commands.registry import head
from commands.reply import Attachment, Button, Code, Reply, Section, Strong, When, line
from commands.rules.targets import (
    example_ref, find_list, is_session_selector, lists, require_session, typed_item,
)
from commands.text.args import strip_trailing_keywords
from storage import agenda as agenda_store
from storage.models import Item, Session

def session_header(ctx: Context, s: Session, past: bool) -> Section:
    body = [line(When(s.start, s.timezone, "date"), " · ", When(s.start, s.timezone), "–", When(s.end, s.timezone))]
    if s.venue:
        body.append(line("Venue: ", s.venue))
    if s.symbol:
        body.append(line("Document: ", s.symbol))
    if s.deadline:
        body.append(line("Written input due: ", When(s.deadline, s.timezone, "datetime")))
    if past:
        body.append(line(Strong("This session is over"), " (it is the most recent one)."))
    return Section(heading=line(Strong(f"#{s.id}"), " ", s.title), body=body)


def item_heading(it: Item, tz: str):
    parts = []
    if it.start:
        parts.append(When(it.start, tz))
        if it.end:
            parts += ["–", When(it.end, tz)]
        parts.append("  ")
    if it.kind == "break":
        parts.append(f"({it.title})")
    else:
        parts.append(Strong(f"{it.number}. {it.title}" if it.number else it.title))
    return line(*parts)


@head("agenda", "agenda [SESSION] [ITEM] [public|ics]",
      "The current session's agenda, or one item with its discussion questions.", pure=True,
      details="SESSION is #ID or a date YYYY-MM-DD; ITEM is an item number. Add 'public' to share the answer "
              "in the room, 'ics' for a calendar file of the sessions.")
def agenda(ctx: Context, text: str) -> Reply:
    words, flags = strip_trailing_keywords(text.split(), {"public", "ics"})
    session_word = words.pop(0) if words and is_session_selector(words[0]) else None
    if "ics" in flags:
        return calendar_reply(ctx, session_word)
    if len(words) > 1:
        raise UserError(f"I read 'agenda {shown(text)}' as too many words: write agenda [SESSION] [ITEM], "
                        "for example agenda 2 or agenda #3 2.")
    s, past = require_session(ctx, session_word)
    if words:
        return _item_reply(ctx, s, past, words[0], public="public" in flags)
    items = agenda_store.items_of_session(ctx.db, s.id)
    questions = agenda_store.questions_of_session(ctx.db, s.id)
    per_item: dict[int, int] = {}
    for q in questions:
        per_item[q.item_id] = per_item.get(q.item_id, 0) + 1
    sections = [session_header(ctx, s, past)]
    if ctx.is_coordinator and ctx.front_end.forms:
        sections[0].button = Button("Edit", EditAgenda.action_id, EditAgenda(ctx.group.id, s.id).encode())
    for it in items:
        body = []
        if it.presenters:
            body.append(line("Presented by ", "; ".join(it.presenters)))
        if per_item.get(it.id):
            n = per_item[it.id]
            body.append(line(f"{n} discussion question{'s' if n > 1 else ''} — ",
                             Code(ctx.cmd(f"agenda {typed_item(ctx, s, it.number)}"))))
        sections.append(Section(heading=item_heading(it, s.timezone), body=body))
    numbered = [it for it in items if it.number]
    example = next((it for it in numbered if per_item.get(it.id)), numbered[0] if numbered else None)
    hints = [("Details of an item: ", Code(ctx.cmd(f"agenda {typed_item(ctx, s, example.number)}")))] if example \
        else []
    hints += [("send input: " if hints else "Send input: ", Code(ctx.cmd(f"submit {example_ref(ctx, s)} TEXT"))),
              ("all commands: ", Code(ctx.cmd("help")))]
    context = [line(*[part for i, pair in enumerate(hints) for part in ((" · ",) if i else ()) + pair])]
    links = shared_links(ctx)
    if links is not None:
        context.insert(0, links_line(links))
    return Reply(text=f"Agenda: {s.title}", title=f"Agenda — {s.title}", sections=sections, context=context,
                 public="public" in flags, timezone=s.timezone)


def calendar_reply(ctx: Context, session_word: str | None) -> Reply:
    """``agenda ics``: the group's sessions (or one) as an iCalendar file for the asker's calendar."""
    session = require_session(ctx, session_word)[0] if session_word else None
    if session is None and not agenda_store.sessions_of_group(ctx.db, ctx.group.id):
        raise UserError(f"{ctx.group.name} has no sessions yet, so there is nothing for a calendar.")
    out = render(ctx.db, ctx.group, "ics", session, ctx.now)
    what = f"“{session.title}”" if session else f"every session of {ctx.group.name}"
    return Reply(text=f"Calendar file: {out.filename}", sections=[Section(body=[
        line("A calendar file with ", what, ", deadlines and reminders: open it to add them to your calendar.")])],
        files=[Attachment(out.filename, out.content, out.mimetype, out.title)])


def _find_item(ctx: Context, s: Session, word: str) -> Item:
    items = agenda_store.items_of_session(ctx.db, s.id)
    for it in items:
        if it.number == word:
            return it
    numbers = ", ".join(it.number for it in items if it.number)
    raise UserError(f"There is no item {shown(word)} on the agenda of “{s.title}”.", line(f"Items: {numbers}"))


def question_sections(ctx: Context, s: Session, it: Item, *, buttons: bool = True) -> list[Section]:
    out = []
    for q in agenda_store.questions_of_session(ctx.db, s.id):
        if q.item_id == it.id:
            out.append(Section(heading=line(Code(q.ref)), body=[line(q.text)],
                               button=Button("Submit input", SubmitInput.action_id,
                                             SubmitInput(QuestionRef(q.ref, session_id=s.id)).encode())
                               if buttons else None))
    return out


def _item_reply(ctx: Context, s: Session, past: bool, word: str, public: bool) -> Reply:
    it = _find_item(ctx, s, word)
    head_body = [line(s.title, " · ", When(s.start, s.timezone, "date"))]
    if it.presenters:
        head_body.append(line("Presented by ", "; ".join(it.presenters)))
    if it.description:
        head_body.append(line(it.description))
    sections = [Section(heading=item_heading(it, s.timezone), body=head_body)]
    qs = question_sections(ctx, s, it)
    sections += qs
    context = []
    if qs:
        context.append(line("Send input: ", Code(ctx.cmd(f"submit {example_ref(ctx, s, it.id)} TEXT"))))
    else:
        context.append(line("No discussion questions under this item."))
    if past:
        context.append(line("This session is over."))
    return Reply(text=f"Item {it.number}: {it.title}", title=None, sections=sections, context=context,
                 public=public, timezone=s.timezone if it.start else None)


@head("questions", "questions [ITEM|LIST] [public]",
      "Discussion questions with their refs: of an item (questions 3), of a list (questions WP.15), or all.",
      pure=True,
      details="Agenda questions are ITEM.N (2.6); list questions are LIST:letter (WP.15:f).")
def questions(ctx: Context, text: str) -> Reply:
    words, flags = strip_trailing_keywords(text.split(), {"public"})
    public = "public" in flags
    session_word = words.pop(0) if words and is_session_selector(words[0]) else None
    if len(words) > 1:
        raise UserError("Write questions ITEM (questions 3) or questions LIST (questions WP.15).")
    if words and not words[0].isdigit():
        lst = find_list(ctx, words[0])
        if lst is None:
            names = ", ".join(x.short for x in lists(ctx)) or "none yet"
            raise UserError(f"There is no item or question list called {shown(words[0])}.", line(f"Lists: {names}"))
        return list_reply(ctx, lst, public)
    s, past = require_session(ctx, session_word)
    if words:
        it = _find_item(ctx, s, words[0])
        sections = [Section(heading=item_heading(it, s.timezone), body=[line(s.title)])]
        qs = question_sections(ctx, s, it)
        if not qs:
            sections.append(Section(body=[line("No discussion questions under this item.")]))
        return Reply(text=f"Questions of item {it.number}", sections=sections + qs, public=public,
                     context=[line("Send input: ", Code(ctx.cmd(f"submit {example_ref(ctx, s, it.id)} TEXT")))])
    sections = []
    for it in agenda_store.items_of_session(ctx.db, s.id):
        qs = question_sections(ctx, s, it)
        if qs:
            sections.append(Section(heading=item_heading(it, s.timezone)))
            sections += qs
    for lst in lists(ctx, s):
        n = len(agenda_store.questions_of_list(ctx.db, lst.id))
        sections.append(Section(heading=line(Strong(lst.short), " ", lst.name),
                                body=[line(f"{count(n, 'question')} — ", Code(ctx.cmd(f"questions {lst.short}")))]))
    if not sections:
        sections.append(Section(body=[line("No discussion questions yet.")]))
    return Reply(text=f"Questions: {s.title}", title=f"Questions — {s.title}", sections=sections, public=public,
                 context=[line("Send input: ", Code(ctx.cmd(f"submit {example_ref(ctx, s)} TEXT")))])


def list_reply(ctx: Context, lst, public: bool = False) -> Reply:
    sections = [Section(heading=line(Strong(lst.short), " — ", lst.name), body=[line(lst.symbol)] +
                        ([line(lst.description)] if lst.description else []))]
    qs = agenda_store.questions_of_list(ctx.db, lst.id)
    for q in qs:
        sections.append(Section(heading=line(Code(f"{lst.short}:{q.ref}")), body=[line(f"({q.ref}) {q.text}")],
                                button=Button("Submit input", SubmitInput.action_id,
                                              SubmitInput(QuestionRef(q.ref, list_id=lst.id)).encode())))
    return Reply(text=f"{lst.short}: {lst.name}", sections=sections, public=public,
                 context=[line("Send input: ", Code(ctx.cmd(f"submit {lst.short}:{qs[0].ref if qs else 'a'} TEXT")))])


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(agenda, questions)
