"""Readers for the documents a contact group works from. ``read_document`` picks one."""
from __future__ import annotations

import codecs
import gc
import os
import stat
from datetime import date

from commands.importers.model import DocumentError, ParsedDocument
from commands.importers.question_list import list_weight, looks_like_list, parse_question_list
from commands.importers.readings import Decider
from commands.importers.text_agenda import agenda_weight, looks_like_agenda, parse_text_agenda
from commands.importers.yaml_agenda import parse_yaml_agenda

MAX_DOCUMENT_BYTES = 5_000_000       # text, YAML, JSON
MAX_OFFICE_BYTES = 20_000_000        # PDF and Word (images and fonts make them larger)
MAX_LINES = 100_000                  # the longest programmes run to a few thousand lines

__all__ = ["DocumentError", "ParsedDocument", "read_document", "parse_document"]


def open_regular(path: str):
    """``path`` opened for reading if it is a regular file, or the reason it cannot be a document. Opened without
    blocking and checked on the open file: a pipe with no writer (a FIFO) or a device is refused, never waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DocumentError(f"there is no file at {path}")
    except IsADirectoryError:
        raise DocumentError(f"{path} is a folder, not a document")
    except PermissionError:
        raise DocumentError(f"I may not read {path} (permission denied)")
    except OSError as e:
        raise DocumentError(f"I cannot open {path} ({e.strerror or e})")
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise DocumentError(f"{path} is a folder, not a document")
        raise DocumentError(f"{path} is not a regular file (a pipe, a device or a socket): save the document as a "
                            "file and import that")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_path(path: str) -> bytes:
    """A document's bytes from the bot's machine, or the reason they cannot be read."""
    with open_regular(path) as fh:
        # Read at most one byte more than allowed (a file growing while it is read is still bounded).
        return fh.read(MAX_OFFICE_BYTES + 1)


def read_document(path: str, *, kind: str | None = None, default_date: date | None = None,
                  symbol: str | None = None, name: str | None = None,
                  fallback_date: date | None = None, today: date | None = None, reading: int = 1) -> ParsedDocument:
    data = read_path(path)
    return read_bytes(data, os.path.splitext(path)[1].lower(), kind=kind, default_date=default_date, symbol=symbol,
                      name=name, fallback_date=fallback_date, today=today, reading=reading)


def document_text(data: bytes, ext: str = "") -> str:
    """The text of a document's bytes: PDF and Word extracted (office.py), text decoded. Refuses what it cannot
    read with the reason."""
    from commands.importers import office
    if office.is_pdf(data):
        if len(data) > MAX_OFFICE_BYTES:
            raise DocumentError("the PDF is larger than 20 MB: agendas and papers are expected to be smaller")
        return office.pdf_text(data)
    if office.is_docx(data):
        if len(data) > MAX_OFFICE_BYTES:
            raise DocumentError("the Word file is larger than 20 MB: agendas and papers are expected to be smaller")
        return office.docx_text(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DocumentError("this is an old Word (.doc) file: save it as .docx or PDF and import that")
    if data[:2] == b"PK":
        raise DocumentError("this is a zip file, not a Word document (.docx) nor text")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError("the file is larger than 5 MB: agendas and papers are expected to be under 5 MB")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise DocumentError("the file says it is UTF-16 text but is not: save it as UTF-8")
    if b"\x00" in data[:4096]:
        raise DocumentError("this is a binary file, not a PDF, a Word document (.docx) nor text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise DocumentError("the file is not UTF-8 text: save it as UTF-8", line)


def read_bytes(data: bytes, ext: str = "", *, kind: str | None = None, default_date: date | None = None,
               symbol: str | None = None, name: str | None = None, fallback_date: date | None = None,
               today: date | None = None, reading: int = 1) -> ParsedDocument:
    """A document's bytes (a file, or one sent in chat) read: PDF, Word, text, YAML."""
    try:
        return _read_bytes(data, ext, kind=kind, default_date=default_date, symbol=symbol, name=name,
                           fallback_date=fallback_date, today=today, reading=reading)
    except DocumentError:
        raise
    except Exception as e:
        # A structure nested thousands deep (YAML, a PDF's page tree) is not an agenda; the readers recurse into it
        # (pdfplumber wraps the RecursionError in an exception of its own).
        cause: BaseException | None = e
        while cause is not None and not isinstance(cause, RecursionError):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        raise DocumentError("the document is nested too deeply to be read (thousands of levels): it is not an "
                            "agenda, a programme or a question list")


def _read_bytes(data: bytes, ext: str = "", *, kind: str | None = None, default_date: date | None = None,
                symbol: str | None = None, name: str | None = None, fallback_date: date | None = None,
                today: date | None = None, reading: int = 1) -> ParsedDocument:
    text = document_text(data, ext)
    if kind is None and ext in (".yaml", ".yml"):
        kind = "yaml"
    return parse_document(text, kind=kind, default_date=default_date, symbol=symbol, name=name,
                          fallback_date=fallback_date, today=today, reading=reading)


def parse_document(text: str, **options) -> ParsedDocument:
    """A document's text read as an agenda, a question list or the YAML format (``_parse``). The reader makes
    hundreds of thousands of small objects and no reference cycles worth collecting: the cycle collector is paused
    while it reads (it made a 5 MB programme take half as long again, growing with the size)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _parse(text, **options)
    finally:
        if paused:
            gc.enable()


def _parse(text: str, *, kind: str | None = None, default_date: date | None = None,
           symbol: str | None = None, name: str | None = None,
           fallback_date: date | None = None, today: date | None = None, reading: int = 1) -> ParsedDocument:
    """A document with text is never refused: where it could be an agenda or a question list, the more plausible
    reading is taken and the other offered (``reading``, see readings.py)."""
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise DocumentError(f"it has {lines:,} lines, where the longest programmes have a few thousand: it is not a "
                            "document I read")
    if kind == "yaml":
        return parse_yaml_agenda(text, default_date=default_date)
    decider = Decider(reading)

    def agenda():
        return parse_text_agenda(text, default_date=default_date, fallback_date=fallback_date, today=today,
                                 decider=decider)

    def question_list():
        if default_date is not None:
            raise DocumentError("--date applies to agendas; this document is a question list")
        doc = parse_question_list(text, symbol=symbol, name=name)
        doc.choices, doc.reading = decider.choices, decider.reading
        return doc
    if kind == "list":
        return question_list()
    if kind == "agenda":
        return agenda()
    if kind is not None:
        raise DocumentError(f"unknown document kind '{kind}': expected agenda, list or yaml")
    stripped = text.lstrip()
    if not stripped:
        raise DocumentError("the document is empty: expected an agenda or a question list", 1)
    if stripped.startswith(("title:", "sessions:", "lists:", "---")):
        return parse_yaml_agenda(text, default_date=default_date)
    is_agenda, is_list = looks_like_agenda(text), looks_like_list(text)
    if is_list and default_date is None:
        # Both readings are possible: the one that finds more of what it looks for is taken; the other is offered
        # when it found nearly as much.
        weights = {"list": list_weight(text), "agenda": agenda_weight(text) if is_agenda else 0}
        first = "list" if weights["list"] > weights["agenda"] or not is_agenda else "agenda"
        options = [("a question list", "list"), ("an agenda", "agenda")]
        if first == "agenda":
            options.reverse()
        if min(weights.values()) * 2 < max(weights.values()):
            options = options[:1]
        chosen = decider.decide("the kind of document", options)
        try:
            return question_list() if chosen == "list" else agenda()
        except DocumentError:
            return agenda() if chosen == "list" else question_list()
    return agenda()
