"""Versioned schema. Never edit an applied migration: add a new one."""
from __future__ import annotations

import sqlite3

from sqlite_utils import Migrations

migrations = Migrations("convene")


def _run(db, script: str) -> None:
    """Run a script statement by statement (``executescript`` would commit the migration's transaction). A statement
    ends at a ';' only where SQLite says it is complete, so a ';' inside a string or a trigger body does not cut one."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \n\t;"):
                db.execute(statement)
            statement = ""
    if statement.strip(" \n\t;"):
        db.execute(statement.rstrip(";"))


@migrations()
def m001_initial(db):
    _run(db, """
    CREATE TABLE groups (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        timezone TEXT NOT NULL DEFAULT 'Europe/Zurich',
        session_offsets TEXT NOT NULL DEFAULT '1d,1h',
        deadline_offsets TEXT NOT NULL DEFAULT '3d,1d,2h',
        registration TEXT NOT NULL DEFAULT 'open' CHECK (registration IN ('open','locked')),
        late_policy TEXT NOT NULL DEFAULT 'accept' CHECK (late_policy IN ('accept','refuse')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE rooms (
        room TEXT PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
    );
    CREATE INDEX rooms_group ON rooms(group_id);
    CREATE TABLE members (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        display_name TEXT,
        delegation TEXT,
        is_coordinator INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (group_id, user)
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        source_key TEXT NOT NULL,
        title TEXT NOT NULL,
        start TEXT NOT NULL,
        "end" TEXT NOT NULL,
        timezone TEXT NOT NULL,
        venue TEXT,
        symbol TEXT,
        background TEXT,
        deadline TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (group_id, source_key)
    );
    CREATE INDEX sessions_group_start ON sessions(group_id, start);
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        number TEXT,
        title TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'item' CHECK (kind IN ('item','break')),
        start TEXT,
        "end" TEXT,
        presenters TEXT NOT NULL DEFAULT '[]',
        description TEXT,
        UNIQUE (session_id, position)
    );
    CREATE TABLE question_lists (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        symbol TEXT NOT NULL,
        short TEXT NOT NULL,
        description TEXT,
        is_open INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (group_id, symbol)
    );
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
        item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
        list_id INTEGER REFERENCES question_lists(id) ON DELETE CASCADE,
        ref TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        CHECK ((session_id IS NULL) <> (list_id IS NULL))
    );
    CREATE UNIQUE INDEX questions_session_ref ON questions(session_id, ref) WHERE session_id IS NOT NULL;
    CREATE UNIQUE INDEX questions_list_ref ON questions(list_id, ref) WHERE list_id IS NOT NULL;
    CREATE INDEX questions_item ON questions(item_id);
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE RESTRICT,
        delegation TEXT NOT NULL,
        delegation_key TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'current' CHECK (status IN ('current','withdrawn')),
        disclosure TEXT NOT NULL DEFAULT 'group' CHECK (disclosure IN ('group','coordinators')),
        late INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (question_id, delegation_key)
    );
    CREATE INDEX submissions_group_delegation ON submissions(group_id, delegation_key);
    CREATE TABLE submission_history (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        action TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX submission_history_submission ON submission_history(submission_id)
    """)


@migrations()
def m002_notes_and_event_dedupe(db):
    _run(db, """
    ALTER TABLE submissions ADD COLUMN note TEXT;
    CREATE TABLE seen_events (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL
    )
    """)


@migrations()
def m003_reminder_log(db):
    _run(db, """
    CREATE TABLE reminder_log (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        "offset" TEXT NOT NULL,
        due_at TEXT NOT NULL,
        target TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('claimed','sent','skipped','uncertain','failed')),
        late INTEGER NOT NULL DEFAULT 0,
        claimed_at TEXT NOT NULL,
        done_at TEXT,
        detail TEXT
    );
    CREATE INDEX reminder_log_reminder ON reminder_log(kind, session_id, "offset")
    """)


@migrations()
def m004_kv(db):
    _run(db, """
    CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """)


@migrations()
def m005_feeds(db):
    """Calendar feed and agenda page: a per-group secret token, per-room sharing of the links, and a
    revision counter on sessions (the iCalendar SEQUENCE: it rises with every change of a session)."""
    _run(db, """
    ALTER TABLE sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rooms ADD COLUMN feed_shared INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE feeds (
        group_id INTEGER PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
        token TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        rotated_at TEXT
    )
    """)


@migrations()
def m006_matrix_inbox(db):
    """Matrix, exactly once: every relevant event is written here before the sync token moves past it, then
    handled in order; what to send is recorded with the handling (one transaction) and sent with a
    deterministic transaction id, so a crash anywhere neither loses a command nor answers it twice.
    matrix_inputs: which message carried which input (edits update it, redactions withdraw it)."""
    _run(db, """
    CREATE TABLE matrix_inbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        room TEXT NOT NULL,
        event TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','decided','done')),
        actions TEXT,
        received_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE INDEX matrix_inbox_pending ON matrix_inbox(status, seq);
    CREATE TABLE matrix_inputs (
        event_id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        sender TEXT NOT NULL,
        question TEXT NOT NULL,
        delegation TEXT NOT NULL,
        receipt_event_id TEXT,
        superseded INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE INDEX matrix_inputs_question ON matrix_inputs(question, delegation)
    """)


@migrations()
def m007_leases(db):
    """One scheduler per database: the process holding the lease sends reminders; others stand by."""
    _run(db, """
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        acquired_at TEXT NOT NULL
    )
    """)


@migrations()
def m008_slack_workspaces(db):
    """Slack across workspaces: which installed workspace a channel was last used through (a shared channel is
    reached with the token of a workspace that installed Convene). The installations themselves live in
    slack_sdk's own tables (slack_installations, slack_bots, slack_oauth_states), created by its stores."""
    _run(db, """
    CREATE TABLE slack_channels (
        channel TEXT PRIMARY KEY,
        team_id TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """)


