"""How a front end talks to the core: the one module to read first.

A front end (Slack, Matrix, the console, the CLI) turns what people type into a ``commands.core.Request`` and
hands it to ``commands.dispatch.handle``; it gets a ``commands.reply.Reply`` back and renders it its own way.
What passes between them is defined here:

- **Addresses** (``Address``): who and where, as ``platform:id`` strings in storage and in replies (a room, a
  person); ``platform_of`` reads the platform. The core compares addresses; it never looks inside an id.
- **Front ends** (``FrontEnd``): what each front end declares about itself — its name, how a command is typed on
  it (``/agenda``, ``!agenda``, ``agenda``), what it can do (forms, reply-prompts, files, rich text, threads), and
  how a person is written there. The core asks the request's front end, or the front end that owns an address
  (``FrontEnds``), and never names a platform itself. The declarations live with the front ends
  (``bot/frontends.py``).
- **Typed actions** (``QuestionRef``, ``SubmitInput``, ``EditAgenda``, ``EditField``, ``FormContext``, the floor's
  ``RequestFloor`` and ``NextSpeaker``): the values buttons and forms carry,
  encoded and decoded here and nowhere else. ``decode`` checks the shape strictly and raises ``ActionError`` with
  a message for the user; what a value names (a group, a question) is checked again by the command that uses it
  (membership, existence): a tampered or stale value is refused, never trusted.
- **Replies the bot sends on its own** go to the outbox (``bot/outbox.py``) addressed with an ``Address``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar
from typing import Callable, Iterable


# --- addresses ----------------------------------------------------------------------------

_ADDRESS = re.compile(r"^(?P<platform>[a-z][a-z0-9_-]{0,19}):(?P<id>\S.*)$")


class AddressError(ValueError):
    pass


@dataclass(frozen=True)
class Address:
    """A room or a person on some front end: ``slack:C0123``, ``matrix:@ana:example.org``, ``console:main``."""
    platform: str
    id: str

    @classmethod
    def parse(cls, value: str) -> "Address":
        m = _ADDRESS.match(value or "")
        if m is None:
            raise AddressError(f"{value!r} is not an address (platform:id)")
        return cls(m.group("platform"), m.group("id"))

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


def platform_of(address: str) -> str:
    """The platform an address belongs to ('' when it is not an address)."""
    m = _ADDRESS.match(address or "")
    return m.group("platform") if m else ""


# --- front ends ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FrontEnd:
    """What a front end declares about itself (see bot/frontends.py for the declarations)."""
    platform: str                     # the platform part of its addresses
    label: str = ""                   # how people name it ("Slack"); "" for front ends not worth naming
    prefix: str = ""                  # typed before a command word ("/", "!")
    bare_subcommands: bool = True     # "iam Chile" works without "convene " in front
    forms: bool = False               # can open forms (Slack modals)
    prompts: bool = False             # takes an answer as a reply to a message (Matrix)
    files: bool = True                # can hand over a file (upload, path)
    rich_text: bool = False           # renders formatting (Block Kit, HTML)
    threads: bool = False
    local_files: bool = False         # runs on the bot's machine: may name files there (import PATH)
    send_document: str = ""           # how a coordinator sends a document to import here
    # A person as people write them on this front end (``@ana:example.org`` on Matrix, ``@ana`` at the console)
    # → their address, or None. Mentions the front end resolved itself come in ``Request.mentions`` instead.
    person: Callable[[str], str | None] = field(default=lambda word: None, compare=False)
    # A full address of a person of this front end, as the CLI and coordinators may write it (``slack:T…:U…``).
    user_address: str = r"(?!)"
    room_example: str = ""            # a room address, for messages ("slack:C0123")
    # The id people recognise (``U0123``, ``@ana:example.org``) for an address of this front end.
    shown_id: Callable[[str], str] = field(default=lambda address: address.split(":", 1)[-1], compare=False)

    def typed(self, text: str, heads: Iterable[str]) -> str:
        """How to type a command line (``iam Chile``, ``agenda 2``) here."""
        head = text.split(" ", 1)[0]
        if head in heads or self.bare_subcommands and not self.prefix:
            return f"{self.prefix}{text}"
        return f"{self.prefix}convene {text}"


PLAIN = FrontEnd(platform="")     # for a request that names no front end: commands as typed, no prefix


class FrontEnds:
    """The front ends a process knows: who owns an address, how a command is typed for a person elsewhere."""

    def __init__(self, front_ends: Iterable[FrontEnd] = ()):
        self._by_platform = {f.platform: f for f in front_ends}

    def of(self, address_or_platform: str) -> FrontEnd:
        platform = platform_of(address_or_platform) or address_or_platform
        return self._by_platform.get(platform, PLAIN)

    def all(self) -> list[FrontEnd]:
        return list(self._by_platform.values())

    def room_examples(self) -> str:
        examples = [f.room_example for f in self._by_platform.values() if f.room_example]
        return ", ".join(examples[:-1]) + (" or " if len(examples) > 1 else "") + (examples[-1] if examples else "")

    def is_user_address(self, word: str) -> bool:
        """``word`` is a person's full address on a known front end (``slack:T0:U1``, ``matrix:@a:b``)."""
        f = self._by_platform.get(platform_of(word))
        return f is not None and re.fullmatch(f.user_address, word) is not None


