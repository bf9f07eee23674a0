"""Request and Context: what every command receives, whatever the platform."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from commands.contract import FrontEnd, FrontEnds
from commands.registry import HEADS
from storage import groups as group_store
from storage.models import Group, Member

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Request:
    platform: str            # the platform part of the front end's addresses (as data; the core never branches on it)
    room: str                # an address (commands.contract.Address), e.g. console:main
    user: str                # an address, e.g. console:ana
    command: str             # the head: agenda | questions | submit | inputs | convene (or a bare subcommand)
    text: str = ""           # everything after the command word, decoded (no platform escapes)
    user_name: str | None = None
    direct: bool = False     # a direct (one-to-one) conversation with the bot
    options: dict = field(default_factory=dict)  # structured extras from forms (modal fields)
    mentions: dict = field(default_factory=dict)  # "@ana" in text → the person's address, resolved by the front end
    forms: bool = False      # the platform can open forms (Slack modals)
    prompts: bool = False    # the platform can take an answer as a reply to a message (Matrix)
    names: dict = field(default_factory=dict)     # platform user id → display name, of the people mentioned
    front_end: FrontEnd | None = None             # what the front end declared (how commands are typed there …)


class UserError(Exception):
    """Bad input or a refused action: the message goes back to the user as is."""

    def __init__(self, message: str, *hints, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.hints = hints
        self.field = field   # the form field at fault, when the request came from a form


@dataclass
class Context:
    db: object
    request: Request
    now: datetime
    group: Group | None = None
    member: Member | None = None
    settings: object | None = None
    registry: object | None = None       # the commands.registry.Registry the request was dispatched with
    front_ends: FrontEnds = field(default_factory=FrontEnds)   # every front end of this process (for addresses)
    queued: bool = False      # the command put messages in the outbox in its transaction (the front end wakes it)
    memo: dict = field(default_factory=dict)   # what a rule found once for this request (the sessions, the one meant)

    @property
    def front_end(self) -> FrontEnd:
        return self.request.front_end or self.front_ends.of(self.request.platform)

    def heads(self) -> tuple[str, ...]:
        return self.registry.head_names() if self.registry is not None else HEADS

    def cmd(self, text: str) -> str:
        """How to type ``text`` (a command line such as 'iam Chile' or 'agenda 2') on the asker's front end."""
        return self.front_end.typed(text, self.heads())

    @property
    def is_coordinator(self) -> bool:
        return bool(self.member and self.member.is_coordinator)

    @property
    def delegation(self) -> str | None:
        return self.member.delegation if self.member else None

    def require_group(self) -> Group:
        if self.group is None and self.request.direct:
            mine = group_store.groups_of_user(self.db, self.request.user)
            if len(mine) > 1:
                raise UserError("Which group? You belong to " + ", ".join(g.name for g in mine) + ". Send this in "
                                "that group's room (in a direct conversation I answer for your group only when "
                                "you belong to one).")
            raise UserError("You belong to no contact group yet, so there is nothing to answer here. Ask in your "
                            "group's room, or ask a coordinator to add you.")
        if self.group is None:
            raise UserError("This room isn't set up for a contact group yet. A coordinator can set it up with "
                            f"{self.cmd('setup NAME')} (for example {self.cmd('setup Resource Mobilization Contact Group')}).")
        return self.group

    def require_coordinator(self, what: str) -> None:
        self.require_group()
        if not self.is_coordinator:
            raise UserError(f"Only coordinators of {self.group.name} can {what}. "
                            "Ask one of them, or ask them to make you a coordinator.")

    def refresh_member(self) -> None:
        if self.group is not None:
            self.member = group_store.member(self.db, self.group.id, self.request.user)
