"""Building export files off the event loop: a worker thread with its own database connection."""
from __future__ import annotations

import asyncio

from commands.reply import Attachment
from commands.adapter_state import open_database as open_db


def _build(db_path: str, attachment: Attachment) -> bytes:
    db = open_db(db_path)
    try:
        return attachment.materialize(db)
    finally:
        db.close()


async def file_content(settings, attachment: Attachment) -> bytes:
    """The attachment's bytes; big ones (built lazily) are built in a thread so the loop keeps answering."""
    if attachment.content is not None:
        return attachment.content
    return await asyncio.to_thread(_build, settings.db_path, attachment)
