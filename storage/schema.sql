-- The current schema of Convene's database, as the migrations in storage/schema.py leave it.
-- Written by `make schema`; tests/test_schema_snapshot.py checks it against a migrated database.
-- Read it to learn a table; change the schema only by adding a migration.

CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);

CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );

CREATE TABLE delegation_categories (
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        delegation TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('party','observer','organisation','civil')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (group_id, key)
    );

CREATE TABLE feeds (
        group_id INTEGER PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
        token TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        rotated_at TEXT
    );

CREATE TABLE floor_categories (
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        category TEXT NOT NULL CHECK (category IN ('party','observer','organisation','civil')),
        label TEXT,
        limit_seconds INTEGER,
        PRIMARY KEY (group_id, category)
    );

CREATE TABLE floor_events (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES floor_lists(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        delegation TEXT,
        detail TEXT
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

CREATE TABLE floor_timer_log (
        speech_id INTEGER NOT NULL REFERENCES floor_speeches(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('warn','up')),
        at TEXT NOT NULL,
        PRIMARY KEY (speech_id, kind)
    );

CREATE TABLE "groups" (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        timezone TEXT NOT NULL DEFAULT 'Europe/Zurich',
        session_offsets TEXT NOT NULL DEFAULT '1d,1h',
        deadline_offsets TEXT NOT NULL DEFAULT '3d,1d,2h',
        registration TEXT NOT NULL DEFAULT 'approval' CHECK (registration IN ('open','approval','locked')),
        late_policy TEXT NOT NULL DEFAULT 'accept' CHECK (late_policy IN ('accept','refuse')),
        created_at TEXT NOT NULL
    , status_posts TEXT NOT NULL DEFAULT 'coordinators'
        CHECK (status_posts IN ('coordinators','room','off')));

CREATE TABLE "inbox" (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        room TEXT NOT NULL,
        event TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','decided','done')),
        actions TEXT,
        received_at TEXT NOT NULL,
        done_at TEXT
    );

CREATE TABLE "input_messages" (
        event_id TEXT PRIMARY KEY,
        room TEXT NOT NULL,
        sender TEXT NOT NULL,
        question TEXT NOT NULL,
        delegation TEXT NOT NULL,
        receipt_event_id TEXT,
        superseded INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );

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
        description TEXT, manual TEXT NOT NULL DEFAULT '{}',
        UNIQUE (session_id, position)
    );

CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );

CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        acquired_at TEXT NOT NULL
    );

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

CREATE TABLE "outbox" (
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

CREATE TABLE outbox_slots (
        target TEXT NOT NULL,
        slot TEXT NOT NULL,
        ref TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (target, slot)
    );

CREATE TABLE pending_imports (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        filename TEXT NOT NULL,
        data BLOB NOT NULL,
        options TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
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
        updated_at TEXT NOT NULL, session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL, deadline TEXT,
        UNIQUE (group_id, symbol)
    );

CREATE TABLE question_revisions (
        id INTEGER PRIMARY KEY,
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        ref TEXT NOT NULL,
        text TEXT NOT NULL,
        replaced_at TEXT NOT NULL
    );

CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
        item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
        list_id INTEGER REFERENCES question_lists(id) ON DELETE CASCADE,
        ref TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL, retired_at TEXT, manual TEXT,
        CHECK ((session_id IS NULL) <> (list_id IS NULL))
    );

CREATE TABLE rapporteurs (
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        user TEXT NOT NULL,
        added_by TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (group_id, user)
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

CREATE TABLE "reminder_log" (
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

CREATE TABLE "room_workspaces" (
        room TEXT PRIMARY KEY,
        team_id TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );

CREATE TABLE rooms (
        room TEXT PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
    , feed_shared INTEGER NOT NULL DEFAULT 0);

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

CREATE TABLE seen_events (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL
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
        updated_at TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0, import_start TEXT,
        UNIQUE (group_id, source_key)
    );

CREATE TABLE submission_history (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        action TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        at TEXT NOT NULL
    );

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
        updated_at TEXT NOT NULL, note TEXT, sent_at TEXT,
        UNIQUE (question_id, delegation_key)
    );

CREATE INDEX audit_log_group ON audit_log(group_id, id);

CREATE INDEX floor_events_list ON floor_events(list_id, id);

CREATE UNIQUE INDEX floor_lists_active ON floor_lists(group_id) WHERE status != 'ended';

CREATE UNIQUE INDEX floor_lists_item ON floor_lists(group_id, item_id);

CREATE UNIQUE INDEX floor_requests_one_place ON floor_requests(list_id, key, kind)
        WHERE status IN ('waiting','speaking');

CREATE UNIQUE INDEX floor_speeches_current ON floor_speeches(list_id) WHERE ended_at IS NULL;

CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");

CREATE INDEX inbox_pending ON inbox(status, seq);

CREATE INDEX input_messages_question ON input_messages(question, delegation);

CREATE INDEX notes_due ON notes(due_at) WHERE due_at IS NOT NULL;

CREATE INDEX outbox_status ON outbox(status, id);

CREATE INDEX question_revisions_question ON question_revisions(question_id);

CREATE INDEX questions_item ON questions(item_id);

CREATE UNIQUE INDEX questions_list_ref ON questions(list_id, ref)
        WHERE list_id IS NOT NULL AND retired_at IS NULL;

CREATE UNIQUE INDEX questions_session_ref ON questions(session_id, ref)
        WHERE session_id IS NOT NULL AND retired_at IS NULL;

CREATE INDEX registration_requests_pending ON registration_requests(group_id, status);

CREATE INDEX reminder_log_list ON reminder_log(list_id);

CREATE INDEX reminder_log_note ON reminder_log(note_id);

CREATE INDEX reminder_log_reminder ON reminder_log(kind, session_id, "offset");

CREATE INDEX rooms_group ON rooms(group_id);

CREATE INDEX sessions_group_start ON sessions(group_id, start);

CREATE INDEX submission_history_submission ON submission_history(submission_id);

CREATE INDEX submissions_group_delegation ON submissions(group_id, delegation_key);
