"""Files off the event loop: exports built in a worker thread with its own database connection, and the requests
that read a document (an import's preview, its apply) recognised so that the front ends run them there too."""
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


def reads_document(command: str, text: str, options: dict) -> bool:
    """A request that reads a document sent in chat (``import`` with the file, or ``import apply ID``, which reads the
    waiting bytes again): it takes seconds, in a worker process, so the front end runs it in a database thread."""
    if options.get("document") is not None:
        return True
    words = f"{command or ''} {text or ''}".lower().split()
    if words[:1] == ["convene"]:
        words = words[1:]
    return words[:1] == ["import"]
