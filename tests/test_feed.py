"""The calendar feed and the agenda page, served by the bot's own web server (the same one as Slack's HTTP
mode), driven the way people use them: a calendar client polling, a coordinator in Slack, a browser."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

from icalendar import Calendar

from bot.config import Settings
from storage import agenda as agenda_store
from storage import feeds as feed_store
from storage import groups as group_store
from tests.conftest import ROOT, process_env
from tests.slack_harness import free_port, wait_http

COORD = "U0COORD"


def get(url: str, headers: dict | None = None):
    """(status, headers, body) of a GET, 304 and 404 included."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def events(ics: bytes) -> dict:
    cal = Calendar.from_ical(ics)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def say(bot, text: str, user: str = COORD, channel: str = "C0CG"):
    head, _, rest = text.partition(" ")
    status, reply = bot.sender.command(head, rest, user=user, channel=channel)
    assert status == 200, reply
    return reply


def test_feed_moves_a_rescheduled_session_instead_of_duplicating_it(web_bot):
    status, headers, body = get(web_bot.page_url + "calendar.ics")
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(body)
    assert str(cal["REFRESH-INTERVAL"].to_ical(), "ascii") == "PT1H" and str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    before = events(body)
    assert set(before) == {"session-1-cg@convene"}
    assert before["session-1-cg@convene"]["DTSTART"].dt.isoformat() == "2010-06-25T10:00:00+02:00"
    seq = int(before["session-1-cg@convene"]["SEQUENCE"])

    reply = say(web_bot, "/convene reschedule #1 2010-06-28 15:00")
    assert "now takes place" in str(reply["blocks"])
    say(web_bot, "/convene deadline #1 2010-06-27 17:00")
    status, _, body = get(web_bot.page_url + "calendar.ics")
    after = events(body)
    assert set(after) == {"session-1-cg@convene", "deadline-1-cg@convene"}      # same UID, no duplicate
    moved = after["session-1-cg@convene"]
    assert int(moved["SEQUENCE"]) > seq
    assert moved["DTSTART"].dt.isoformat() == "2010-06-28T15:00:00+02:00"
    assert moved["DTEND"].dt.isoformat() == "2010-06-28T18:00:00+02:00"
    assert after["deadline-1-cg@convene"]["DTSTART"].dt.isoformat() == "2010-06-27T17:00:00+02:00"
    assert [str(a["ACTION"]) for a in moved.walk("VALARM")] == ["DISPLAY", "DISPLAY"]   # the group's 1d,1h


