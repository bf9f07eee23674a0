"""Wall-clock time at the edges: parsing what users type, refusing DST gaps and overlaps,
and the labels people read ("10:00 Geneva time")."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Europe/Zurich"
# IANA names one city per zone; where the city a contact group thinks of differs from it,
# say the one people use. Everything else gets the zone's own city.
CITY_OF_ZONE = {
    "Europe/Zurich": "Geneva",
    "America/New_York": "New York",
    "Asia/Kolkata": "New Delhi",
    "Asia/Shanghai": "Beijing",
}
# A time of day: 17:00, or with a meridiem 5pm, 5 pm, 5:30pm, 5:30 p.m.
TIME_OF_DAY = r"\d{1,2}:\d{2}(?:\s?[AaPp]\.?[Mm]\.?)?|\d{1,2}\s?[AaPp]\.?[Mm]\.?"
USER_DATETIME = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})(?:[ T](?P<time>" + TIME_OF_DAY + r"))?"
    r"(?:\s+(?P<zone>[A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)*))?\s*$")
_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s?(?:(?P<mer>[AaPp])\.?[Mm]\.?)?$")


def looks_like_time(word: str) -> bool:
    """A word that starts a time of day (``17:00``, ``5pm``, ``5``): after a date it makes a datetime, not a
    session selector."""
    return bool(re.match(r"^\d{1,2}(?::|[AaPp]\.?[Mm]|$)", word or ""))


def _clock_hm(text: str) -> str:
    """``17:00``, ``5pm``, ``5:30 p.m.`` → ``HH:MM`` (24 hours); a 12-hour time outside 1–12 is refused."""
    m = _CLOCK.match(text.strip())
    hour, minute = int(m.group("h")), m.group("m") or "00"
    if m.group("mer"):
        if not 1 <= hour <= 12:
            raise TimeError(f"'{text}' is not a time: with am or pm the hour is 1 to 12 (5pm, or 17:00)")
        hour = hour % 12 + (12 if m.group("mer").lower() == "p" else 0)
    return f"{hour:02d}:{minute}"


class TimeError(ValueError):
    """A time a user typed that cannot be used; the message says why, for people."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise TimeError(f"'{name}' is not a time zone I know: use an IANA name such as Europe/Zurich")


def known_zone(name: str) -> bool:
    try:
        zone(name)
        return True
    except TimeError:
        return False


def check_zone(name: str) -> str:
    zone(name)
    return name


def localize(naive: datetime, tz_name: str) -> datetime:
    """Attach the zone to a wall-clock time, refusing times that do not exist or exist twice."""
    tz = zone(tz_name)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
        when = naive.strftime("%Y-%m-%d %H:%M")
        if back != naive:
            raise TimeError(f"{when} does not exist in {tz_name}: the clocks skip that hour (summer time "
                            "starts). Pick a time outside the gap")
        raise TimeError(f"{when} happens twice in {tz_name}: the clocks go back that night. Pick a time "
                        "outside that hour")
    return first.astimezone(timezone.utc)


def localize_lenient(naive: datetime, tz_name: str) -> datetime:
    """Like ``localize`` but never refuses: in a gap the time moves forward by the gap, in an
    overlap the first occurrence is taken. For computed times (reminders), not typed ones."""
    tz = zone(tz_name)
    first = naive.replace(tzinfo=tz, fold=0)
    back = first.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    if back != naive:   # in a gap: fold=1 gives the instant after the jump
        return naive.replace(tzinfo=tz, fold=1).astimezone(timezone.utc)
    return first.astimezone(timezone.utc)


