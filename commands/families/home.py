"""A member's overview across their groups: the Slack App Home, and `convene home` elsewhere.

For each group of the user: the next sessions, the input deadline, and the questions their
delegation has not answered yet (of the session open for input and of open lists).
"""
from __future__ import annotations

from commands.text.words import count
from commands.text.words import excerpt
from commands.contract import FrontEnd, QuestionRef, SubmitInput, platform_of
from commands.core import Context, Request
from commands.rules.lateness import is_late
from commands.registry import subcommand
from commands.rules.sessions import Purpose, coming, meant, session_for
from commands.rules.targets import in_session
from commands.reply import Button, Code, Reply, Section, Strong, When, line
from commands.families.feed import links_for, links_line
from storage import agenda as agenda_store
from storage import feeds as feed_store
from storage import groups as group_store
from storage import submissions as sub_store

MAX_OPEN_SHOWN = 8
MAX_SESSIONS_SHOWN = 3


def open_questions(db, group_id: int, delegation: str | None, session) -> list[tuple[str, str, str]]:
    """(label, button value, text) of the questions the delegation has no current input on."""
    answered = set()
    if delegation:
        answered = {s.question_id for s in sub_store.of_delegation(db, group_id, delegation)}
    out = []
    if session is not None:
        for q in agenda_store.questions_of_session(db, session.id):
            if q.id not in answered:
                out.append((q.ref, QuestionRef(q.ref, session_id=session.id), q.text))
    for lst in agenda_store.lists_of_group(db, group_id):
        if lst.is_open:
            for q in agenda_store.questions_of_list(db, lst.id):
                if q.id not in answered:
                    out.append((f"{lst.short}:{q.ref}", QuestionRef(q.ref, list_id=lst.id), q.text))
    return out


def home(db, user: str, now, front_end: FrontEnd | None = None, settings=None) -> Reply:
    """The Home view of ``user`` (Slack's Home tab, ``convene home``); commands shown as ``front_end`` types them."""
    groups = group_store.groups_of_user(db, user)
    probe = Context(db=db, request=Request(platform=platform_of(user), room="", user=user, command="home",
                                           front_end=front_end), now=now)
    if not groups:
        return Reply(text="Welcome to Convene", title="Welcome to Convene", sections=[Section(body=[
            line("Convene runs the paperwork of a contact group in this workspace: agendas, discussion questions, "
                 "written input from delegations, reminders."),
            line("In a channel of your contact group, register with ", Code(probe.cmd("iam COUNTRY")),
                 ". A coordinator starting a new group types ", Code(probe.cmd("setup NAME")), " in its channel."),
        ])], context=[line("All commands: ", Code(probe.cmd("help")))])
    sections: list[Section] = []
    for g in groups:
        member = group_store.member(db, g.id, user)
        role = "coordinator" if member.is_coordinator else "delegate"
        who = f"{member.delegation or 'no delegation yet'} · {role}"
        sections.append(Section(heading=line(Strong(g.name), f" — {who}")))
        if feed_store.shared_anywhere(db, g.id):
            links = links_for(db, settings, g)
            if links is not None:
                sections.append(Section(body=[links_line(links)]))
        sessions = coming(db, g.id, now, MAX_SESSIONS_SHOWN)
        if not sessions:
            sections.append(Section(body=[line("No sessions ahead.")]))
        for s in sessions:
            body = [line(When(s.start, s.timezone, "datetime"), "–", When(s.end, s.timezone), " · ", s.title)]
            if s.venue:
                body.append(line(s.venue))
            if s.deadline:
                state = "passed" if is_late(now, s.deadline) else "due"
                body.append(line(f"Written input {state} ", When(s.deadline, s.timezone, "datetime")))
            sections.append(Section(body=body))
        input_s = session_for(db, g, now, Purpose.INPUT)
        if member.delegation:
            todo = open_questions(db, g.id, member.delegation, input_s)
            if todo:
                sections.append(Section(body=[line(Strong(f"Open for {member.delegation}: {count(len(todo), 'question')}"))]))
                for label, value, text in todo[:MAX_OPEN_SHOWN]:
                    sections.append(Section(body=[line(Code(label), " ", excerpt(text, 180))],
                                            button=Button("Submit input", SubmitInput.action_id,
                                                          SubmitInput(value, group_id=g.id).encode())))
                if len(todo) > MAX_OPEN_SHOWN:
                    more = "questions" if input_s is None else \
                        f"questions {in_session(input_s, '', meant(db, g, now, Purpose.READ))}".rstrip()
                    sections.append(Section(body=[line(f"… and {len(todo) - MAX_OPEN_SHOWN} more: ",
                                                       Code(probe.cmd(more)))]))
            else:
                sections.append(Section(body=[line(f"{member.delegation} has answered every open question.")]))
        else:
            sections.append(Section(body=[line("Register your delegation: ", Code(probe.cmd("iam COUNTRY")))]))
    return Reply(text="Your contact groups", title="Convene — your contact groups", sections=sections,
                 context=[line("All commands: ", Code(probe.cmd("help")))])


@subcommand("home", "home", "Your groups, the next sessions, deadlines and your delegation's open questions.",
            needs_group=False)
def home_command(ctx: Context, text: str) -> Reply:
    return home(ctx.db, ctx.request.user, ctx.now, ctx.front_end, ctx.settings)


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(home_command)