# --- typed actions ------------------------------------------------------------------------

class ActionError(ValueError):
    """A button or form value that is not one we made (tampered, or from an older version): the message is for the
    user."""


_QUESTION = re.compile(r"^(?P<kind>[SL])(?P<id>[1-9]\d{0,9}):(?P<ref>[A-Za-z0-9][A-Za-z0-9.]{0,19})$")
STALE = "That button or form is out of date (the agenda may have changed): please open it again."


@dataclass(frozen=True)
class QuestionRef:
    """A question as buttons, forms and reply-prompts carry it: of a session (``S12:2.6``) or a list (``L3:f``)."""
    ref: str
    session_id: int | None = None
    list_id: int | None = None

    def encode(self) -> str:
        return f"S{self.session_id}:{self.ref}" if self.session_id is not None else f"L{self.list_id}:{self.ref}"

    @classmethod
    def decode(cls, value: str) -> "QuestionRef":
        m = _QUESTION.match(value or "")
        if m is None:
            raise ActionError(STALE)
        n = int(m.group("id"))
        return cls(m.group("ref"), session_id=n) if m.group("kind") == "S" else cls(m.group("ref"), list_id=n)


_SUBMIT = re.compile(r"^submit(?:\|g(?P<group>[1-9]\d{0,9}))?\|(?P<question>[^|]+)$")


@dataclass(frozen=True)
class SubmitInput:
    """The "Submit input" button beside a question: open the input form on it. ``group_id`` is set where the
    button is shown outside the group's room (the Slack Home tab); the core checks membership before using it."""
    question: QuestionRef
    group_id: int | None = None
    action_id = "submit_input"

    def encode(self) -> str:
        group = f"|g{self.group_id}" if self.group_id is not None else ""
        return f"submit{group}|{self.question.encode()}"

    @classmethod
    def decode(cls, value: str) -> "SubmitInput":
        m = _SUBMIT.match(value or "")
        if m is None:
            raise ActionError(STALE)
        return cls(QuestionRef.decode(m.group("question")), int(m.group("group")) if m.group("group") else None)


@dataclass(frozen=True)
class Decision:
    """A button that decides something waiting in a group (a registration request, a previewed import): which group,
    which thing, which verdict. Subclasses name the thing and the verdicts; the core checks that the person pressing
    may decide it and that it still waits."""
    group_id: int
    subject_id: int
    verdict: str
    prefix: ClassVar[str] = ""
    subject: ClassVar[str] = ""
    verdicts: ClassVar[tuple[str, ...]] = ()

    def encode(self) -> str:
        return f"{self.prefix}|g{self.group_id}|{self.subject}{self.subject_id}|{self.verdict}"

    @classmethod
    def decode(cls, value: str):
        m = re.fullmatch(rf"{cls.prefix}\|g([1-9]\d{{0,9}})\|{cls.subject}([1-9]\d{{0,9}})\|({'|'.join(cls.verdicts)})",
                         value or "")
        if m is None:
            raise ActionError(STALE)
        return cls(int(m.group(1)), int(m.group(2)), m.group(3))


@dataclass(frozen=True)
class RegistrationDecision(Decision):
    """Approve / Refuse under a registration request (a coordinator, or a member of that delegation, decides)."""
    prefix: ClassVar[str] = "reg"
    subject: ClassVar[str] = "r"
    verdicts: ClassVar[tuple[str, ...]] = ("approve", "refuse")
    action_id: ClassVar[str] = "registration_decision"

    @property
    def request_id(self) -> int:
        return self.subject_id


@dataclass(frozen=True)
class ImportDecision(Decision):
    """Import / Cancel under the preview of a document sent in chat (``confirm``: import although answered questions
    leave the agenda; ``edit``: import, then open the form that corrects it); only the group's coordinators
    decide."""
    prefix: ClassVar[str] = "imp"
    subject: ClassVar[str] = "p"
    verdicts: ClassVar[tuple[str, ...]] = ("apply", "confirm", "cancel", "edit")
    action_id: ClassVar[str] = "import_decision"

    @property
    def pending_id(self) -> int:
        return self.subject_id


_EDIT = re.compile(r"^edit\|g(?P<group>[1-9]\d{0,9})\|s(?P<session>[1-9]\d{0,9})$")


