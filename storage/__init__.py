"""SQLite storage for Convene, through sqlite-utils.

Every SQL statement of the project lives in this package. Callers get dataclasses
(see ``storage.models``), never rows or formatted text. Times are stored as ISO 8601
strings in UTC and handed out as aware ``datetime`` objects in UTC.
"""
from storage.db import StorageError, open_db, write_tx

__all__ = ["open_db", "StorageError", "write_tx"]
