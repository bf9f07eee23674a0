"""Which question of a revised document is which question already stored: the plan a re-import follows.

A question has an identity (its row) that survives re-imports; ``2.1`` is only its label in the current
agenda. When a document is imported again, the questions it carries are matched to the stored ones by
their text (normalised: case, punctuation and spacing ignored) and, between equally similar texts, by
position. Each stored question then is:

- **unchanged** or **moved** (same text, same or other label): it keeps its inputs;
- **reworded**: similar text. A small rewording (similarity ≥ ``MINOR``) keeps the question and its inputs
  and records the old text; a substantial one is a different question — if it has inputs, applying the
  change needs an explicit confirmation, and the inputs stay with the old question, now withdrawn;
- **removed**: deleted when nobody answered it; withdrawn from the agenda, with its inputs, when somebody
  did (and that needs a confirmation);

and a question of the document that matched nothing is **added**. Questions are never re-attached to
different text silently: that was how a revised agenda moved a delegation's answer under another question.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

MATCH = 0.5    # below this, two texts are different questions
MINOR = 0.8    # from this up, a rewording is small: the question keeps its inputs without asking


@dataclass(frozen=True)
class Stored:
    id: int
    ref: str
    text: str
    inputs: int             # current inputs on it
    withdrawn: int = 0      # inputs its delegations withdrew (history: kept with the question like the others)

    @property
    def answered(self) -> bool:
        return self.inputs + self.withdrawn > 0


@dataclass(frozen=True)
class Incoming:
    ref: str
    text: str


@dataclass(frozen=True)
class Change:
    kind: str                  # unchanged | moved | reworded | added | removed | reinstated
    old: Stored | None
    new: Incoming | None
    similarity: float = 1.0

    @property
    def substantial(self) -> bool:
        return self.kind == "reworded" and self.similarity < MINOR

    @property
    def keeps_identity(self) -> bool:
        """The stored question carries on under the new text and label (with its inputs)."""
        return self.old is not None and self.new is not None and not self.substantial_with_inputs

    @property
    def substantial_with_inputs(self) -> bool:
        return self.substantial and self.old is not None and self.old.answered

    @property
    def needs_confirmation(self) -> bool:
        """Applying it would take answered text off the agenda."""
        if self.old is None or not self.old.answered:
            return False
        return self.kind == "removed" or self.substantial


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def similarity(a: str, b: str) -> float:
    a, b = normalise(a), normalise(b)
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def plan(stored: list[Stored], incoming: list[Incoming]) -> list[Change]:
    """Match stored questions to the document's, best pairs first; the changes in the document's order,
    then the removed ones in their old order."""
    pairs: list[tuple[float, float, int, int]] = []
    for i, old in enumerate(stored):
        for j, new in enumerate(incoming):
            sim = similarity(old.text, new.text)
            if sim >= MATCH:
                # Between equally similar texts, the same label, then the nearer position, wins.
                closeness = (1.0 if old.ref == new.ref else 0.0) - abs(i - j) / (len(stored) + len(incoming))
                pairs.append((sim, closeness, i, j))
    pairs.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))
    old_to_new: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    for sim, _, i, j in pairs:
        if i in old_to_new or j in taken:
            continue
        old_to_new[i] = (j, sim)
        taken.add(j)
    new_to_old = {j: (i, sim) for i, (j, sim) in old_to_new.items()}
    changes: list[Change] = []
    for j, new in enumerate(incoming):
        if j not in new_to_old:
            changes.append(Change("added", None, new, 0.0))
            continue
        i, sim = new_to_old[j]
        old = stored[i]
        if normalise(old.text) == normalise(new.text):
            kind = "unchanged" if old.ref == new.ref else "moved"
        else:
            kind = "reworded"
        changes.append(Change(kind, old, new, round(sim, 2)))
    changes.extend(Change("removed", old, None, 0.0) for i, old in enumerate(stored) if i not in old_to_new)
    return changes


def _differing(old: str, new: str, room: int = 70) -> tuple[str, str]:
    """Excerpts of two texts around where they differ (the same first words are elided with "…"), so a
    rewording shows the words that changed, not two identical beginnings."""
    a, b = " ".join(old.split()), " ".join(new.split())
    start = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = a.rfind(" ", 0, max(0, start - 20)) + 1 if start > 30 else 0

    def cut(text: str) -> str:
        piece = text[start:start + room]
        return ("…" if start else "") + piece + ("…" if start + room < len(text) else "")
    return cut(a), cut(b)


def reinstate(changes: list[Change], withdrawn: list[Stored]) -> list[Change]:
    """A question the document adds whose text is that of a question withdrawn before (a revision taken back) is
    that question again: it comes back with its inputs instead of starting empty beside its withdrawn twin."""
    by_text: dict[str, Stored] = {}
    for old in withdrawn:                       # the latest withdrawn wins for a text withdrawn twice
        by_text[normalise(old.text)] = old
    out = []
    for c in changes:
        old = by_text.pop(normalise(c.new.text), None) if c.kind == "added" else None
        out.append(Change("reinstated", old, c.new, 1.0) if old is not None else c)
    return out


def describe(change: Change, inputs_word) -> str:
    """One line of the plan, for people: ``reworded 1.2 → 1.1 (similarity 0.83, 1 input)``."""
    def q(text: str) -> str:
        text = " ".join(text.split())
        return f"“{text[:70]}…”" if len(text) > 71 else f"“{text}”"

    old, new = change.old, change.new
    n = ""
    if old:
        n = inputs_word(old.inputs) + (f", {old.withdrawn} withdrawn" if old.withdrawn else "")
    if change.kind == "added":
        return f"added {new.ref} {q(new.text)}"
    if change.kind == "removed":
        fate = ("withdrawn from the agenda; its inputs stay with it, listed under ‘Questions withdrawn from the "
                "agenda’" if old.answered else "deleted (nobody answered it)")
        return f"removed {old.ref} {q(old.text)} ({n}): {fate}"
    label = old.ref if old.ref == new.ref else f"{old.ref} → {new.ref}"
    if change.kind == "moved":
        return f"moved {label} {q(new.text)} ({n})"
    if change.kind == "reinstated":
        return f"reinstated {new.ref} {q(new.text)} ({n}): back on the agenda with its inputs"
    if change.kind == "reworded":
        if change.substantial_with_inputs:
            fate = "a different question: the old one is withdrawn with its inputs, the new one starts empty"
        elif change.substantial:
            fate = "substantially reworded"
        else:
            fate = "small rewording: keeps its inputs, the old text is kept in the history"
        before, after = _differing(old.text, new.text)
        return f"reworded {label} (similarity {change.similarity:.2f}, {n}): “{before}” → “{after}”; {fate}"
    return f"unchanged {label}"
