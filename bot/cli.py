"""The `convene` command (also `python -m bot`). Its commands and options are a contract that
operators and scripts rely on: extend, never rename."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sqlite3
import sys

from bot.config import ConfigError, Settings
from commands.text import timefmt
from commands.core import UserError, system_clock
from commands.importers import DocumentError
from commands.importers.apply import ChangesNeedConfirmation, import_file
from commands.rules.sessions import Purpose
from commands.text.words import count
from bot import frontends
from commands import operations as ops
from commands.adapter_state import DatabaseError as StorageError
from commands.adapter_state import open_database as open_db

log = logging.getLogger("convene")


class CliError(Exception):
    pass


class JsonFormatter(logging.Formatter):
    """CONVENE_LOG_FORMAT=json: one JSON object per line (time in UTC, level, logger, message, exception)."""

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import datetime, timezone
        out = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="convene", description="Convene: the paperwork of a contact group, in chat.")
    p.add_argument("--db", help="database file (default: $CONVENE_DB or ./convene.db)")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")

    sub.add_parser("run", help="start the bot: Slack and/or Matrix when configured, else the console demo")

    c = sub.add_parser("console", help="talk to the command core in the terminal")
    c.add_argument("--group", help="speak in this group (slug)")
    c.add_argument("--user", help="your name here; the speaker is console:NAME (default: $USER)")

    i = sub.add_parser("import", help="import an agenda, programme or question list into a group")
    i.add_argument("file")
    i.add_argument("--group", help="group slug (required except for a JSON group export, which restores its group; "
                                   "with --group it is restored under that slug)")
    i.add_argument("--date", help="YYYY-MM-DD: the first day, for a document that has none (or no year)")
    i.add_argument("--start", help="YYYY-MM-DDTHH:MM: move the session to start then (group's zone), "
                                   "shifting every item by the same amount")
    i.add_argument("--venue", help="where the session takes place")
    i.add_argument("--kind", choices=["agenda", "list", "yaml"], help="force the document kind")
    i.add_argument("--symbol", help="document symbol of a question list, when the text carries none")
    i.add_argument("--name", help="name of a question list (default: the heading above it)")
    i.add_argument("--dry-run", action="store_true",
                   help="show what the import would create or change (sessions, items, questions, lists, lines "
                        "not used, changes to stored questions) and change nothing")
    i.add_argument("--accept-changes", action="store_true",
                   help="apply changes that take answered questions off the agenda or reword them substantially "
                        "(their inputs stay with the withdrawn question)")
    i.add_argument("--session", type=_record_id, help="the stored session (id) this document updates, when it is not "
                                               "recognised by its title, date or symbol")

    e = sub.add_parser("export", help="export a group")
    e.add_argument("slug")
    e.add_argument("--format", required=True, choices=["docx", "md", "csv", "json", "ics", "yaml"])
    e.add_argument("--edition", choices=["public", "full"], default=None,
                   help="docx/md/csv: public (their default: without coordinators-only inputs, fit to forward) or "
                        "full (with them, marked restricted on every page); json: full (its default: a backup) or "
                        "public (without coordinators-only inputs)")
    e.add_argument("--paper", choices=["a4", "letter"], default="a4", help="docx: page size (default A4)")
    e.add_argument("--session", type=_record_id, help="session id for docx/md/csv/ics (default: the session open for input; "
                                               "ics: every session)")
    b = sub.add_parser("backup", help="copy the database to FILE (safe while the bot runs)")
    b.add_argument("file")
    r = sub.add_parser("restore", help="replace the database with a backup FILE (the bot must be stopped)")
    r.add_argument("file")
    e.add_argument("-o", "--output", required=True, help="file to write ('-' for standard output)")

    g = sub.add_parser("group", help="create and configure groups").add_subparsers(dest="gcmd", metavar="ACTION")
    gc = g.add_parser("create", help="create a group")
    gc.add_argument("slug")
    gc.add_argument("--name", required=True)
    gc.add_argument("--tz", default=None, help="IANA time zone (default: CONVENE_TIMEZONE, else Europe/Zurich)")
    gc.add_argument("--registration", choices=list(ops.REGISTRATION_MODES), default=None,
                    help="how people join delegations (default approval: a coordinator approves each registration)")
    gb = g.add_parser("bind", help="bind a room (slack:C…, matrix:!room:server, console:NAME) to a group")
    gb.add_argument("slug")
    gb.add_argument("room")
    gu = g.add_parser("unbind", help="a room is no longer the group's (the group and its inputs stay)")
    gu.add_argument("slug")
    gu.add_argument("room")
    gco = g.add_parser("coordinator", help="make a user (slack:U…, matrix:@a:server, console:NAME) a coordinator")
    gco.add_argument("slug")
    gco.add_argument("user")
    g.add_parser("list", help="list groups")
    gr = g.add_parser("reminders", help="when reminders go out: session|deadline OFFSETS (2d,1h,15m or off), or "
                                        "where the status before deadlines goes: status coordinators|room|off; "
                                        "alone: the current settings")
    gr.add_argument("slug")
    gr.add_argument("which", nargs="?", choices=["session", "deadline", "status"])
    gr.add_argument("offsets", nargs="?", help="comma-separated durations in d, h, m, s (d = calendar days), or off; "
                                               "for status: coordinators, room or off")
    grn = g.add_parser("rename", help="a new name for the group (its slug stays)")
    grn.add_argument("slug")
    grn.add_argument("name")
    gtz = g.add_parser("timezone", help="the zone of sessions imported from now on (IANA name)")
    gtz.add_argument("slug")
    gtz.add_argument("zone")
    greg = g.add_parser("registration", help="how people join delegations: approval, open or locked (alone: show)")
    greg.add_argument("slug")
    greg.add_argument("mode", nargs="?", choices=list(ops.REGISTRATION_MODES))
    grm = g.add_parser("member", help="remove a member (USER: slack:T…:U…, matrix:@a:server, console:NAME); their "
                                      "delegation's inputs stay")
    grm.add_argument("slug")
    grm.add_argument("action", choices=["remove"])
    grm.add_argument("user")
    gau = g.add_parser("audit", help="who changed the group's set-up, what and when (newest first)")
    gau.add_argument("slug")
    gro = g.add_parser("roster", help="the group's delegations and their other names (alone: list them)")
    gro.add_argument("slug")
    gro.add_argument("--add", action="append", default=[], metavar="'NAME; ALIAS; …'",
                     help="add a delegation with its aliases (or aliases to one there); repeatable")
    gro.add_argument("--file", help="a text file with one delegation per line: NAME; ALIAS; …")

    lp = sub.add_parser("list", help="question lists: close, open or remove one")
    lp.add_argument("action", choices=["close", "open", "remove"])
    lp.add_argument("slug")
    lp.add_argument("list", help="the list's short name or document symbol (WP.15)")
    lp.add_argument("--confirm", action="store_true", help="remove: also when it has inputs (they are deleted; "
                                                           "a backup of the database is written first)")

    f = sub.add_parser("feed", help="print a group's agenda page and calendar feed URLs, one per line")
    f.add_argument("slug")
    f.add_argument("--rotate", action="store_true", help="make a new secret link first (the old one stops working)")

    d = sub.add_parser("deadline", help="a question list's deadline: its own (DATETIME in the group's zone), "
                                        "a session's (#ID: the list belongs to that session), or off")
    d.add_argument("list", help="the list's short name or document symbol (WP.15)")
    d.add_argument("when", nargs="+", help="YYYY-MM-DDTHH:MM (or YYYY-MM-DD HH:MM), #ID, or off")
    d.add_argument("--group", help="group slug (needed when several groups have such a list)")

    s = sub.add_parser("session", help="sessions").add_subparsers(dest="scmd", metavar="ACTION")
    srn = s.add_parser("rename", help="a new title for a session (the same session: inputs and reminders stay)")
    srn.add_argument("slug")
    srn.add_argument("title")
    srn.add_argument("--session", type=_record_id, required=True, help="session id (see convene session list)")
    sl = s.add_parser("list", help="list the sessions of a group")
    sl.add_argument("slug")
    sd = s.add_parser("deadline", help="set the input deadline (default: the next session open for input)")
    sd.add_argument("slug")
    sd.add_argument("datetime", nargs="+", help="YYYY-MM-DDTHH:MM or 'YYYY-MM-DD HH:MM' [ZONE] in the session's "
                                                "zone, or off")
    sd.add_argument("--session", type=_record_id, help="session id (see convene session list)")
    sd.add_argument("--confirm", action="store_true", help="set a deadline after the session's end on purpose")
    sr = s.add_parser("remove", help="remove a session and its agenda (a backup of the database is written first)")
    sr.add_argument("slug")
    sr.add_argument("--session", type=_record_id, required=True, help="session id (see convene session list)")
    sr.add_argument("--confirm", action="store_true", help="also when it has inputs: they are deleted")
    sdt = s.add_parser("date", help="put a session on another day, its items at the same times: "
                                    "[SESSION] YYYY-MM-DD (as in chat: session date)")
    sdt.add_argument("slug")
    sdt.add_argument("words", nargs=argparse.REMAINDER, help="[SESSION] YYYY-MM-DD (SESSION: a date, or --session ID)")
    for name, actions, usage in (
            ("item", ("edit", "add", "remove", "move"), "correct an item of an agenda, as in chat (item edit SLUG "
                                                        "[SESSION] ITEM title TEXT, item add SLUG [after ITEM] TITLE …)"),
            ("question", ("add", "edit", "remove"), "correct a discussion question, as in chat (question edit SLUG "
                                                    "REF TEXT …)")):
        ip = sub.add_parser(name, help=usage)
        ip.add_argument("action", choices=actions)
        ip.add_argument("slug")
        ip.add_argument("words", nargs=argparse.REMAINDER,
                        help="the rest of the chat command; --session ID names a session (a shell reads #ID as a "
                             "comment)")
    sm = s.add_parser("move", help="reschedule a session, shifting its items (default: the next session)")
    sm.add_argument("slug")
    sm.add_argument("datetime", nargs="+", help="new start: YYYY-MM-DDTHH:MM [ZONE], in the session's zone")
    sm.add_argument("--session", type=_record_id, help="session id (see convene session list)")
    sm.add_argument("--confirm", action="store_true", help="move the session to end before its deadline on purpose")
    return p


def _record_id(value: str) -> int:
    """argparse: a session number (a huge one is refused here, not deep in SQLite)."""
    from commands.text.args import record_number
    number = record_number(value)
    if number is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a session number (see convene session list)")
    return number


def _group(db, slug: str):
    return ops.find_group(db, slug)


def _user(value: str, db) -> str:
    """A person's full address, as a front end writes it (and completes it: a Slack id gets its workspace)."""
    if not frontends.ALL.is_user_address(value):
        raise CliError(f"'{value}' is not a user: write slack:U0123, matrix:@alice:server or console:ana")
    return frontends.complete_user(db, value)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.cmd:
        _parser().print_help()
        return 2
    try:
        settings = Settings.from_env()
    except ConfigError as e:
        print(f"convene: configuration error: {e}", file=sys.stderr)
        return 1
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    # APScheduler says "Running job …" and "… executed successfully" at INFO for every run (twice a second with the
    # outbox and lease jobs): at INFO the log keeps only its warnings. CONVENE_LOG_LEVEL=DEBUG shows them again.
    logging.getLogger("apscheduler").setLevel(max(logging.getLogger().level, logging.WARNING)
                                              if logging.getLogger().level > logging.DEBUG else logging.DEBUG)
    db_path = args.db or settings.db_path
    try:
        db = open_db(db_path)
    except Exception as e:  # a broken or unwritable database file
        print(f"convene: cannot open the database {db_path}: {e}", file=sys.stderr)
        return 1
    try:
        return _dispatch(args, db, settings) or 0
    except (CliError, DocumentError, StorageError, timefmt.TimeError) as e:
        where = f"{args.file}: " if getattr(args, "file", None) and isinstance(e, DocumentError) else ""
        print(f"convene: {where}{' '.join(str(e).split())}", file=sys.stderr)
        return 1
    except UserError as e:
        print(f"convene: {' '.join(e.message.split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours; stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # a bug: one line for the person, the details in the log at DEBUG
        log.debug("unexpected error", exc_info=True)
        print(f"convene: unexpected error ({type(e).__name__}: {' '.join(str(e).split())[:300]}); nothing more was "
              "done. Run with CONVENE_LOG_LEVEL=DEBUG for details, and please report it.", file=sys.stderr)
        return 1


def _dispatch(args, db, settings) -> int:
    if args.cmd == "list":
        return _list_cmd(args, db, settings)
    if args.cmd == "deadline":
        return _list_deadline_cmd(args, db)
    if args.cmd == "group":
        return _group_cmd(args, db, settings)
    if args.cmd in ("item", "question") or args.cmd == "session" and args.scmd == "date":
        return _edit_cmd(args, db)
    if args.cmd == "session":
        if args.scmd in ("deadline", "move"):
            return _session_change(args, db)
        if args.scmd == "rename":
            group = _group(db, args.slug)
            session = ops.rename_session(db, group, ops.session_by_id(db, group, args.session), args.title, "cli",
                                         system_clock())
            print(f"#{session.id}: now called {session.title}")
            return 0
        if args.scmd == "remove":
            group = _group(db, args.slug)
            session = ops.session_by_id(db, group, args.session)
            saved: list[str] = []
            ops.remove_session(db, group, session, "confirm" if args.confirm else "", "cli", system_clock(),
                               before=lambda: saved.append(_backup_first(db, args, settings, "session-remove")))
            print(f"removed session #{session.id} {session.title} (the database before it: {saved[0]})")
            return 0
        if args.scmd != "list":
            raise CliError("usage: convene session list|deadline|move SLUG …")
        group = _group(db, args.slug)
        for s in ops.sessions(db, group):
            print(f"#{s.id}\t{timefmt.iso_local(s.start, s.timezone)}\t{timefmt.iso_local(s.end, s.timezone)}\t"
                  f"{s.title}")
        return 0
    if args.cmd == "import":
        return _import_cmd(args, db)
    if args.cmd == "export":
        return _export_cmd(args, db)
    if args.cmd == "console":
        return _console_cmd(args, db, settings)
    if args.cmd == "feed":
        return _feed_cmd(args, db, settings)
    if args.cmd == "backup":
        if os.path.abspath(args.file) == os.path.abspath(settings.db_path if not args.db else args.db):
            raise CliError("the backup file must not be the database itself")
        try:
            pages = ops.backup(db, args.file)
        except (OSError, sqlite3.Error) as e:
            raise CliError(f"cannot write the backup to {args.file}: {e}")
        print(f"backed up to {args.file} ({pages:,} pages)", file=sys.stderr)
        return 0
    if args.cmd == "restore":
        return _restore_cmd(args, db, settings)
    if args.cmd == "run":
        from bot.runtime import StartupError, run
        try:
            return run(settings, db, clock=clock_for(settings))
        except StartupError as e:
            raise CliError(f"cannot start: {e}")
    raise CliError(f"unknown command {args.cmd}")


def _backup_first(db, args, settings, what: str) -> str:
    """A destructive command keeps the database as it was, beside it, first."""
    path = args.db or settings.db_path
    target = f"{path}.before-{what}-{system_clock().strftime('%Y%m%dT%H%M%SZ')}"
    ops.backup(db, target)
    return target


def _group_cmd(args, db, settings) -> int:
    if args.gcmd == "create":
        group = ops.create_group(db, args.slug, args.name, args.tz or settings.default_timezone,
                                 registration=args.registration)
        print(f"created group {group.slug}: {group.name} ({group.timezone}); registration {group.registration}")
    elif args.gcmd == "bind":
        group = _group(db, args.slug)
        ops.bind_room(db, group, args.room, frontends.ALL)
        print(f"bound {args.room} to {group.slug}")
    elif args.gcmd == "unbind":
        group = _group(db, args.slug)
        ops.unbind_room(db, group, args.room, "cli", system_clock())
        print(f"{args.room} is no longer a room of {group.slug}")
    elif args.gcmd == "coordinator":
        group = _group(db, args.slug)
        ops.make_coordinator(db, group, _user(args.user, db))
        print(f"{args.user} is a coordinator of {group.slug}")
    elif args.gcmd == "reminders" and args.which is None:
        group = _group(db, args.slug)
        print(f"{group.slug}: reminders before sessions: {group.session_offsets or 'off'}")
        print(f"{group.slug}: reminders before deadlines: {group.deadline_offsets or 'off'}")
        print(f"{group.slug}: the status before deadlines goes to: {group.status_posts}")
    elif args.gcmd == "reminders":
        if args.offsets is None:
            raise CliError(f"give the {'place' if args.which == 'status' else 'offsets'}: convene group reminders "
                           f"{args.slug} {args.which} " + ("coordinators|room|off" if args.which == "status"
                                                          else "2d,1h (or off)"))
        group = _group(db, args.slug)
        value = ops.set_reminders(db, group, args.which, args.offsets)
        if args.which == "status":
            print(f"{group.slug}: the status before deadlines goes to: {value}")
            return 0
        print(f"{group.slug}: reminders before {'sessions' if args.which == 'session' else 'deadlines'}: {value}")
    elif args.gcmd == "rename":
        group = ops.rename_group(db, _group(db, args.slug), args.name, "cli", system_clock())
        print(f"{group.slug}: now called {group.name}")
    elif args.gcmd == "timezone":
        group = ops.set_group_timezone(db, _group(db, args.slug), args.zone, "cli", system_clock())
        print(f"{group.slug}: sessions imported from now on are in {group.timezone}")
    elif args.gcmd == "registration":
        group = _group(db, args.slug)
        if args.mode:
            group = ops.set_registration(db, group, args.mode, "cli", system_clock())
        print(f"{group.slug}: registration {group.registration}")
    elif args.gcmd == "member":
        group = _group(db, args.slug)
        user = _user(args.user, db)
        ops.remove_member(db, group, user, "cli", system_clock())
        print(f"{user} is no longer a member of {group.slug} (their delegation's inputs stay)")
    elif args.gcmd == "audit":
        group = _group(db, args.slug)
        for e in ops.audit_entries(db, group):
            print(f"{timefmt.iso_local(e.at, group.timezone)}\t{e.actor}\t{e.action}\t{e.detail}")
    elif args.gcmd == "roster":
        return _roster_cmd(args, db)
    elif args.gcmd == "list":
        for g, rooms in ops.all_groups(db):
            print(f"{g.slug}\t{g.name}\t{g.timezone}\t{', '.join(rooms)}")
    else:
        raise CliError("usage: convene group create|bind|unbind|coordinator|list|reminders|rename|timezone|registration|"
                       "member|audit|roster …")
    return 0


def _roster_cmd(args, db) -> int:
    from commands.families.roster import add_to_roster, roster_entries
    group = _group(db, args.slug)
    lines = list(args.add)
    if args.file:
        try:
            with open(args.file, encoding="utf-8-sig") as fh:
                lines += [ln.strip() for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
        except OSError as e:
            raise CliError(f"cannot read {args.file}: {e.strerror}")
        except UnicodeDecodeError:
            raise CliError(f"{args.file} is not UTF-8 text")
    for n, text in enumerate(lines, start=1):
        try:
            added, aliased = add_to_roster(db, group, text, "cli", system_clock())
        except UserError as e:
            where = f"{args.file}: line {n}: " if args.file else ""
            raise CliError(f"{where}{e.message} (the lines before it were added)")
        if added or aliased:
            print(f"added: {', '.join(added + aliased)}")
    if not lines:
        for entry in roster_entries(db, group):
            print("\t".join([entry.name, *entry.aliases]))
    return 0


def _list_cmd(args, db, settings) -> int:
    group = _group(db, args.slug)
    if args.action == "remove":
        saved: list[str] = []
        lst = ops.remove_list(db, group, f"{args.list}{' confirm' if args.confirm else ''}", "cli", system_clock(),
                              before=lambda: saved.append(_backup_first(db, args, settings, "list-remove")))
        print(f"removed question list {lst.short} ({lst.symbol}) (the database before it: {saved[0]})")
        return 0
    lst = ops.set_list_open(db, group, args.list, args.action == "open", "cli", system_clock())
    print(f"{group.slug} {lst.short}: {'open for input' if args.action == 'open' else 'closed for input'}")
    return 0


def _pick_session(db, group, session_id: int | None, purpose: Purpose, *, latest: bool = False):
    return ops.pick_session(db, group, session_id, purpose, system_clock(), latest=latest)


def _session_change(args, db) -> int:
    group = _group(db, args.slug)
    text = " ".join(args.datetime) + (" confirm" if args.confirm else "")
    session = _pick_session(db, group, args.session, Purpose.INPUT if args.scmd == "deadline" else Purpose.READ)
    if args.scmd == "deadline":
        changed = ops.change_deadline(db, session, text, system_clock())
        s = changed.session
        if s.deadline is None:
            print(f"#{s.id} {s.title}: no input deadline")
        else:
            print(f"#{s.id} {s.title}: written input due {timefmt.iso_local(s.deadline, s.timezone)}")
        if changed.marks:
            print(changed.marks.sentence())
        return 0
    s = ops.reschedule(db, session, text, system_clock())
    print(f"#{s.id} {s.title}: moved to {timefmt.iso_local(s.start, s.timezone)} – "
          f"{timefmt.iso_local(s.end, s.timezone)}")
    return 0


def _list_deadline_cmd(args, db) -> int:
    from commands.rules.submitted import due_for
    if args.group:
        group = _group(db, args.group)
    else:
        having = ops.groups_with_list(db, args.list)
        if len(having) != 1:
            raise CliError(f"no group has a question list {args.list}" if not having else
                           f"{len(having)} groups have a list {args.list} "
                           f"({', '.join(g.slug for g in having)}): say which with --group SLUG")
        group = having[0]
    when = " ".join(args.when).replace("T", " ", 1) if args.when[0][:1].isdigit() else " ".join(args.when)
    changed = ops.change_list_deadline(db, group, args.list, when, "cli", system_clock())
    lst = changed.qlist
    due = due_for(db, qlist=lst, group_timezone=group.timezone)
    where = f" (belongs to session #{lst.session_id})" if lst.session_id else ""
    print(f"{group.slug} {lst.short}: " + (f"due {timefmt.iso_local(due.deadline, due.timezone)}{where}" if due
                                           else f"no deadline{where}"))
    if changed.marks:
        print(changed.marks.sentence())
    return 0


def _import_cmd(args, db) -> int:
    if args.file.lower().endswith(".json"):
        from commands.exports.json_restore import restore_group
        from commands.importers import open_regular
        try:
            with open_regular(args.file) as fh:
                raw = fh.read()
        except OSError as e:
            raise CliError(f"cannot read {args.file}: {e.strerror}")
        group, counts = restore_group(db, raw, slug=args.group)
        print(f"restored group {group.slug}: {group.name} — {count(counts['sessions'], 'session')}, "
              f"{count(counts['lists'], 'list')}, {count(counts['members'], 'member')}, "
              f"{count(counts['inputs'], 'input')}, {count(counts['rooms'], 'room')}"
              + (f"; {count(counts['rooms_skipped'], 'room')} already bound to another group were not bound"
                 if counts["rooms_skipped"] else ""))
        return 0
    if not args.group:
        raise CliError("--group SLUG is required: which group is this document for?")
    group = _group(db, args.group)
    day = timefmt.parse_user_date(args.date) if args.date else None
    try:
        result = import_file(db, group, args.file, default_date=day, start=args.start, venue=args.venue,
                             kind=args.kind, symbol=args.symbol, name=args.name, dry_run=args.dry_run,
                             accept_changes=args.accept_changes, session_id=args.session)
    except ChangesNeedConfirmation as e:
        for ln in e.plan.change_lines():
            print(ln)
        raise CliError(f"{args.file}: nothing was changed. {len(e.plan.confirmations)} of these changes take "
                       "answered questions off the agenda (their inputs would stay with the withdrawn question). "
                       "Check them with --dry-run, then run again with --accept-changes to apply them.")
    for ln in result.summary_lines(db):
        print(ln)
    return 0


def _export_cmd(args, db) -> int:
    from commands.exports import render
    group = _group(db, args.slug)
    session = None
    if args.session is not None or args.format in ("docx", "md", "csv"):
        if args.session is None and not ops.sessions(db, group):
            session = None
        else:
            session = _pick_session(db, group, args.session, Purpose.COMPILE, latest=True)
    if args.format == "json" and args.session is not None:
        raise CliError("the JSON export always carries the whole group; --session is for docx, md, csv and ics")
    data = render(db, group, args.format, session, system_clock(), edition=args.edition,
                  paper=args.paper).content
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        tmp = args.output + ".tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, args.output)
        except OSError as e:
            raise CliError(f"cannot write {args.output}: {e.strerror or e}")
        print(f"wrote {args.output} ({len(data):,} bytes)", file=sys.stderr)
    return 0


def _restore_cmd(args, db, settings) -> int:
    """Refuses while a bot runs on this database (its scheduler lease is live); keeps a copy of what it replaces."""
    path = args.db or settings.db_path
    from bot.adapters.slack.installations import create_tables as slack_tables
    pages, safety = ops.restore(db, args.file, path, system_clock(), extra_schema=slack_tables)
    print(f"restored {args.file} into {path} ({pages:,} pages); the previous database was saved as {safety}",
          file=sys.stderr)
    return 0


def _feed_cmd(args, db, settings) -> int:
    from commands.families.feed import links_for
    group = _group(db, args.slug)
    if not settings.public_url:
        raise CliError("CONVENE_PUBLIC_URL is not set: the links are built on the bot's public address "
                       "(for example CONVENE_PUBLIC_URL=https://convene.example.org)")
    if args.rotate:
        ops.rotate_feed(db, group)
    links = links_for(db, settings, group)
    print(links.page)
    print(links.calendar)
    return 0


def _edit_cmd(args, db) -> int:
    """``convene item|question ACTION SLUG …`` and ``convene session date SLUG …``: the chat command of the same
    words, run by the core's own handler for the group, as its operator (audited as "cli")."""
    from commands.families.items import run_as_operator
    group = _group(db, args.slug)
    words = list(args.words)
    if "--session" in words:
        at = words.index("--session")
        if at + 1 >= len(words) or _record_id(words[at + 1]) is None:
            raise CliError("--session takes a session id (see convene session list SLUG)")
        words[at:at + 2] = [f"#{_record_id(words[at + 1])}"]
    name = "session date" if args.cmd == "session" else f"{args.cmd} {args.action}"
    print(run_as_operator(db, group, name, " ".join(words), system_clock(), frontends.ALL).plain())
    return 0


def console_identity(args) -> str:
    name = args.user or os.environ.get("USER") or getpass.getuser() or "me"
    return f"console:{name}"


def clock_for(settings):
    """The system clock, or, for tests and rehearsals (CONVENE_TEST_CLOCK_FILE), the system clock shifted by the
    number of seconds in that file, re-read when the file changes."""
    if not settings.clock_offset_file:
        return system_clock
    from datetime import timedelta
    path, memo = settings.clock_offset_file, {"mtime": None, "offset": timedelta(0)}

    def clock():
        try:
            mtime = os.stat(path).st_mtime_ns
            if mtime != memo["mtime"]:
                with open(path) as fh:
                    memo["offset"], memo["mtime"] = timedelta(seconds=float(fh.read().strip() or 0)), mtime
        except (OSError, ValueError):
            pass
        return system_clock() + memo["offset"]
    return clock


def _console_cmd(args, db, settings, *, clock=system_clock) -> int:
    from bot.adapters.console import Console
    user = console_identity(args)
    if args.group:
        group = _group(db, args.group)
        room = f"console:{group.slug}"
        if ops.room_group(db, room) is None:
            ops.bind_room(db, group, room)
    else:
        room = "console:main"
        if ops.room_group(db, room) is None:
            groups = [g for g, _rooms in ops.all_groups(db)]
            if len(groups) == 1:
                room = f"console:{groups[0].slug}"
                if ops.room_group(db, room) is None:
                    ops.bind_room(db, groups[0], room)
            elif groups:
                raise CliError("several groups exist; choose one with --group SLUG ("
                               + ", ".join(g.slug for g in groups) + ")")
    console = Console(db, room=room, user=user, clock=clock, settings=settings)
    asyncio.run(console.run())
    return 0
