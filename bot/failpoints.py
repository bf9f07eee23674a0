"""Crash points for tests of the crash guarantees: ``CONVENE_FAILPOINT=name:N`` makes the process die
(``os._exit``, as abruptly as SIGKILL: no cleanup, no flush) the Nth time it passes the point ``name``.
Unset in production, where ``hit`` costs one dictionary lookup."""
from __future__ import annotations

import os

_spec = os.environ.get("CONVENE_FAILPOINT", "")
_name, _, _count = _spec.partition(":")
_left = int(_count) if _count.isdigit() else 1
POINTS = ("matrix.after_decide", "matrix.after_send", "outbox.before_send", "outbox.after_claim")


def hit(name: str) -> None:
    global _left
    if name != _name:
        return
    _left -= 1
    if _left <= 0:
        os._exit(137)