@migrations()
def m009_outbox(db):
    """One outbox: every message the bot sends on its own (notices, reminders, nudges, reports) is recorded here
    with its addressee, then delivered by the front end that owns the address; its outcome stays recorded."""
    _run(db, """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL,
        cause TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sending','sent','failed','uncertain')),
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX outbox_status ON outbox(status, id)
    """)


@migrations()
def m010_platform_neutral_names(db):
    """Storage names no platform: the inbox and the input messages are any front end's (the Matrix one uses them)."""
    _run(db, """
    ALTER TABLE matrix_inbox RENAME TO inbox;
    DROP INDEX matrix_inbox_pending;
    CREATE INDEX inbox_pending ON inbox(status, seq);
    ALTER TABLE matrix_inputs RENAME TO input_messages;
    DROP INDEX matrix_inputs_question;
    CREATE INDEX input_messages_question ON input_messages(question, delegation);
    ALTER TABLE slack_channels RENAME TO room_workspaces;
    ALTER TABLE room_workspaces RENAME COLUMN channel TO room;
    UPDATE room_workspaces SET room = 'slack:' || room
    """)


@migrations()
def m011_status_posts(db):
    """Where the before-deadline status (who has sent input, who has not) goes: to the coordinators (the default:
    naming delegations in the room is a diplomatic matter), to the group's rooms, or nowhere."""
    _run(db, """
    ALTER TABLE groups ADD COLUMN status_posts TEXT NOT NULL DEFAULT 'coordinators'
        CHECK (status_posts IN ('coordinators','room','off'))
    """)


@migrations()
def m012_audit_log(db):
    """Who changed what in a group's set-up, and when (renames, time zone, lists opened or closed …)."""
    _run(db, """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX audit_log_group ON audit_log(group_id, id)
    """)


