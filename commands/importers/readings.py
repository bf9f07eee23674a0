"""Where a reader is unsure, it decides by the whole document and says so.

A reader meets a few questions a line cannot answer (which date is the meeting's, whether lettered lines are
sub-items or questions, whether the document is an agenda or a question list). It ranks the possible answers by
what the whole document says, takes the best, and records the decision as a ``Choice`` with the others. The
other answers are whole readings of their own, numbered from 2 in the order the choices were met: reading the
same document again with ``reading=N`` takes the N-th (one answer changed, every other decision as before), which
is what ``import apply ID reading N`` does.
"""
from __future__ import annotations

from typing import Any, Sequence

from commands.importers.model import Choice


class Decider:
    def __init__(self, reading: int = 1):
        self.reading = max(1, int(reading or 1))
        self.choices: list[Choice] = []
        self._next = 1          # the number the next alternative gets, less one

    def decide(self, what: str, options: Sequence[tuple[str, Any]], line: int | None = None) -> Any:
        """``options``: (description, value), the most plausible first. Returns the value this reading takes."""
        if not options:
            return None
        if len(options) == 1:
            return options[0][1]
        pick = 0
        for j in range(1, len(options)):
            self._next += 1
            if self._next == self.reading:
                pick = j
        self.choices.append(Choice(what, options[0][0], [o[0] for o in options[1:]], line))
        return options[pick][1]
