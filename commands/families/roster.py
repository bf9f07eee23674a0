"""Who speaks for which delegation: the roster, registration modes, approvals.

A delegation's inputs are its government's words, and a member reads its coordinators-only inputs and may
withdraw them. So who may register with a delegation is decided here, in one place:

- **The roster** (``roster add NAME; ALIAS; …``) lists the delegations with the names people type ("USA" for the
  United States of America). With a roster, ``iam`` accepts only its delegations, suggesting the nearest names.
  Without one, a name that matches a delegation already registered is that delegation.
- **Names that only look alike are one name**: keys fold case, accents and letters of other alphabets that look
  like Latin ones (Cyrillic ``С`` in ``Сhile``), so ``Сhile`` is Chile; a name that mixes alphabets and matches
  nothing is refused, and so are invisible characters and direction overrides (``clean_name``), and names that
  do not start with a letter (``@channel``).
- **Modes** (``registration open|approval|locked``): *approval* (the default) — a coordinator approves every
  registration; *open* — anyone may register with a delegation that has no members yet, and joining one that has
  members needs a coordinator's or that delegation's approval (its members are told); *locked* — only
  coordinators assign delegations (``member @USER DELEGATION``).
- **A member who has sent input keeps their delegation**: switching then needs a coordinator.
- Coordinators register themselves and others directly.
"""
from __future__ import annotations


from commands.operations import record_audit, set_registration
from commands.rules.targets import example_ref, questions_command
from commands.text.args import record_number, shown, take_word
from commands.contract import RegistrationDecision
from commands.core import Context, UserError
from commands.rules.delegations import clean_delegation, deciders, key_of, resolve_delegation, take_confirm
from commands.text.people import display, named
from commands.registry import subcommand
from commands.reply import Button, Code, Reply, Section, Strong, When, info, line
from storage import groups as group_store
from storage import roster as roster_store
from storage.db import write_tx

MODES = {"open": "open", "approval": "approval", "approve": "approval", "lock": "locked", "locked": "locked",
         "close": "locked", "closed": "locked"}

def _request_notice(ctx: Context, req) -> Reply:
    who = named(ctx, req.user)
    why = {"approval": f"{ctx.group.name} approves every registration.",
           "join": f"{req.delegation} already has members in {ctx.group.name}: its members or a coordinator approve.",
           "switch": "They have sent input before, so their delegation changes only with a coordinator."}[req.reason]
    value = lambda verdict: RegistrationDecision(ctx.group.id, req.id, verdict).encode()  # noqa: E731
    return Reply(
        text=f"{who} asks to register with {req.delegation} in {ctx.group.name}",
        sections=[Section(heading=line(Strong("Registration request"), f" #{req.id}"),
                          body=[line(Strong(who), " asks to speak for the delegation of ", Strong(req.delegation),
                                     f" in {ctx.group.name}."), line(why),
                                line(f"Do you know them as speaking for {req.delegation}? Approve the request if "
                                     "so; refuse it if not.")],
                          actions=[Button("Approve", RegistrationDecision.action_id, value("approve")),
                                   Button("Refuse", RegistrationDecision.action_id, value("refuse"))])],
        context=[line("Approve: ", Code(ctx.cmd(f"registration approve {req.id}")), " · refuse: ",
                      Code(ctx.cmd(f"registration refuse {req.id}")), " (or reply approve or refuse to this message)")],
        reply_command=f"registration decide {req.id}", reply_group=ctx.group.id)


def _register(ctx: Context, user: str, delegation: str, user_name: str | None, by: str) -> None:
    with write_tx(ctx.db):
        group_store.set_delegation(ctx.db, ctx.group.id, user, delegation, user_name)
        record_audit(ctx.db, ctx.group, by, "registration", f"{user} with {delegation}", ctx.now)


@subcommand("iam", "iam DELEGATION [confirm]",
            "Register yourself as a member of a delegation (for example: iam Chile).",
            details="Depending on the group's registration mode, a coordinator (or the delegation's members) "
                    "approves it first; see registration. A new name close to a delegation the group has (Chle "
                    "beside Chile) is asked about; add confirm to mean it as typed.")