@migrations()
def m013_question_identity(db):
    """Questions keep their identity across re-imports: a question taken off the agenda but answered is retired
    (kept with its inputs, shown apart in the compilation), its earlier wordings are kept, and its label (ref) is
    unique among the current questions only. Sessions remember where the document placed them, so a re-import
    keeps a reschedule. Question lists can belong to a session or carry their own deadline."""
    _run(db, """
    ALTER TABLE questions ADD COLUMN retired_at TEXT;
    UPDATE questions SET retired_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
        WHERE session_id IS NOT NULL AND item_id IS NULL;
    DROP INDEX questions_session_ref;
    DROP INDEX questions_list_ref;
    CREATE UNIQUE INDEX questions_session_ref ON questions(session_id, ref)
        WHERE session_id IS NOT NULL AND retired_at IS NULL;
    CREATE UNIQUE INDEX questions_list_ref ON questions(list_id, ref)
        WHERE list_id IS NOT NULL AND retired_at IS NULL;
    CREATE TABLE question_revisions (
        id INTEGER PRIMARY KEY,
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        ref TEXT NOT NULL,
        text TEXT NOT NULL,
        replaced_at TEXT NOT NULL
    );
    CREATE INDEX question_revisions_question ON question_revisions(question_id);
    ALTER TABLE sessions ADD COLUMN import_start TEXT;
    UPDATE sessions SET import_start = start;
    ALTER TABLE question_lists ADD COLUMN session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL;
    ALTER TABLE question_lists ADD COLUMN deadline TEXT
    """)


@migrations()
def m014_roster(db):
    """The delegations a group knows (its roster, with aliases: "USA" → "United States of America"), matched by a
    skeleton key (case, accents and look-alike letters folded), and registration requests waiting for a decision.
    Registration gains a mode, ``approval``: a coordinator approves every registration (the new default)."""
    _run(db, """
    CREATE TABLE roster (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE roster_names (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        roster_id INTEGER NOT NULL REFERENCES roster(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        key TEXT NOT NULL,
        UNIQUE (group_id, key)
    );
    CREATE TABLE registration_requests (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        user_name TEXT,
        delegation TEXT NOT NULL,
        reason TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','refused','cancelled')),
        created_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT
    );
    CREATE INDEX registration_requests_pending ON registration_requests(group_id, status)
    """)