def relative(now: datetime, moment: datetime, tz_name: str) -> str:
    """'in 20 minutes', 'today at 15:00', 'tomorrow at 10:00', 'on Friday 25 June at 10:00' (zone's wall clock)."""
    delta = moment - now
    minutes = round(delta.total_seconds() / 60)      # to the nearest minute: the 1-hour reminder says "in 1 hour"
    if delta.total_seconds() < 0:
        return "now"
    if minutes < 1:
        return "in less than a minute"
    if minutes == 60:
        return "in 1 hour"
    if minutes < 90:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    local_now, local = to_local(now, tz_name), to_local(moment, tz_name)
    days = (local.date() - local_now.date()).days
    at = local.strftime("%H:%M")
    if days == 0:
        return f"today at {at}"
    if days == 1:
        return f"tomorrow at {at}"
    if days < 7:
        return f"on {local.strftime('%A')} at {at}"
    return f"on {local.strftime('%A')} {local.day} {local.strftime('%B')} at {at}"


def to_local(moment: datetime, tz_name: str) -> datetime:
    """``moment`` on the wall clock of ``tz_name``; a stored zone this machine does not know (a restored session's)
    is shown in UTC, and its label says so (``zone_label``), rather than failing every reading."""
    return moment.astimezone(zone(tz_name) if known_zone(tz_name) else timezone.utc)


def parse_user_datetime(text: str, default_tz: str, *, default_time: str | None = None) -> datetime:
    """``YYYY-MM-DD HH:MM`` or ``YYYY-MM-DDTHH:MM`` (or a 12-hour time: ``5pm``, ``5:30 pm``), optionally followed
    by an IANA zone. UTC out."""
    m = USER_DATETIME.match(text or "")
    if not m or (m.group("time") is None and default_time is None):
        raise TimeError(f"'{text}' is not a date and time I can read: write YYYY-MM-DD HH:MM "
                        "(for example 2026-12-01 17:00 or 2026-12-01 5pm), optionally followed by a zone such as "
                        "Europe/Zurich")
    tz_name = m.group("zone") or default_tz
    zone(tz_name)
    hm = _clock_hm(m.group("time")) if m.group("time") else default_time
    try:
        naive = datetime.strptime(f"{m.group('date')} {hm}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise TimeError(f"'{text}' is not a real date and time: check the month, day, hour and minute")
    check_year(naive)
    return localize(naive, tz_name)


MIN_YEAR, MAX_YEAR = 1970, 2999


def check_year(moment: datetime) -> datetime:
    """Times far outside any meeting's life (year 0, 9999) are refused: shifting them overflows the calendar."""
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise TimeError(f"the year {moment.year} is out of range: write a year between {MIN_YEAR} and {MAX_YEAR}")
    return moment


def parse_user_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise TimeError(f"'{text}' is not a date I can read: write YYYY-MM-DD, for example 2026-12-01")


def city(tz_name: str) -> str:
    if tz_name in CITY_OF_ZONE:
        return CITY_OF_ZONE[tz_name]
    if tz_name in ("UTC", "Etc/UTC"):
        return "UTC"
    return tz_name.rsplit("/", 1)[-1].replace("_", " ")


def zone_label(tz_name: str) -> str:
    if not known_zone(tz_name):
        return f"UTC (the zone '{tz_name}' is unknown here)"
    c = city(tz_name)
    return "UTC" if c == "UTC" else f"{c} time"


def hm(moment: datetime, tz_name: str) -> str:
    return to_local(moment, tz_name).strftime("%H:%M")


def long_date(moment: datetime, tz_name: str) -> str:
    local = to_local(moment, tz_name)
    return f"{local.strftime('%A')} {local.day} {local.strftime('%B %Y')}"


def short_datetime(moment: datetime, tz_name: str) -> str:
    local = to_local(moment, tz_name)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %Y %H:%M')}"


def iso_local(moment: datetime | None, tz_name: str) -> str | None:
    if moment is None:
        return None
    return to_local(moment, tz_name).isoformat(timespec="seconds")


def shift_wall_clock(moment: datetime, tz_name: str, delta: timedelta) -> datetime:
    """Move a UTC instant by a wall-clock amount in the zone (so 10:00 stays 10:00 across DST)."""
    local = to_local(moment, tz_name).replace(tzinfo=None)
    return localize(local + delta, tz_name)
