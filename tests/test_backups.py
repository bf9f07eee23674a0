"""Scheduled backups (verified, rotated) and `convene restore` (refused while a bot runs on the database)."""
import sqlite3
from datetime import datetime, timedelta, timezone

from bot.config import Settings
from bot.runtime import scheduled_backup
from storage import groups as group_store
from storage import leases, open_db
from storage.backups import integrity
from tests.test_cli import convene


def test_scheduled_backups_are_verified_and_rotated(db, tmp_path):
    group_store.create_group(db, "cg", "Contact Group", registration="open")
    settings = Settings(db_path=str(tmp_path / "x.db"), backup_dir=str(tmp_path / "backups"), backup_keep=2)
    t = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
    made = [scheduled_backup(db, settings, t + timedelta(hours=6 * i)).path for i in range(3)]
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert kept == ["convene-20261201T120000Z.db", "convene-20261201T180000Z.db"]
    assert not made[0].exists() and integrity(made[2]) == "ok"
    copy = sqlite3.connect(made[2])
    assert copy.execute("SELECT slug FROM groups").fetchall() == [("cg",)]
    copy.close()


def test_restore_refuses_a_running_bot_and_replaces_a_stopped_ones_database(cli_env, tmp_path):
    convene(cli_env, "group", "create", "before", "--name", "Before", "--registration", "open")
    backup = tmp_path / "b.db"
    convene(cli_env, "backup", str(backup))
    convene(cli_env, "group", "create", "after", "--name", "After", "--registration", "open")
    db = open_db(cli_env["CONVENE_DB"])
    leases.acquire(db, "scheduler", "host:123:abc", datetime.now(timezone.utc), timedelta(seconds=30))
    refused = convene(cli_env, "restore", str(backup), check=False)
    assert refused.returncode == 1 and "a bot is running on this database" in refused.stderr
    assert "after" in convene(cli_env, "group", "list").stdout
    leases.release(db, "scheduler", "host:123:abc")
    db.close()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    bad = convene(cli_env, "restore", str(damaged), check=False)
    assert bad.returncode == 1 and "it is damaged" in bad.stderr and "Traceback" not in bad.stderr
    done = convene(cli_env, "restore", str(backup))
    assert "restored" in done.stderr and "previous database was saved as" in done.stderr
    listing = convene(cli_env, "group", "list").stdout
    assert "before" in listing and "after" not in listing
    saved = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
    assert len(saved) == 1 and integrity(saved[0]) == "ok"
