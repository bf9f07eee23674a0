"""Property-based tests (Hypothesis): whatever a person types or a document contains, the parsers answer with
their documented user error or a result, never anything else (no IndexError, no ValueError, no traceback)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from commands.text import timefmt
from commands.text.args import split_options, take_word
from commands.core import Request, UserError
from commands.dispatch import handle
from commands.text.durations import DurationError, parse_offsets
from commands.importers import DocumentError, parse_document
from tests.conftest import Bot

# derandomize: the same examples on every run (a deterministic suite); the seed still explores 150 per property.
FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
# Text that looks a little like what people type: refs, dates, times, options, quotes, and arbitrary Unicode.
PIECES = st.sampled_from(["2.6", "#1", "#999", "2010-06-25", "WP.15:f", "f", "--coordinators", "--date", "'", '"',
                          "10:00", "public", "ics", "@ana", "@room", "0", "99.99", ":", "\n", " ", "\u202e", "\x00"])
TYPED = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=8).map(" ".join)


@FAST
@given(TYPED)
def test_words_and_options_split_or_say_why(text):
    word, rest = take_word(text)
    assert word is None or word.strip() == word
    try:
        split_options(text, {"date": True, "flag": False})
    except UserError:
        pass


@FAST
@given(TYPED)
def test_durations_parse_or_say_why(text):
    try:
        offsets = parse_offsets(text)
    except DurationError:
        return
    assert all(o.days >= 0 and o.seconds >= 0 and (o.days or o.seconds) for o in offsets)


@FAST
@given(TYPED, st.sampled_from(["Europe/Zurich", "America/New_York", "UTC", "Asia/Kolkata"]))
def test_typed_times_parse_or_say_why(text, zone):
    try:
        moment = timefmt.parse_user_datetime(text, zone)
    except timefmt.TimeError:
        return
    assert moment.tzinfo is not None and timefmt.MIN_YEAR - 1 <= moment.year <= timefmt.MAX_YEAR + 1


@FAST
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30)),
       st.sampled_from(["Europe/Zurich", "America/New_York", "Australia/Lord_Howe"]))
def test_wall_clock_times_round_trip_or_are_refused_as_dst_gaps(naive, zone):
    naive = naive.replace(second=0, microsecond=0)
    text = naive.strftime("%Y-%m-%d %H:%M")
    try:
        moment = timefmt.parse_user_datetime(text, zone)
    except timefmt.TimeError as e:
        assert "does not exist" in str(e) or "happens twice" in str(e)
        return
    assert timefmt.to_local(moment, zone).replace(tzinfo=None) == naive


LINES = st.sampled_from([
    "Agenda", "Programme", "Friday 25 June 2010", "Monday, 21 June", "10:00 1. Opening", "09.15 - 12.15 Topic",
    "15h 30 - 17h 00 2. Item", "- A question?", "Introduced by the Chair", "Coffee break", "(a) first issue;",
    "(b) second issue.", "APLC/MSP.10/2010/WP.15", "12.", "", "title: T", "items:", "  - number: 1",
    "sessions: 5", "- 2 -", "Venue: Geneva", "13:00  6. Ends",
])
DOCS = st.lists(st.one_of(LINES, st.text(max_size=30)), max_size=30).map("\n".join)


@FAST
@given(DOCS, st.sampled_from([None, "agenda", "list", "yaml"]), st.sampled_from([None, date(2010, 6, 21)]))
@example("APLC/MSP.10/2010/WP.15", "agenda", None)       # only a running header: once a StopIteration
def test_importers_read_or_say_which_line(text, kind, default):
    try:
        doc = parse_document(text, kind=kind, default_date=default)
    except DocumentError as e:
        assert str(e)
        return
    for s in doc.sessions:
        assert s.end > s.start and s.title


@pytest.fixture(scope="module")
def core_bot(tmp_path_factory):
    from commands.importers.apply import import_file
    from storage import groups as group_store
    from storage import open_db
    from tests.conftest import SEED_AGENDA, SEED_PAPER, Clock
    db = open_db(tmp_path_factory.mktemp("props") / "p.db")
    g = group_store.create_group(db, "cg", "CG", registration="open")
    group_store.bind_room(db, g.id, "console:main")
    group_store.set_coordinator(db, g.id, "console:coord", True)
    group_store.set_delegation(db, g.id, "console:ana", "Chile")
    import_file(db, g, str(SEED_AGENDA))
    import_file(db, g, str(SEED_PAPER))
    yield Bot(db, Clock(datetime(2010, 6, 21, 9, 0, tzinfo=timezone.utc)))
    db.close()


READ_ONLY_COMMANDS = st.sampled_from(["agenda", "questions", "inputs question", "inputs history", "inputs mine",
                                      "help", "whoami", "upcoming", "inputs status", "session list", "frobnicate"])


@FAST
@given(READ_ONLY_COMMANDS, TYPED, st.sampled_from(["console:ana", "console:coord", "console:stranger"]))
def test_commands_answer_every_input_without_a_crash(core_bot, command, text, user):
    head, _, sub = command.partition(" ")
    reply = handle(core_bot.db, Request(platform="console", room="console:main", user=user, command=head,
                                        text=f"{sub} {text}".strip()), core_bot.clock)
    assert "Something went wrong on my side" not in reply.plain()
    reply.plain().encode("utf-8")
