"""What each front end declares to the core (commands/contract.py): how commands are typed there, what it can do,
how people are written. The core never names a platform; it asks these."""
from __future__ import annotations

import re

from commands.contract import FrontEnd, FrontEnds

_MATRIX_ID = re.compile(r"^@[^:\s]+:[A-Za-z0-9.\-]+(:\d+)?$")
_CONSOLE_NAME = re.compile(r"^@[\w.\-]+$")


def _slack_shown(address: str) -> str:
    return address.rsplit(":", 1)[-1]          # slack:T0:U1 → U1 (people know their U… id, not the team)


SLACK = FrontEnd(platform="slack", label="Slack", prefix="/", bare_subcommands=False, forms=True, files=True,
                 rich_text=True, user_address=r"slack:(?:[TE][A-Z0-9]+:)?[UW][A-Z0-9]+", shown_id=_slack_shown,
                 room_example="slack:C0123",
                 send_document="Send the document to me as a file in a direct message, with the caption import (and "
                               "the group's slug if you coordinate several), or use /convene import alone for a form.")
MATRIX = FrontEnd(platform="matrix", label="Matrix", prefix="!", prompts=True, files=True, rich_text=True,
                  threads=True, user_address=r"matrix:@[^:\s]+:\S+", room_example="matrix:!abc:server",
                  send_document="Send the document as a file in the group's room with !import as its caption, or "
                                "reply !import to the file.",
                  person=lambda word: f"matrix:{word}" if _MATRIX_ID.match(word) else None)
CONSOLE = FrontEnd(platform="console", label="the Convene console", local_files=True,
                   send_document="Write import PATH with the document's path on this machine.",
                   user_address=r"console:[\w.\-]+", room_example="console:main",
                   person=lambda word: f"console:{word[1:]}" if _CONSOLE_NAME.match(word) else None)

ALL = FrontEnds([SLACK, MATRIX, CONSOLE])


def complete_user(db, address: str) -> str:
    """A person's address as the CLI got it, completed the way their front end needs: a Slack id without its
    workspace gets the one workspace Convene runs in (and is refused, with the choice, when there are several)."""
    from commands.core import UserError
    if re.fullmatch(r"slack:[UW][A-Z0-9]+", address):
        from bot.adapters.slack.installations import known_teams
        teams = known_teams(db)
        if len(teams) == 1:
            return f"slack:{teams[0]}:{address[6:]}"
        if len(teams) > 1:
            raise UserError(f"'{address}' could be in any of the workspaces Convene is installed in "
                            f"({', '.join(teams)}): write slack:TEAM:{address[6:]}")
    return address
