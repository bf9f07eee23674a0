"""What front ends keep in the database besides commands — the one seam between front ends (``bot/adapters/``,
``bot/cli.py``) and the database: they never import ``storage/``, only the parts named here, each with just the
operations a front end needs (a test keeps them to these).

- ``dedupe``: keys of requests and events already handled (Slack event ids, signed-request replays)
- ``settings``: small durable settings (a sync token, a device id, a workspace id)
- ``inbox``: a front end's exactly-once inbox of received events (in order, each decided once), and which message
  carried which input (so an edit or a deletion of it reaches the input)
- ``workspaces``: the workspaces a front end is installed in, and which one a shared room is reached through
- ``transaction``: one write transaction (the lock taken up front), for a front end that records what it decided
  together with the effects of deciding
- ``open_database`` / ``DatabaseError``: opening the database file, and what storage raises when it refuses
- ``cannot_save`` / ``CANNOT_SAVE``: whether an error means the disk cannot take a write, and what to say then
"""
from __future__ import annotations

from types import SimpleNamespace

from storage import StorageError as DatabaseError
from storage import events as _events
from storage import inbox as _inbox
from storage import kv as _kv
from storage import open_db as open_database
from storage import workspaces as _workspaces
from storage import write_tx as transaction
from storage.db import CANNOT_SAVE, cannot_save


def _part(*members) -> SimpleNamespace:
    return SimpleNamespace(**{m.__name__: m for m in members})


dedupe = _part(_events.first_sighting, _events.seen_any, _events.record_many)
settings = _part(_kv.get, _kv.put)
inbox = _part(_inbox.InboxEntry, _inbox.enqueue, _inbox.pending, _inbox.decide, _inbox.finish, _inbox.prune,
              _inbox.record_input, _inbox.input_message, _inbox.event_of, _inbox.supersede, _inbox.set_receipt)
workspaces = _part(_workspaces.installed_teams, _workspaces.unqualified_users, _workspaces.qualify_users,
                   _workspaces.room_teams, _workspaces.remember_room)

PARTS = {"dedupe": dedupe, "settings": settings, "inbox": inbox, "workspaces": workspaces}

__all__ = ["CANNOT_SAVE", "DatabaseError", "cannot_save", "dedupe", "inbox", "settings", "open_database", "workspaces",
           "transaction"]