@dataclass(frozen=True)
class EditAgenda:
    """The Edit button under an agenda or an import (coordinators, where forms exist): open the form that corrects
    the session's items and questions. The core checks that the person pressing coordinates the group and that the
    session is the group's."""
    group_id: int
    session_id: int
    action_id: ClassVar[str] = "edit_agenda"

    def encode(self) -> str:
        return f"edit|g{self.group_id}|s{self.session_id}"

    @classmethod
    def decode(cls, value: str) -> "EditAgenda":
        m = _EDIT.match(value or "")
        if m is None:
            raise ActionError(STALE)
        return cls(int(m.group("group")), int(m.group("session")))


_EDIT_FIELD = re.compile(r"^(?:(?P<kind>[iq])(?P<id>[1-9]\d{0,9})\.(?P<name>title|time|presenters|kind|text)"
                         r"|(?P<pick>pick))$")
EDIT_ITEM_FIELDS = ("title", "time", "presenters", "kind")


@dataclass(frozen=True)
class EditField:
    """A field of the agenda edit form, as its name carries it: an item's ``title``, ``time``, ``presenters`` or
    ``kind`` (``i12.title``), a question's ``text`` (``q7.text``), or ``pick`` (the item chosen on a long agenda,
    whose value is an item as ``i12``). Names that are not one of these are refused (stale or tampered)."""
    kind: str            # i (item) | q (question) | pick
    id: int = 0
    name: str = ""

    def encode(self) -> str:
        return "pick" if self.kind == "pick" else f"{self.kind}{self.id}.{self.name}"

    @classmethod
    def decode(cls, value: str) -> "EditField":
        m = _EDIT_FIELD.match(value or "")
        if m is None or (m.group("kind") == "i" and m.group("name") not in EDIT_ITEM_FIELDS) \
                or (m.group("kind") == "q" and m.group("name") != "text"):
            raise ActionError(STALE)
        if m.group("pick"):
            return cls("pick")
        return cls(m.group("kind"), int(m.group("id")), m.group("name"))

    @staticmethod
    def item_value(item_id: int) -> str:
        """The value of a ``pick`` choice."""
        return f"i{item_id}"

    @staticmethod
    def picked(value: str) -> int:
        m = re.fullmatch(r"i([1-9]\d{0,9})", value or "")
        if m is None:
            raise ActionError(STALE)
        return int(m.group(1))


@dataclass(frozen=True)
class FloorAction:
    """A button on the rolling list of speakers: which group, which list (the item's), and what it does. The core
    refuses it when that list is no longer the group's current one, and dispatch checks who may press it (the
    registry: ``floor next`` is the Chair's)."""
    group_id: int
    list_id: int
    prefix: ClassVar[str] = ""
    command: ClassVar[str] = ""       # the floor subcommand it runs

    def encode(self) -> str:
        return f"{self.prefix}|g{self.group_id}|l{self.list_id}"

    @classmethod
    def decode(cls, value: str):
        m = re.fullmatch(rf"{cls.prefix}\|g([1-9]\d{{0,9}})\|l([1-9]\d{{0,9}})", value or "")
        if m is None:
            raise ActionError(STALE)
        return cls(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class RequestFloor(FloorAction):
    """"Request the floor" under the rolling list: ask for the floor for the presser's delegation."""
    prefix: ClassVar[str] = "flrq"
    command: ClassVar[str] = "request"
    action_id: ClassVar[str] = "floor_request"


@dataclass(frozen=True)
class NextSpeaker(FloorAction):
    """"Next speaker" under the rolling list: the Chair calls the next speaker."""
    prefix: ClassVar[str] = "flnx"
    command: ClassVar[str] = "next"
    action_id: ClassVar[str] = "floor_next"


FLOOR_ACTIONS = (RequestFloor, NextSpeaker)


_FORM_COMMANDS = ("submit", "inputs", "import", "item edit")


@dataclass(frozen=True)
class FormContext:
    """What a form carries back besides its fields: the command it submits to, the room it was opened from (none
    from the Home tab) and, outside a room, the group."""
    command: str
    room: str | None = None
    group_id: int | None = None

    def encode(self) -> dict:
        return {"command": self.command, "room": self.room, "group_id": self.group_id}

    @classmethod
    def decode(cls, data) -> "FormContext":
        if not isinstance(data, dict):
            raise ActionError(STALE)
        command, room, group = data.get("command", "submit"), data.get("room"), data.get("group_id")
        if command not in _FORM_COMMANDS or (room is not None and not isinstance(room, str)):
            raise ActionError(STALE)
        if room is not None:
            try:
                Address.parse(room)
            except AddressError:
                raise ActionError(STALE)
        if group is not None:
            if isinstance(group, str) and group.isdigit():
                group = int(group)
            if not isinstance(group, int) or isinstance(group, bool) or group < 1:
                raise ActionError(STALE)
        return cls(command, room, group)
