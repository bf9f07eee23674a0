"""Reminder offsets: ``2d,1h,15m`` (pieces d, h, m, s; ``off`` for none). See DESIGN: Durations.

``d`` counts calendar days in the session's zone (1d before 10:00 is 10:00 the day before, across
a clock change); ``h``, ``m``, ``s`` are elapsed time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from commands.text import timefmt

_PIECE = re.compile(r"(\d+)([dhms])")
_WHOLE = re.compile(r"^(?:\d+[dhms])+$")
MAX_DAYS = 366


class DurationError(ValueError):
    pass


@dataclass(frozen=True)
class Offset:
    days: int
    seconds: int

    @property
    def text(self) -> str:
        out = f"{self.days}d" if self.days else ""
        s = self.seconds
        for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
            if s >= size:
                out += f"{s // size}{unit}"
                s %= size
        return out or "0s"

    @property
    def approx(self) -> timedelta:
        return timedelta(days=self.days, seconds=self.seconds)

    def before(self, event: datetime, tz: str) -> datetime:
        """The due time: ``days`` calendar days earlier in ``tz`` (wall clock), then ``seconds`` earlier."""
        moment = event
        if self.days:
            local = timefmt.to_local(event, tz).replace(tzinfo=None) - timedelta(days=self.days)
            moment = timefmt.localize_lenient(local, tz)
        return moment - timedelta(seconds=self.seconds)


def parse_offsets(text: str) -> list[Offset]:
    """``"2d,1h,15m"`` → offsets, longest first, duplicates dropped; ``"off"`` → []."""
    raw = (text or "").strip().lower()
    if raw in ("off", "none", "0"):
        return []
    if not raw:
        raise DurationError("Give the offsets, for example 2d,1h,15m (or off).")
    out: dict[str, Offset] = {}
    for part in (p.strip() for p in raw.replace(" ", ",").split(",")):
        if not part:
            continue
        if not _WHOLE.match(part):
            raise DurationError(f"'{part}' is not a duration: use pieces like 2d, 1h, 15m, 90s (or 1d12h).")
        days = seconds = 0
        for n, unit in _PIECE.findall(part):
            n = int(n)
            if unit == "d":
                days += n
            else:
                seconds += n * {"h": 3600, "m": 60, "s": 1}[unit]
        if days + seconds // 86400 > MAX_DAYS:
            raise DurationError(f"'{part}' is more than a year ahead; keep offsets under {MAX_DAYS} days.")
        if days == 0 and seconds == 0:
            raise DurationError("An offset of zero would remind at the moment itself; use at least 1m.")
        off = Offset(days, seconds)
        out[off.text] = off
    if not out:
        raise DurationError("Give the offsets, for example 2d,1h,15m (or off).")
    return sorted(out.values(), key=lambda o: o.approx, reverse=True)


def format_offsets(offsets: list[Offset]) -> str:
    return ",".join(o.text for o in offsets) or "off"
