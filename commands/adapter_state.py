"""What front ends keep in the database besides commands, handed out by the core so that front ends
(``bot/adapters/``, ``bot/cli.py``) never import ``storage/``: the one seam between them and the database.

- ``dedupe``: keys of requests and events already handled (Slack event ids, signed-request replays, invites)
- ``settings``: small durable settings (a sync token, a device id, a workspace id)
- ``inbox``: a front end's exactly-once inbox of received events, and which message carried which input
- ``workspaces``: the workspaces a front end is installed in, and which one a shared room is reached through
- ``transaction``: one write transaction (the lock taken up front), for a front end that records what it decided
  together with the effects of deciding
- ``open_database`` / ``DatabaseError``: opening the database file, and what storage raises when it refuses
- ``cannot_save``: whether an error means the disk cannot take a write (full, read-only, failing)
"""
from storage import StorageError as DatabaseError
from storage import events as dedupe
from storage import inbox
from storage import kv as settings
from storage import open_db as open_database
from storage import workspaces
from storage import write_tx as transaction
from storage.db import CANNOT_SAVE, cannot_save

__all__ = ["CANNOT_SAVE", "DatabaseError", "cannot_save", "dedupe", "inbox", "settings", "open_database", "workspaces", "transaction"]
