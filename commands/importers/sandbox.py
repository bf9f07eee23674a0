"""Reading a document someone sent in chat in a worker process, within a time and a memory budget.

A document from chat is untrusted: a 1 MB Word file can be a zip that expands to gigabytes, a PDF can hold 80
pages of dense vector graphics that take minutes to lay out. So the bytes are read (``read_bytes``) in a child
Python process that limits its own address space (``RLIMIT_AS``) and CPU time (``RLIMIT_CPU``) before it touches
them, and that the parent kills when the wall-clock budget runs out. The parent only waits on a pipe: run it in a
thread (the front ends run imports in a database thread) and no other request waits on a document.

The child answers with the parsed document (pickled: it is our own process, and the parent trusts only what it
started) or with the reason the document cannot be read.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from commands.importers.model import DocumentError, ParsedDocument

TIME_BUDGET = 20.0                  # seconds of wall-clock time for one document
MEMORY_BUDGET = 768 * 1024 * 1024   # bytes of address space for the worker (Python and pdfplumber take ~150 MB)
_ROOT = str(Path(__file__).resolve().parents[2])


def read_bytes_bounded(data: bytes, ext: str = "", *, time_budget: float | None = None,
                       memory_budget: int | None = None, **options) -> ParsedDocument:
    """``read_bytes(data, ext, **options)`` in a worker process; a document that needs more time or memory than
    the budget is refused with the reason (``DocumentError``), and the worker is gone."""
    budget = TIME_BUDGET if time_budget is None else time_budget
    memory = MEMORY_BUDGET if memory_budget is None else memory_budget
    payload = pickle.dumps((data, ext, options, memory, budget), protocol=pickle.HIGHEST_PROTOCOL)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_ROOT, env.get("PYTHONPATH")]))
    try:
        done = subprocess.run([sys.executable, "-m", "commands.importers.sandbox"], input=payload,
                              capture_output=True, timeout=budget, env=env, cwd=_ROOT)
    except subprocess.TimeoutExpired:
        raise DocumentError(f"reading it took longer than {budget:g} seconds, so I stopped: is it an agenda? A "
                            "programme of a few pages reads in a second")
    if done.returncode != 0 or not done.stdout:
        if b"MemoryError" in done.stderr:
            raise DocumentError(_TOO_BIG)
        raise DocumentError("reading it took more than the time or memory a document may take, so I stopped: is it "
                            "an agenda?")
    verdict = pickle.loads(done.stdout)
    if verdict[0] == "ok":
        return verdict[1]
    raise DocumentError(verdict[1], verdict[2])


_TOO_BIG = ("it needs more memory to read than any agenda does (a compressed file that expands enormously?), so I "
            "stopped")


def _out_of_memory(e: BaseException | None) -> bool:
    """The budget ran out somewhere below (libraries wrap a MemoryError in their own exceptions)."""
    seen = 0
    while e is not None and seen < 10:
        if isinstance(e, MemoryError):
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


def _limit(memory: int, seconds: float) -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _main() -> None:
    data, ext, options, memory, seconds = pickle.loads(sys.stdin.buffer.read())
    from commands.importers import read_bytes    # imported before the limit: the libraries are not the document
    from commands.importers import office  # noqa: F401
    import pdfplumber  # noqa: F401
    import docx  # noqa: F401
    _limit(memory, seconds)
    try:
        verdict = ("ok", read_bytes(data, ext, **options))
    except DocumentError as e:
        verdict = ("error", _TOO_BIG if _out_of_memory(e) else e.reason, e.line)
    except MemoryError:
        verdict = ("error", _TOO_BIG, None)
    except RecursionError:
        verdict = ("error", "it is nested too deeply to be a document I read", None)
    except Exception as e:      # a reader's own failure on strange input: said, never a traceback in chat
        verdict = ("error", _TOO_BIG if _out_of_memory(e) else f"it could not be read ({type(e).__name__})", None)
    out = pickle.dumps(verdict, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _main()
