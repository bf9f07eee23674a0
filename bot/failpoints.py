"""Crash points for tests of the crash guarantees: ``CONVENE_FAILPOINT=name:N`` makes the process die
(``os._exit``, as abruptly as SIGKILL: no cleanup, no flush) the Nth time it passes the point ``name``.
Unset in production, where ``hit`` costs one dictionary lookup."""
from __future__ import annotations

import os

_spec = os.environ.get("CONVENE_FAILPOINT", "")
_name, _, _count = _spec.partition(":")
_left = int(_count) if _count.isdigit() else 1
POINTS = ("matrix.gap_page",       # a page of a gap after downtime fetched, more to come, nothing committed
          "matrix.before_commit",  # a sync batch (gaps filled) about to be committed with its token
          "matrix.after_decide",   # an event handled and its answer recorded, not sent
          "matrix.after_send",     # an answer sent, not yet marked sent
          "outbox.before_send",    # an outbox message claimed for sending, not sent
          "outbox.after_claim")    # (floor) a call recorded and its posts queued, not yet delivered


def hit(name: str) -> None:
    global _left
    if name != _name:
        return
    _left -= 1
    if _left <= 0:
        os._exit(137)
