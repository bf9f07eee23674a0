"""In-process notifications from the core to the runtime (no platform code, no I/O).

``schedule_changed`` fires after anything that moves reminders (deadlines, reschedules, offsets,
imports), so the scheduler can re-derive its jobs at once rather than at its next periodic resync.
"""
from __future__ import annotations

from typing import Callable


class Signal:
    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def connect(self, fn: Callable[[], None]) -> None:
        self._listeners.append(fn)

    def disconnect(self, fn: Callable[[], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def fire(self) -> None:
        for fn in list(self._listeners):
            fn()


schedule_changed = Signal()
