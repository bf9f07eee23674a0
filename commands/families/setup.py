"""convene …: setting up a group, registering, sessions, importing, help."""
from __future__ import annotations


from commands import operations as ops
from commands.rules.targets import is_session_selector, select_session
from commands.text.people import display, resolve_person
from storage import audit
from commands.text.words import count, did_you_mean
from commands.text.args import shown
from commands.text.args import take_word
from commands.core import Context, UserError
from commands.text.people import named
from commands.rules import roles
from commands.registry import find_subcommand, head, subcommand
from commands.reply import Code, Reply, Section, Strong, When, info, line
from commands.text.names import MAX_GROUP_NAME, clean_name
from commands.text.slugs import unique_slug
from storage import agenda as agenda_store
from storage import groups as group_store
from storage import write_tx



@head("convene", "convene help | setup NAME | iam DELEGATION | …", "Set-up and administration: setup, iam, session list, import, help …",
      needs_group=False)
def convene(ctx: Context, text: str) -> Reply:
    words = text.split()
    if not words:
        return help_reply(ctx, "")
    # Subcommands are resolved, checked and run by dispatch (commands.registry.Registry.resolve): here only what
    # names none.
    near = ctx.registry.nearest(words[:3], under_convene=True)
    guess = did_you_mean([ctx.cmd(n) for n in near])
    raise UserError(f"I don't know 'convene {shown(words[0])}'.{guess}", line("All commands: ", Code(ctx.cmd("help"))))




@subcommand("setup", "setup NAME", "Create a contact group for this room; you become its first coordinator.",
            needs_group=False)
def setup(ctx: Context, text: str) -> Reply:
    name = clean_name(text, "group name", MAX_GROUP_NAME)
    bound = group_store.group_for_room(ctx.db, ctx.request.room)    # the room's own group (not a direct room's)
    if bound is not None:
        raise UserError(f"This room already belongs to {bound.name} (slug {bound.slug}).")
    slug = unique_slug(name, lambda s: group_store.slug_taken(ctx.db, s))
    with write_tx(ctx.db):
        # The operator's CONVENE_TIMEZONE, else Geneva's: a coordinator changes it with group timezone ZONE.
        zone = getattr(ctx.settings, "default_timezone", None) or "Europe/Zurich"
        group = group_store.create_group(ctx.db, slug, name, zone)
        group_store.bind_room(ctx.db, group.id, ctx.request.room)
        group_store.set_coordinator(ctx.db, group.id, ctx.request.user, True, ctx.request.user_name)
    ctx.group = group
    ctx.refresh_member()
    return Reply(text=f"{name} is set up here (slug {slug}).", public=True,
                 sections=[Section(heading=line(Strong(name), " is set up in this room."),
                                   body=[line("Slug: ", Code(slug), " — the CLI and exports use it."),
                                         line("You are its first coordinator. Time zone: ", group.timezone, ".")])],
                 context=[line("Next: delegates register with ", Code(ctx.cmd("iam COUNTRY")),
                               " and you approve each (", Code(ctx.cmd("registration")), " says how to change that); "
                               "import an agenda with the CLI: ", Code(f"convene import FILE --group {slug}"))])


@subcommand("whoami", "whoami", "Your group, delegation and role here.", needs_group=False)
def whoami(ctx: Context, text: str) -> Reply:
    if ctx.group is None:
        return Reply(text="This room has no group.", sections=[Section(body=[line(
            f"You are {named(ctx, ctx.request.user)}. This room isn't set up for a contact group.")])])
    role = "coordinator" if ctx.is_coordinator else "delegate"
    d = ctx.delegation or "no delegation yet"
    return Reply(text=f"{ctx.group.name}: {d}, {role}", sections=[Section(body=[
        line(f"You are {named(ctx, ctx.request.user)} in ", Strong(ctx.group.name), f": {d}; {role}.")])])


@subcommand("session list", "session list", "Every session of the group with its id, date and times.",
            coordinator=True)
