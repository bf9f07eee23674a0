"""The order of speakers: who speaks next, decided here and nowhere else.

- **Category first.** States Parties, then observer States, then international organisations, then civil
  society (``CATEGORIES``, in that precedence; a delegation without a category counts as a State Party). The
  labels are the group's to rename; the precedence is not.
- **Within a category**, by the rule the Chair chose for the item:
  ``time`` (the default) — the order in which the requests arrived, as the database recorded them (request ids);
  ``lot`` — by lot, drawn once when the rule is chosen: a recorded seed gives every delegation its number
  (``lot_number``), so the draw can be re-done from the record and a delegation that asks later still gets its
  own place in the same draw;
  ``chair`` — the order the Chair set (positions; ``floor move``), which the Chair also sets across categories.
- **Rights of reply** come after every statement of the list, in the order they were asked; a delegation may
  ask at most ``MAX_REPLIES`` per item.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

CATEGORIES = ("party", "observer", "organisation", "civil")
DEFAULT_CATEGORY = "party"
DEFAULT_LABELS = {"party": "State Party", "observer": "Observer State", "organisation": "International organisation",
                  "civil": "Civil society"}
DEFAULT_LIMITS = {"party": 300, "observer": 180, "organisation": 180, "civil": 180}   # seconds
RULES = ("time", "lot", "chair")
MAX_REPLIES = 2
WARN_BEFORE = 30          # seconds before the end of a statement the speaker is told


@dataclass(frozen=True)
class Waiting:
    """A request waiting for the floor, as the rule needs it."""
    id: int                  # arrival order (the database's)
    key: str                 # the delegation's key
    kind: str                # speak | reply
    category: str
    position: float | None   # the Chair's order


def rank(category: str) -> int:
    return CATEGORIES.index(category) if category in CATEGORIES else 0


def draw_seed() -> str:
    """The seed of a draw by lot, kept with the list and in its record."""
    return secrets.token_hex(8)


def lot_number(seed: str, key: str) -> str:
    """A delegation's number in the draw ``seed``: the same seed and name give the same number, anywhere."""
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def order(waiting: list[Waiting], rule: str, seed: str | None = None) -> list[Waiting]:
    """The waiting requests in the order they will be called."""
    speak = [w for w in waiting if w.kind == "speak"]
    replies = sorted((w for w in waiting if w.kind == "reply"), key=lambda w: w.id)
    if rule == "chair":
        speak.sort(key=lambda w: (w.position if w.position is not None else float("inf"), w.id))
    elif rule == "lot" and seed:
        speak.sort(key=lambda w: (rank(w.category), lot_number(seed, w.key), w.id))
    else:
        speak.sort(key=lambda w: (rank(w.category), w.id))
    return speak + replies


def may_reply(taken: int) -> bool:
    return taken < MAX_REPLIES


def limit_of(category: str, settings: dict[str, tuple[str | None, int | None]]) -> int | None:
    """Seconds a statement of this category may last (None: no limit)."""
    limit = settings.get(category, (None, None))[1]
    if limit is None:
        limit = DEFAULT_LIMITS[category]
    return limit or None


def label_of(category: str, settings: dict[str, tuple[str | None, int | None]]) -> str:
    return settings.get(category, (None, None))[0] or DEFAULT_LABELS[category]


def timer_due(limit_seconds: int) -> dict[str, int]:
    """Seconds after the start of a statement when the speaker is told: 30 s left (when the limit is longer) and
    time up."""
    due = {"up": limit_seconds}
    if limit_seconds > WARN_BEFORE:
        due["warn"] = limit_seconds - WARN_BEFORE
    return due