@migrations(transactional=False)
def m015_registration_modes(db):
    """groups.registration may be 'approval' too (and is by default). SQLite cannot change a CHECK in place: the
    table is rebuilt with foreign keys off (else dropping it would cascade), in one transaction."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'groups'").fetchone()[0]
    if "'approval'" in sql:
        return                          # rebuilt already (a crash before the migration was recorded)
    old_check = "CHECK (registration IN ('open','locked'))"
    if old_check not in sql:
        raise RuntimeError("groups.registration: unexpected definition")
    new_sql = (sql.replace(old_check, "CHECK (registration IN ('open','approval','locked'))")
               .replace("registration TEXT NOT NULL DEFAULT 'open'", "registration TEXT NOT NULL DEFAULT 'approval'")
               .replace("CREATE TABLE groups", "CREATE TABLE groups_new", 1))
    columns = ", ".join(f'"{r[1]}"' for r in db.execute("PRAGMA table_info(groups)").fetchall())
    conn = db.conn
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(new_sql)
        conn.execute(f"INSERT INTO groups_new ({columns}) SELECT {columns} FROM groups")
        conn.execute("DROP TABLE groups")
        conn.execute("ALTER TABLE groups_new RENAME TO groups")
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:3]}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


@migrations()
def m016_pending_imports(db):
    """A document sent to the bot in chat, read and previewed, waiting for the coordinator's Import or Cancel
    (the bytes are kept, so what is imported is what was previewed; pruned after a day)."""
    _run(db, """
    CREATE TABLE pending_imports (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        filename TEXT NOT NULL,
        data BLOB NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    )
    """)


@migrations()
def m017_list_reminders(db):
    """Reminders before a question list's own deadline: the sent-log names a list instead of a session for those
    (kind 'listdeadline'). SQLite cannot drop a NOT NULL: the log is rebuilt (nothing refers to it)."""
    _run(db, """
    CREATE TABLE reminder_log_new (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
        list_id INTEGER REFERENCES question_lists(id) ON DELETE CASCADE,
        "offset" TEXT NOT NULL,
        due_at TEXT NOT NULL,
        target TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('claimed','sent','skipped','uncertain','failed')),
        late INTEGER NOT NULL DEFAULT 0,
        claimed_at TEXT NOT NULL,
        done_at TEXT,
        detail TEXT,
        CHECK ((session_id IS NULL) <> (list_id IS NULL))
    );
    INSERT INTO reminder_log_new (key, kind, session_id, "offset", due_at, target, status, late, claimed_at, done_at,
                                  detail)
        SELECT key, kind, session_id, "offset", due_at, target, status, late, claimed_at, done_at, detail
        FROM reminder_log;
    DROP TABLE reminder_log;
    ALTER TABLE reminder_log_new RENAME TO reminder_log;
    CREATE INDEX reminder_log_reminder ON reminder_log(kind, session_id, "offset");
    CREATE INDEX reminder_log_list ON reminder_log(list_id)
    """)


@migrations()
def m020_floor(db):
    """The speakers' list (issue 26). Delegations get a category (State Party, observer State, organisation, civil
    society; the group may rename the labels and set a time limit per category); each agenda item gets one list of
    speakers with its requests (one place per delegation and kind at a time), its statements and its record; a
    statement's 30-seconds-left and time-up notices are claimed once in ``floor_timer_log``. The outbox learns to
    update an earlier message in place (``slot``: the rolling list of an item in a room; ``outbox_slots`` holds the
    message each slot was first posted as) and to record a version superseded by a later one before it went out:
    the table is rebuilt for its new status (nothing refers to it)."""
    _run(db, """
    CREATE TABLE delegation_categories (
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        delegation TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('party','observer','organisation','civil')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (group_id, key)
    );
    CREATE TABLE floor_categories (
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        category TEXT NOT NULL CHECK (category IN ('party','observer','organisation','civil')),
        label TEXT,
        limit_seconds INTEGER,
        PRIMARY KEY (group_id, category)
    );
    CREATE TABLE floor_lists (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
        item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
        item_number TEXT,
        item_title TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed','ended')),
        order_rule TEXT NOT NULL DEFAULT 'time' CHECK (order_rule IN ('time','lot','chair')),
        lot_seed TEXT,
        opened_by TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        ended_at TEXT
    );
    CREATE UNIQUE INDEX floor_lists_active ON floor_lists(group_id) WHERE status != 'ended';
    CREATE UNIQUE INDEX floor_lists_item ON floor_lists(group_id, item_id);
    CREATE TABLE floor_requests (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES floor_lists(id) ON DELETE CASCADE,
        delegation TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('speak','reply')),
        ref TEXT,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        position REAL,
        status TEXT NOT NULL DEFAULT 'waiting'
            CHECK (status IN ('waiting','speaking','spoken','withdrawn','removed')),
        updated_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX floor_requests_one_place ON floor_requests(list_id, key, kind)
        WHERE status IN ('waiting','speaking');
    CREATE TABLE floor_speeches (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES floor_lists(id) ON DELETE CASCADE,
        request_id INTEGER REFERENCES floor_requests(id) ON DELETE SET NULL,
        delegation TEXT NOT NULL,
        category TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('speak','reply')),
        limit_seconds INTEGER,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        called_by TEXT NOT NULL,
        out_of_turn INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX floor_speeches_current ON floor_speeches(list_id) WHERE ended_at IS NULL;
    CREATE TABLE floor_events (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES floor_lists(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        delegation TEXT,
        detail TEXT
    );
    CREATE INDEX floor_events_list ON floor_events(list_id, id);
    CREATE TABLE floor_timer_log (
        speech_id INTEGER NOT NULL REFERENCES floor_speeches(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('warn','up')),
        at TEXT NOT NULL,
        PRIMARY KEY (speech_id, kind)
    );
    CREATE TABLE outbox_new (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL,
        cause TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'queued'
            CHECK (status IN ('queued','sending','sent','failed','uncertain','superseded')),
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        slot TEXT
    );
    INSERT INTO outbox_new (id, target, cause, body, status, attempts, error, created_at, updated_at)
        SELECT id, target, cause, body, status, attempts, error, created_at, updated_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_new RENAME TO outbox;
    CREATE INDEX outbox_status ON outbox(status, id);
    CREATE TABLE outbox_slots (
        target TEXT NOT NULL,
        slot TEXT NOT NULL,
        ref TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (target, slot)
    )
    """)


@migrations()
def m021_manual_corrections(db):
    """Corrections a coordinator made by hand in chat (``item edit``, ``question edit`` …), remembered so that a
    re-import of a revised document keeps those the document does not contradict. ``items.manual`` is JSON: for
    each field corrected by hand (title, time, presenters, kind), what the document said when it was corrected,
    plus ``doc`` (the item's number and title in the document, to find it again) or ``added`` (added by hand).
    ``questions.manual``: the document's wording when the question was reworded by hand ('' when it was added by
    hand; NULL when it is as the document says)."""
    _run(db, """
    ALTER TABLE items ADD COLUMN manual TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE questions ADD COLUMN manual TEXT
    """)


@migrations()
def m022_input_sent_at(db):
    """When an input's current text was last written: lateness is derived from it and the deadline in force when it
    is read (commands.rules.lateness), so a changed deadline never leaves a stale mark. Filled from the history."""
    _run(db, """
    ALTER TABLE submissions ADD COLUMN sent_at TEXT;
    UPDATE submissions SET sent_at = coalesce(
        (SELECT max(h.at) FROM submission_history h WHERE h.submission_id = submissions.id
            AND h.action IN ('submit', 'replace', 'resubmit', 'edit', 'append')),
        updated_at);

    """)


def snapshot(db) -> str:
    """The schema a migrated database has, as SQL (``storage/schema.sql``): every table, index and trigger, in name
    order, so a reader learns a table without reading the migrations (``make schema`` writes it; a test compares)."""
    rows = db.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
                      "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name").fetchall()
    head = ("-- The current schema of Convene's database, as the migrations in storage/schema.py leave it.\n"
            "-- Written by `make schema`; tests/test_schema_snapshot.py checks it against a migrated database.\n"
            "-- Read it to learn a table; change the schema only by adding a migration.\n")
    return head + "".join(f"\n{sql.strip()};\n" for _, _, sql in rows)



def print_snapshot() -> None:
    """``make schema``: the snapshot of a freshly migrated database, on standard output."""
    import os
    import sys
    import tempfile

    from storage.db import open_db
    with tempfile.TemporaryDirectory() as folder:
        database = open_db(os.path.join(folder, "schema.db"))
        sys.stdout.write(snapshot(database))
        database.close()


@migrations()
def m023_notes(db):
    """Notes during the session (issue 27): what was agreed, the actions (held by a delegation or a person, with an
    optional date, reminded once through ``reminder_log`` under the kind ``action``: the log is rebuilt for its
    third owner, ``note_id``) and the points noted, each on an agenda item and numbered within the group; and the
    group's rapporteurs, who may record them."""
    _run(db, """
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
        item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
        item_number TEXT,
        item_title TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('agreed','action','info')),
        text TEXT NOT NULL,
        holder TEXT,
        holder_kind TEXT CHECK (holder_kind IN ('delegation','person')),
        due_at TEXT,
        by_user TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (group_id, number)
    );
    CREATE INDEX notes_due ON notes(due_at) WHERE due_at IS NOT NULL;
    CREATE TABLE rapporteurs (
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        added_by TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (group_id, user)
    );
    CREATE TABLE reminder_log_new (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
        list_id INTEGER REFERENCES question_lists(id) ON DELETE CASCADE,
        note_id INTEGER REFERENCES notes(id) ON DELETE CASCADE,
        "offset" TEXT NOT NULL,
        due_at TEXT NOT NULL,
        target TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('claimed','sent','skipped','uncertain','failed')),
        late INTEGER NOT NULL DEFAULT 0,
        claimed_at TEXT NOT NULL,
        done_at TEXT,
        detail TEXT,
        CHECK ((session_id IS NOT NULL) + (list_id IS NOT NULL) + (note_id IS NOT NULL) = 1)
    );
    INSERT INTO reminder_log_new (key, kind, session_id, list_id, "offset", due_at, target, status, late, claimed_at,
                                  done_at, detail)
        SELECT key, kind, session_id, list_id, "offset", due_at, target, status, late, claimed_at, done_at, detail
        FROM reminder_log;
    DROP TABLE reminder_log;
    ALTER TABLE reminder_log_new RENAME TO reminder_log;
    CREATE INDEX reminder_log_reminder ON reminder_log(kind, session_id, "offset");
    CREATE INDEX reminder_log_list ON reminder_log(list_id);
    CREATE INDEX reminder_log_note ON reminder_log(note_id)
    """)