def iam(ctx: Context, text: str) -> Reply:
    group = ctx.require_group()
    name, confirmed = take_confirm(text)
    delegation = resolve_delegation(ctx, name, confirmed=confirmed)
    before = ctx.delegation
    user = ctx.request.user
    if before and key_of(before) == key_of(delegation):
        return info(f"You are already registered with {before} in {group.name}.")
    members = roster_store.members_of_delegation(ctx.db, group.id, key_of, key_of(delegation))
    reason = None
    if not ctx.is_coordinator:
        if group.registration == "locked":
            raise UserError(f"Registration in {group.name} is closed: a coordinator assigns delegations "
                            f"({ctx.cmd('member @you ' + delegation)}).")
        if before and roster_store.has_submitted(ctx.db, group.id, user):
            reason = "switch"
        elif group.registration == "approval":
            reason = "approval"
        elif members:
            reason = "join"
    if reason is None:
        _register(ctx, user, delegation, ctx.request.user_name, user)
        ctx.member = group_store.member(ctx.db, group.id, user)
        changed = f" (was {before})" if before else ""
        told = [(m, _joined_notice(ctx, user, delegation)) for m in members if m != user]
        return Reply(text=f"You are registered with {delegation}.", notices=told,
                     sections=[Section(body=[line("You are registered with the delegation of ", Strong(delegation),
                                                  f" in {group.name}{changed}.")])],
                     context=[line("Send input: ", Code(ctx.cmd(f"submit {example_ref(ctx)} TEXT")),
                                   " · see questions: ", Code(ctx.cmd(questions_command(ctx))))])
    req, new = roster_store.open_request(ctx.db, group.id, user, ctx.request.user_name, delegation,
                                         "join" if reason == "approval" and members else reason, ctx.now)
    approvers = deciders(ctx.db, group.id, req)
    if not approvers:
        raise UserError(f"{group.name} has no coordinator to approve registrations yet; ask whoever set it up.")
    notices = [(a, _request_notice(ctx, req)) for a in approvers] if new else []
    why = {"switch": f"You have sent input for {before}, so a coordinator must approve a change of delegation.",
           "join": f"{delegation} already has members here: one of them or a coordinator approves new members.",
           "approval": f"In {group.name} a coordinator approves every registration."}[req.reason]
    return Reply(text=f"Asked: registration with {delegation}", notices=notices, sections=[Section(body=[
        line(Strong("Asked. "), why),
        line("You will get a message when it is decided." if new else "Your request is already waiting.")])])


def _joined_notice(ctx: Context, user: str, delegation: str) -> Reply:
    return Reply(text=f"{named(ctx, user)} joined {delegation} in {ctx.group.name}", sections=[Section(body=[
        line(Strong(named(ctx, user)), " is now registered with your delegation, ", Strong(delegation),
             f", in {ctx.group.name}. If that is wrong, tell a coordinator.")])])


def _decide(ctx: Context, request_id: int, verdict: str) -> Reply:
    req = roster_store.request_by_id(ctx.db, request_id)
    if req is None or req.group_id != ctx.group.id:
        raise UserError(f"There is no registration request #{request_id} in {ctx.group.name}.")
    if ctx.request.user not in deciders(ctx.db, ctx.group.id, req):
        raise UserError("Only a coordinator (or, for joining a delegation, its members) decides this request.")
    if req.status != "pending":
        by = display(ctx, req.decided_by) if req.decided_by else "its author"
        return info(f"Request #{req.id} was {req.status} already ({by}).")
    who = named(ctx, req.user)
    if verdict == "approve":
        with write_tx(ctx.db):
            if not roster_store.decide(ctx.db, req.id, "approved", ctx.request.user, ctx.now):
                return info(f"Request #{req.id} was decided already.")
            _register(ctx, req.user, req.delegation, req.user_name, ctx.request.user)
        members = [m for m in roster_store.members_of_delegation(ctx.db, ctx.group.id, key_of,
                                                                  key_of(req.delegation))
                   if m not in (req.user, ctx.request.user)]
        notices = [(req.user, Reply(text=f"You are registered with {req.delegation}", sections=[Section(body=[
            line(Strong("Approved: "), "you are registered with the delegation of ", Strong(req.delegation),
                 f" in {ctx.group.name}.")])]))]
        notices += [(m, _joined_notice(ctx, req.user, req.delegation)) for m in members]
        return Reply(text=f"Approved: {who} with {req.delegation}", notices=notices, sections=[Section(body=[
            line(Strong("Approved: "), Strong(who), " is registered with ", Strong(req.delegation), ".")])])
    with write_tx(ctx.db):
        if not roster_store.decide(ctx.db, req.id, "refused", ctx.request.user, ctx.now):
            return info(f"Request #{req.id} was decided already.")
        record_audit(ctx.db, ctx.group, ctx.request.user, "registration refused", f"{req.user} with {req.delegation}",
               ctx.now)
    notices = [(req.user, Reply(text=f"Registration with {req.delegation} not approved", sections=[Section(body=[
        line(f"Your registration with {req.delegation} in {ctx.group.name} was not approved. If this is a "
             "mistake, contact the coordinators.")])]))]
    return Reply(text=f"Refused: {who} with {req.delegation}", notices=notices, sections=[Section(body=[
        line(Strong("Refused: "), Strong(who), f" is not registered with {req.delegation}; they were told.")])])


