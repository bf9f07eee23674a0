"""Request and Context: what every command receives, whatever the platform."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from storage import groups as group_store
from storage.models import Group, Member

HEADS = ("agenda", "questions", "submit", "inputs", "convene")
PREFIX = {"slack": "/", "matrix": "!", "console": "", "cli": "", "test": ""}

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Request:
    platform: str            # slack | matrix | console | test
    room: str                # slack:C0123 | matrix:!abc:server | console:main
    user: str                # slack:U0123 | matrix:@ana:server | console:ana
    command: str             # the head: agenda | questions | submit | inputs | convene (or a bare subcommand)
    text: str = ""           # everything after the command word, decoded (no platform escapes)
    user_name: str | None = None
    direct: bool = False     # a direct (one-to-one) conversation with the bot
    options: dict = field(default_factory=dict)  # structured extras from forms (modal fields)
    mentions: dict = field(default_factory=dict)  # "@ana" in text → platform user id ("slack:U123")
    forms: bool = False      # the platform can open forms (Slack modals)
    prompts: bool = False    # the platform can take an answer as a reply to a message (Matrix)
    names: dict = field(default_factory=dict)     # platform user id → display name, of the people mentioned


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

    def cmd(self, text: str) -> str:
        """How to type ``text`` (a command line such as 'iam Chile' or 'agenda 2') on this platform."""
        head = text.split(" ", 1)[0]
        prefix = PREFIX.get(self.request.platform, "")
        if head in HEADS or self.request.platform == "console":
            return f"{prefix}{text}"
        return f"{prefix}convene {text}"

    @property
    def is_coordinator(self) -> bool:
        return bool(self.member and self.member.is_coordinator)

    @property
    def delegation(self) -> str | None:
        return self.member.delegation if self.member else None

    def require_group(self) -> Group:
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