def session_list(ctx: Context, text: str) -> Reply:
    sessions = agenda_store.sessions_of_group(ctx.db, ctx.group.id)
    if not sessions:
        return Reply(text="No sessions yet.", sections=[Section(body=[line("No sessions yet: import an agenda.")])])
    sections = []
    for s in sessions:
        state = "over" if s.end <= ctx.now else ("now" if s.start <= ctx.now else "upcoming")
        body = [line(When(s.start, s.timezone, "date"), " · ", When(s.start, s.timezone), "–",
                     When(s.end, s.timezone), f" ({s.timezone}) · {state}")]
        if s.deadline:
            body.append(line("Input due ", When(s.deadline, s.timezone, "datetime")))
        sections.append(Section(heading=line(Strong(f"#{s.id}"), " ", s.title), body=body))
    return Reply(text=count(len(sessions), "session"), title=f"Sessions — {ctx.group.name}", sections=sections,
                 context=[line("Choose one with ", Code(ctx.cmd("agenda #ID")))])


@subcommand("session rename", "session rename SESSION TITLE",
            "Give a session a new title (the same session: its inputs and reminders stay).", coordinator=True)
def session_rename(ctx: Context, text: str) -> Reply:
    word, title = take_word(text)
    if not word or not is_session_selector(word) or not title.strip():
        raise UserError("Say which session and its new title: session rename #ID TITLE.")
    s = ops.rename_session(ctx.db, ctx.group, select_session(ctx, word), title, ctx.request.user, ctx.now)
    return info(f"Session #{s.id} is now called “{s.title}”.", public=True)


@subcommand("group rename", "group rename NAME", "Give the group a new name.", coordinator=True)
def group_rename(ctx: Context, text: str) -> Reply:
    g = ops.rename_group(ctx.db, ctx.group, text, ctx.request.user, ctx.now)
    return info(f"This group is now called {g.name} (slug {g.slug}, unchanged).", public=True)


@subcommand("group timezone", "group timezone ZONE",
            "The time zone of sessions imported from now on (an IANA name, such as America/New_York).",
            coordinator=True)
def group_timezone(ctx: Context, text: str) -> Reply:
    g = ops.set_group_timezone(ctx.db, ctx.group, text, ctx.request.user, ctx.now)
    return info(f"Sessions imported from now on use {g.timezone}; sessions already imported keep their own zone.")


@subcommand("list close", "list close LIST", "Close a question list for input (its inputs stay).", coordinator=True)
def list_close(ctx: Context, text: str) -> Reply:
    lst = ops.set_list_open(ctx.db, ctx.group, text, False, ctx.request.user, ctx.now)
    return info(f"{lst.short} is closed for input; what was sent stays, and stays in the compilation.", public=True)


@subcommand("list open", "list open LIST", "Open a question list for input again.", coordinator=True)
def list_open(ctx: Context, text: str) -> Reply:
    lst = ops.set_list_open(ctx.db, ctx.group, text, True, ctx.request.user, ctx.now)
    return info(f"{lst.short} is open for input.", public=True)


@subcommand("session remove", "session remove SESSION [confirm]",
            "Remove a session and its agenda; refused while it has inputs unless confirmed.", coordinator=True)
