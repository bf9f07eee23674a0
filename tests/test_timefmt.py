"""Times users type and read: zones, DST gaps and overlaps, city labels."""
from datetime import datetime, timedelta, timezone

import pytest

from commands.text import timefmt


def test_parse_wall_clock_in_session_zone():
    assert timefmt.parse_user_datetime("2026-12-01 17:00", "Europe/Zurich") == \
        datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
    assert timefmt.parse_user_datetime("2026-12-01T17:00 America/New_York", "Europe/Zurich") == \
        datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["2026-13-01 10:00", "tomorrow", "2026-12-01", "2026-12-01 10:00 Mars/X", ""])
def test_malformed_refused(text):
    with pytest.raises(timefmt.TimeError):
        timefmt.parse_user_datetime(text, "Europe/Zurich")


def test_dst_gap_and_overlap_refused_with_explanation():
    with pytest.raises(timefmt.TimeError, match="does not exist"):
        timefmt.parse_user_datetime("2026-03-29 02:30", "Europe/Zurich")
    with pytest.raises(timefmt.TimeError, match="twice"):
        timefmt.parse_user_datetime("2026-10-25 02:30", "Europe/Zurich")


def test_wall_clock_shift_across_dst_keeps_ten_oclock():
    before = timefmt.parse_user_datetime("2026-03-27 10:00", "Europe/Zurich")
    after = timefmt.shift_wall_clock(before, "Europe/Zurich", timedelta(days=3))
    assert timefmt.hm(after, "Europe/Zurich") == "10:00"
    assert after - before == timedelta(days=3, hours=-1)


def test_labels_name_the_city():
    assert timefmt.zone_label("Europe/Zurich") == "Geneva time"
    assert timefmt.zone_label("America/Argentina/Buenos_Aires") == "Buenos Aires time"
    assert timefmt.zone_label("UTC") == "UTC"


@pytest.mark.parametrize("text, local", [
    ("2026-12-10 5pm", "17:00"), ("2026-12-10 5:30pm", "17:30"), ("2026-12-10 5:30 PM", "17:30"),
    ("2026-12-10T9am", "09:00"), ("2026-12-10 9:15 a.m.", "09:15"), ("2026-12-10 12am", "00:00"),
    ("2026-12-10 12pm", "12:00"), ("2026-12-10 5 pm America/New_York", "17:00")])
def test_twelve_hour_times_are_read(text, local):
    zone = "America/New_York" if "New_York" in text else "Europe/Zurich"
    assert timefmt.hm(timefmt.parse_user_datetime(text, "Europe/Zurich"), zone) == local


@pytest.mark.parametrize("text, says", [("2026-12-10 13pm", "with am or pm the hour is 1 to 12"),
                                        ("2026-12-10 0am", "with am or pm the hour is 1 to 12"),
                                        ("2026-12-10 5", "not a date and time I can read")])
def test_times_that_are_not_times_are_refused_clearly(text, says):
    with pytest.raises(timefmt.TimeError, match=says):
        timefmt.parse_user_datetime(text, "Europe/Zurich")
