"""Replies of read-only commands are cached only while they cannot differ: same request, same data, same minute."""
from __future__ import annotations

import time
from datetime import timedelta

from bot import frontends
from commands.core import Request
from commands.dispatch import ReplyCache, handle_without_waiting
from storage import open_db


def ask(db, clock, cache, text="", user="console:ana", command="agenda"):
    req = Request(platform="console", room="console:main", user=user, command=command, text=text,
                  front_end=frontends.CONSOLE)
    return handle_without_waiting(db, req, clock, front_ends=frontends.ALL, cache=cache)


def test_same_request_same_data_same_minute_is_served_once(db, clock, seeded, db_path):
    cache = ReplyCache(db)
    first = ask(db, clock, cache)
    assert ask(db, clock, cache) is first and (cache.hits, cache.misses) == (1, 1)
    assert ask(db, clock, cache, user="console:bob") is not first          # per person
    assert ask(db, clock, cache, text="2") is not first                    # per request
    # This connection changes the data: the next answer is built afresh and shows the change.
    before = ask(db, clock, cache).plain()
    ask(db, clock, cache, command="reschedule", text="#1 2010-06-25 15:00", user="console:coord")
    after = ask(db, clock, cache).plain()
    assert "10:00–13:00" in before and "15:00–18:00" in after
    # Another process changes it (the CLI): seen within a quarter second.
    other = open_db(db_path)
    other.execute("UPDATE sessions SET title = 'Renamed session' WHERE id = 1")
    other.conn.commit()
    time.sleep(0.3)
    assert "Renamed session" in ask(db, clock, cache).plain()
    # A new minute: built afresh (replies say "now" and "past" by the minute).
    cached = ask(db, clock, cache)
    clock.set(clock() + timedelta(minutes=1))
    assert ask(db, clock, cache) is not cached


def test_commands_that_change_something_are_never_cached(db, clock, seeded):
    cache = ReplyCache(db)
    ask(db, clock, cache, command="iam", text="Chile")
    ask(db, clock, cache, command="submit", text="2.1 Our view")
    ask(db, clock, cache, command="submit", text="2.1 Our view")
    assert (cache.hits, cache.misses, cache.entries) == (0, 0, {})