def session_remove(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    if not word or not is_session_selector(word):
        raise UserError("Say which session: session remove #ID.")
    s = select_session(ctx, word)
    ops.remove_session(ctx.db, ctx.group, s, rest, ctx.request.user, ctx.now)
    return info(f"Session #{s.id} “{s.title}” is removed.", public=True)


@subcommand("list remove", "list remove LIST [confirm]",
            "Remove a question list; refused while it has inputs unless confirmed.", coordinator=True)
def list_remove(ctx: Context, text: str) -> Reply:
    lst = ops.remove_list(ctx.db, ctx.group, text, ctx.request.user, ctx.now)
    return info(f"Question list {lst.short} is removed.", public=True)


@subcommand("group unbind", "group unbind [ROOM]",
            "This room (or ROOM) is no longer the group's: nothing more is posted there.", coordinator=True)
def group_unbind(ctx: Context, text: str) -> Reply:
    room = text.strip() or ctx.request.room
    ops.unbind_room(ctx.db, ctx.group, room, ctx.request.user, ctx.now)
    return info(f"{'This room' if room == ctx.request.room else room} is no longer a room of {ctx.group.name}; the "
                "group, its sessions and inputs stay.", public=True)


@subcommand("member remove", "member remove @USER", "Remove someone from the group (their delegation's inputs stay).",
            coordinator=True)
def member_remove(ctx: Context, text: str) -> Reply:
    user = resolve_person(ctx, text.strip() or None)
    who = named(ctx, user)
    ops.remove_member(ctx.db, ctx.group, user, ctx.request.user, ctx.now)
    return info(f"{who} is no longer a member of {ctx.group.name}; what their delegation sent stays.")


@subcommand("audit", "audit", "Who changed this group's set-up, what, and when (the latest 20).", coordinator=True)
def audit_command(ctx: Context, text: str) -> Reply:
    entries = audit.of_group(ctx.db, ctx.group.id, 20)
    if not entries:
        return info("No set-up changes recorded yet.")
    tz = ctx.group.timezone
    return Reply(text=f"Set-up changes — {ctx.group.name}", title=f"Set-up changes — {ctx.group.name}",
                 sections=[Section(body=[line(When(e.at, tz, "datetime"), " · ", display(ctx, e.actor), " · ",
                                              Strong(e.action), " · ", e.detail)]) for e in entries], timezone=tz)


def _usage(ctx: Context, cmd) -> str:
    if cmd.head == "convene":
        return ctx.cmd(cmd.usage)
    return ctx.cmd(cmd.usage)


def help_reply(ctx: Context, text: str) -> Reply:
    topic = text.strip().lower()
    if topic:
        words = topic.split()
        if words[0] in ("convene",) and len(words) > 1:
            words = words[1:]
        registry = ctx.registry
        cmd = registry.heads.get(words[0]) if len(words) == 1 else None
        if cmd is None and words[0] == "inputs" and len(words) > 1:
            cmd, _ = find_subcommand(words[1:], registry.input_actions)
        if cmd is None:
            cmd, _ = find_subcommand(words, registry.subcommands)
        if cmd is None:
            raise UserError(f"There is no command '{shown(text.strip())}'.", line("All commands: ", Code(ctx.cmd("help"))))
        body = [line(cmd.summary)]
        if cmd.details:
            body.append(line(cmd.details))
        if cmd.coordinator:
            body.append(line("Coordinators only."))
        if cmd.role:
            body.append(line(f"Only the {roles.who(cmd.role)}."))
        sections = [Section(heading=line(Code(_usage(ctx, cmd))), body=body)]
        if cmd.kind == "head" and cmd.name != "convene" and registry.under.get(cmd.name):
            for sub in registry.under[cmd.name].values():
                only = [line(f"Only the {roles.who(sub.role)}.")] if sub.role else []
                sections.append(Section(heading=line(Code(ctx.cmd(sub.usage))), body=[line(sub.summary)] + only))
        return Reply(text=cmd.summary, sections=sections)
    delegates = [c for c in ctx.registry.all() if not c.coordinator and not c.role and c.name != "convene"]
    coordinators = [c for c in ctx.registry.all() if c.coordinator]
    sections = [Section(heading=line(Strong("For everyone")))]
    sections += [Section(body=[line(Code(_usage(ctx, c)), " — ", c.summary)]) for c in delegates]
    for role in dict.fromkeys(c.role for c in ctx.registry.all() if c.role and not c.coordinator):
        sections.append(Section(heading=line(Strong(f"For the {roles.who(role)}"))))
        sections += [Section(body=[line(Code(_usage(ctx, c)), " — ", c.summary)]) for c in ctx.registry.all()
                     if c.role == role and not c.coordinator]
    sections.append(Section(heading=line(Strong("For coordinators"))))
    sections += [Section(body=[line(Code(_usage(ctx, c)), " — ", c.summary)]) for c in coordinators]
    return Reply(text="Convene commands", title="Convene — commands", sections=sections,
                 context=[line("Refs: agenda questions are ITEM.N (2.6); list questions LIST:letter (WP.15:f). "
                               "Sessions: #ID or YYYY-MM-DD. More: ", Code(ctx.cmd("help COMMAND")))])


@subcommand("help", "help [COMMAND]", "Every command with its usage, or one command in detail.", needs_group=False)
def help_command(ctx: Context, text: str) -> Reply:
    return help_reply(ctx, text)


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(convene, setup, whoami, session_list, session_rename, group_rename, group_timezone, list_close,
                 list_open, session_remove, list_remove, group_unbind, member_remove, audit_command,
                 help_command)