def test_polls_of_an_unchanged_feed_get_304_and_a_change_gets_200(web_bot):
    url = web_bot.page_url + "calendar.ics"
    status, headers, body = get(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"') and body
    assert get(url, {"If-None-Match": etag})[0] == 304
    status, headers304, body304 = get(url, {"If-None-Match": f'"other", W/{etag}'})
    assert (status, body304, headers304["ETag"]) == (304, b"", etag)
    assert get(url, {"If-Modified-Since": modified})[0] == 304
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200
    page_status, page_headers, _ = get(web_bot.page_url)
    assert get(web_bot.page_url, {"If-None-Match": page_headers["ETag"]})[0] == 304
    # A change made in another process (the CLI) is seen at the next poll.
    env = process_env(web_bot.settings.db_path)
    subprocess.run([sys.executable, "-m", "bot", "session", "move", "cg", "2099-06-01T10:00", "--session", "1"],
                   env=env, cwd=ROOT, check=True, capture_output=True, timeout=60)
    time.sleep(0.3)                     # other processes' commits are looked for every quarter of a second
    status, headers, body = get(url, {"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    assert events(body)["session-1-cg@convene"]["DTSTART"].dt.isoformat() == "2099-06-01T10:00:00+02:00"
    assert get(web_bot.page_url, {"If-None-Match": page_headers["ETag"]})[0] == 200


def test_feed_and_page_carry_the_agenda_never_inputs(web_bot):
    say(web_bot, "/convene iam Chile", user="U0ANA")
    say(web_bot, "/submit 2.6 MARKER-PUBLIC-INPUT our position", user="U0ANA")
    say(web_bot, "/submit 2.5 --coordinators MARKER-RESTRICTED-INPUT", user="U0ANA")
    _, _, ics = get(web_bot.page_url + "calendar.ics")
    _, _, page = get(web_bot.page_url)
    for body in (ics, page):
        assert b"MARKER-" not in body
    assert "Introductory remarks &amp; overview".encode() in page and b"2.6" in page


def test_rotate_replaces_the_link_and_the_old_one_stops_working(web_bot):
    old = web_bot.page_url
    refused = say(web_bot, "/convene feed rotate", user="U0ANA")
    assert "Only coordinators" in refused["text"] and get(old)[0] == 200
    reply = say(web_bot, "/convene feed rotate")
    new_token = feed_store.token_of(web_bot.check, web_bot.group.id)
    new = f"{web_bot.base}/groups/{new_token}/"
    assert new != old and new in str(reply["blocks"])
    status, headers, body = get(old)
    assert status == 404 and b"not valid" in body and headers["Referrer-Policy"] == "no-referrer"
    assert get(old + "calendar.ics")[0] == 404
    assert get(new)[0] == 200 and get(new + "calendar.ics")[0] == 200
    assert get(f"{web_bot.base}/groups/{'x' * 200}/")[0] == 404


def test_links_appear_only_where_the_room_chose_to_share_them(web_bot, fake_slack):
    link = f"<{web_bot.page_url}|Agenda page>"
    assert link not in str(say(web_bot, "/agenda", user="U0ANA")["blocks"])
    info = say(web_bot, "/convene feed")
    assert web_bot.page_url in str(info["blocks"]) and "webcal://" in str(info["blocks"])
    assert "Only coordinators" in say(web_bot, "/convene feed share on", user="U0ANA")["text"]
    say(web_bot, "/convene feed share on")
    blocks = str(say(web_bot, "/agenda", user="U0ANA")["blocks"])
    webcal = "webcal://" + web_bot.page_url.split("://", 1)[1] + "calendar.ics"
    assert link in blocks and f"<{webcal}|Subscribe to the calendar>" in blocks
    # Another room of the same group has not chosen to share: nothing linked there.
    group_store.bind_room(web_bot.check, web_bot.group.id, "slack:C0OTHER")
    assert web_bot.page_url not in str(say(web_bot, "/agenda", user="U0ANA", channel="C0OTHER")["blocks"])
    # The Home tab of a member links the page of a group that shares it.
    group_store.set_delegation(web_bot.check, web_bot.group.id, "slack:T0TEST:U0ANA", "Chile")
    status, _ = web_bot.sender.post(__import__("tests.fakes.slack_requests", fromlist=["event_body"]).event_body(
        {"type": "app_home_opened", "user": "U0ANA", "tab": "home", "channel": "D0ANA"}, event_id="EvHome1"),
        json_body=True)
    assert status == 200
    [published] = fake_slack.wait_for("views.publish", 1)
    assert link in str(published["view"])
    say(web_bot, "/convene feed share off")
    assert link not in str(say(web_bot, "/agenda", user="U0ANA")["blocks"])


def test_cli_feed_prints_the_page_and_calendar_urls(cli_env, tmp_path):
    from tests.test_cli import convene
    convene(cli_env, "group", "create", "cg", "--name", "CG", "--registration", "open")
    missing = convene(cli_env, "feed", "cg", check=False)
    assert missing.returncode == 1 and "CONVENE_PUBLIC_URL" in missing.stderr and "Traceback" not in missing.stderr
    env = dict(cli_env, CONVENE_PUBLIC_URL="https://convene.example.org/")
    page, calendar = convene(env, "feed", "cg").stdout.splitlines()
    assert page.startswith("https://convene.example.org/groups/") and page.endswith("/")
    assert calendar == page + "calendar.ics"
    rotated = convene(env, "feed", "cg", "--rotate").stdout.splitlines()
    assert rotated[0] != page and convene(env, "feed", "cg").stdout.splitlines() == rotated
    bad = convene(dict(cli_env, CONVENE_PUBLIC_URL="convene.example.org"), "feed", "cg", check=False)
    assert bad.returncode == 1 and "CONVENE_PUBLIC_URL must be" in bad.stderr


def test_console_only_bot_serves_the_page_when_a_public_url_is_set(cli_env):
    """`convene run` with no chat platform (the console) still serves pages and feeds on PORT."""
    port = free_port()
    env = dict(cli_env, CONVENE_PUBLIC_URL=f"http://127.0.0.1:{port}", PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=30)
        from tests.test_cli import convene
        page = convene(env, "feed", "demo").stdout.splitlines()[0]
        status, headers, body = get(page)
        assert status == 200 and "Demo Contact Group" in body.decode()
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        out, err = proc.communicate(input="agenda\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Special Session" in out and "Traceback" not in err


def test_page_follows_the_clock_and_the_cache_rebuilds_only_on_change(db, seeded, clock):
    """In-process: the same web server code, with the test clock; counts rebuilds."""
    from bot.runtime import web_server
    from tests.fakes.loop import BackgroundLoop
    port = free_port()
    settings = Settings(db_path=":memory:", port=port, public_url=f"http://127.0.0.1:{port}")
    server = web_server(settings, db, clock)
    session = agenda_store.sessions_of_group(db, seeded.id)[0]
    agenda_store.set_deadline(db, session.id, session.start - timedelta(days=1))
    loop = BackgroundLoop()
    loop.run(server.start())
    try:
        url = f"http://127.0.0.1:{port}/groups/{feed_store.token_of(db, seeded.id)}/"
        first = get(url)[2]
        assert b"the deadline has passed" not in first and b"Thu 24 Jun 2010 10:00" in first
        builds = server.feed.builds
        for _ in range(5):
            assert get(url)[2] == first
            get(url + "calendar.ics")
        assert server.feed.builds == builds + 1          # the calendar once; the page from the cache
        # Breaks are shown as breaks, with their times, in a multi-day programme of the same group.
        from commands.importers.apply import import_file
        from tests.conftest import FIXTURES
        from datetime import date
        import_file(db, seeded, str(FIXTURES / "intersessional_programme.txt"), default_date=date(2010, 1, 1))
        page = get(url)[2].decode()
        assert '<li class="item break">' in page and "Coffee break" in page and "Lunch" in page
        assert '<time datetime="2010-06-21T10:30:00+02:00">10:30</time>' in page
        clock.set(session.start - timedelta(hours=2))    # past the deadline: the page says so
        assert b"the deadline has passed" in get(url)[2]
        agenda_store.set_deadline(db, session.id, None)  # a change: both are rebuilt
        assert b"Written input due" not in get(url)[2]
        assert get(url.replace("/groups/", "/groups/x"))[0] == 404 and get(url + "nothing.txt")[0] == 404
    finally:
        loop.run(server.stop())
        loop.close()


def test_a_group_whose_data_cannot_be_rendered_gets_503_and_the_others_are_served(db, seeded, clock, caplog):
    import logging
    from bot.runtime import web_server
    from storage import groups as group_store
    from tests.fakes.loop import BackgroundLoop
    caplog.set_level(logging.WARNING)
    other = group_store.create_group(db, "other", "Other group", registration="open")
    port = free_port()
    server = web_server(Settings(db_path=":memory:", port=port, public_url=f"http://127.0.0.1:{port}"), db, clock)
    session = agenda_store.sessions_of_group(db, seeded.id)[0]
    db.execute("UPDATE sessions SET start = 'not a time' WHERE id = ?", [session.id])      # damaged by hand
    loop = BackgroundLoop()
    loop.run(server.start())
    try:
        broken = f"http://127.0.0.1:{port}/groups/{feed_store.token_of(db, seeded.id)}/"
        fine = f"http://127.0.0.1:{port}/groups/{feed_store.token_of(db, other.id)}/"
        for url in (broken, broken + "calendar.ics"):
            status, headers, body = get(url)
            assert status == 503 and b"needs a coordinator's attention" in body and headers["Retry-After"] == "300"
        assert get(fine)[0] == 200 and get(fine + "calendar.ics")[0] == 200
    finally:
        loop.run(server.stop())
        loop.close()
    assert not [r for r in caplog.records if r.exc_info]
