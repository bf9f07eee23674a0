"""storage/schema.sql is the schema the migrations leave (so nobody reads 22 migrations to learn a table)."""
from tests.conftest import ROOT
from storage.schema import snapshot


def test_the_schema_snapshot_is_current(db):
    assert (ROOT / "storage" / "schema.sql").read_text() == snapshot(db), \
        "storage/schema.sql is out of date: run `make schema` and commit it"