@subcommand("registration", "registration [open|approval|locked | approve ID | refuse ID]",
            "How people join delegations, and the requests waiting for a decision (alone: show them).",
            needs_group=True,
            details="approval (the default): a coordinator approves every registration. open: anyone may register "
                    "with a delegation that has no members yet; joining one with members needs their or a "
                    "coordinator's approval. locked: coordinators assign delegations (member @USER DELEGATION).")
def registration_command(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    word = (word or "").lower()
    if word == "decide":       # a reply to a request (Matrix): "registration decide ID approve"
        number, verdict = take_word(rest)
        word, rest = (verdict.strip().lower().split() or [""])[0], number
    if word in ("approve", "refuse", "approved", "refused", "yes", "no"):
        number = record_number(rest.strip())
        if number is None:
            raise UserError("Say which request: registration approve ID (the number in the request).")
        return _decide(ctx, number, "approve" if word in ("approve", "approved", "yes") else "refuse")
    if word and word not in MODES:
        raise UserError("Write registration open, registration approval or registration locked (or, for a request, "
                        "registration approve ID / registration refuse ID).")
    if word:
        if not ctx.is_coordinator:
            raise UserError("Only coordinators change how people register.")
        ctx.group = set_registration(ctx.db, ctx.group, MODES[word], ctx.request.user, ctx.now)
    return _registration_state(ctx)


def _registration_state(ctx: Context) -> Reply:
    mode = ctx.group.registration
    what = {"approval": f"a coordinator approves every registration ({ctx.cmd('iam DELEGATION')} asks).",
            "open": "anyone may register with a delegation that has no members yet; joining one that has members "
                    "needs their or a coordinator's approval.",
            "locked": f"only coordinators assign delegations ({ctx.cmd('member @USER DELEGATION')})."}[mode]
    body = [line("Registration is ", Strong(mode), ": ", what)]
    n = len(roster_store.entries(ctx.db, ctx.group.id))
    body.append(line(f"Roster: {n} delegation{'s' if n != 1 else ''}" if n else
                     "No roster: any delegation name is accepted (look-alike names are one delegation).",
                     " · ", Code(ctx.cmd("roster"))))
    sections = [Section(heading=line(Strong(f"Registration — {ctx.group.name}")), body=body)]
    waiting = roster_store.pending(ctx.db, ctx.group.id) if ctx.is_coordinator else []
    if waiting:
        sections.append(Section(heading=line(Strong("Waiting for a decision")), body=[
            line(f"#{r.id} ", Strong(named(ctx, r.user)), f" → {r.delegation} (", When(r.created_at, ctx.group.timezone,
                                                                                       "datetime"), ")")
            for r in waiting]))
    return Reply(text=f"Registration is {mode}", sections=sections,
                 context=[line("Change it: ", Code(ctx.cmd("registration open|approval|locked")))]
                 if ctx.is_coordinator else [])


# --- the roster ------------------------------------------------------------------------------

@subcommand("roster", "roster [add NAME; ALIAS; … | remove NAME]",
            "The delegations of the group and the other names people may type for them (alone: the list).",
            details="roster add United States of America; USA; United States — adds the delegation with two aliases "
                    "(or the aliases to a delegation already there). Names are matched ignoring case, accents and "
                    "look-alike letters.")
def roster_command(ctx: Context, text: str) -> Reply:
    word, rest = take_word(text)
    word = (word or "").lower()
    if not word:
        entries = roster_store.entries(ctx.db, ctx.group.id)
        if not entries:
            return info(f"{ctx.group.name} has no roster: any delegation name is accepted. A coordinator adds "
                        f"delegations with {ctx.cmd('roster add NAME; ALIAS')}.")
        return Reply(text=f"Roster of {ctx.group.name}: {len(entries)} delegations", sections=[Section(
            heading=line(Strong(f"Delegations of {ctx.group.name}")),
            body=[line(Strong(e.name), f" — also: {', '.join(e.aliases)}" if e.aliases else "") for e in entries])])
    if not ctx.is_coordinator:
        raise UserError("Only coordinators change the roster.")
    if word == "add":
        return _roster_add(ctx, rest)
    if word == "remove":
        name = clean_delegation(rest)
        entry = roster_store.by_key(ctx.db, ctx.group.id, key_of(name))
        if entry is None:
            raise UserError(f"{shown(name)} is not on the roster.")
        roster_store.remove(ctx.db, ctx.group.id, entry.id)
        return Reply(text=f"Removed {entry.name} from the roster", sections=[Section(body=[
            line(Strong(entry.name), " is no longer on the roster; its members and inputs stay.")])])
    raise UserError("Write roster, roster add NAME; ALIAS; … or roster remove NAME.")


def _roster_add(ctx: Context, text: str) -> Reply:
    added, aliased = add_to_roster(ctx.db, ctx.group, text, ctx.request.user, ctx.now)
    body = []
    if added:
        body.append(line("Added: ", ", ".join(added), "."))
    if aliased:
        body.append(line("New names: ", ", ".join(aliased), "."))
    return Reply(text="Roster updated", sections=[Section(body=body or [line("Nothing new.")])],
                 context=[line("The list: ", Code(ctx.cmd("roster")))])


def roster_entries(db, group):
    return roster_store.entries(db, group.id)


def add_to_roster(db, group, text: str, actor: str, now) -> tuple[list[str], list[str]]:
    """``NAME; ALIAS; …`` (one delegation; the first name is its own) → (delegations added, aliases added). A name
    that is already another delegation's is refused; the rest of the line is then not applied either."""
    names = [clean_delegation(n) for n in text.split(";") if n.strip()]
    if not names:
        raise UserError("Write roster add NAME; ALIAS; ALIAS (aliases optional).")
    keys = roster_store.keys(db, group.id)
    with write_tx(db):
        entry = roster_store.by_key(db, group.id, key_of(names[0]))
        added, aliased = [], []
        if entry is None:
            fresh = [(n, key_of(n)) for n in dict.fromkeys(names)]
            for n, k in fresh:
                if k in keys:
                    raise UserError(f"{shown(n)} is already a name of {keys[k]} on the roster.")
            unique = list({k: (n, k) for n, k in reversed(fresh)}.values())[::-1]
            entry = roster_store.add(db, group.id, names[0], unique, now)
            added.append(entry.name)
            aliased += [n for n, _ in unique[1:]]
        else:
            for n in names[1:]:
                k = key_of(n)
                if k in keys:
                    if keys[k] != entry.name:
                        raise UserError(f"{shown(n)} is already a name of {keys[k]} on the roster.")
                    continue
                roster_store.add_alias(db, group.id, entry.id, n, k)
                keys[k] = entry.name
                aliased.append(n)
        record_audit(db, group, actor, "roster", f"{entry.name}: {', '.join(added + aliased) or 'unchanged'}", now)
    return added, aliased


def register(registry) -> None:
    """This family's commands, in the order help lists them."""
    registry.add(iam, registration_command, roster_command)
