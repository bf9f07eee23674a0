"""A revised working paper whose letters skip is read as the letters it has, and the plan asks before deleting an
entry (issue 21: with (h) deleted, (g) swallowed (i)–(n) and they were deleted without asking)."""
from __future__ import annotations

import pytest

from commands.importers import read_document
from commands.importers.apply import ChangesNeedConfirmation, import_file
from storage import agenda as agenda_store
from tests.conftest import SEED_PAPER


def _without_h(tmp_path):
    lines = SEED_PAPER.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if ln.strip() == "(h)")
    end = next(i for i in range(at + 1, len(lines)) if lines[i].strip() == "(i)")
    path = tmp_path / "wp15_rev1.txt"
    path.write_text("".join(lines[:at] + lines[end:]), encoding="utf-8")
    return path


def test_a_list_whose_letters_skip_is_read_as_the_letters_it_has(tmp_path):
    [lst] = read_document(str(_without_h(tmp_path))).lists
    refs = [ref for ref, _ in lst.questions]
    assert refs == list("abcdefg") + list("ijklmn")
    g = dict(lst.questions)["g"]
    assert "(i)" not in g and len(g) < 400


def test_the_plan_asks_before_deleting_an_entry_and_keeps_the_others(db, group, tmp_path):
    import_file(db, group, str(SEED_PAPER))
    [lst] = agenda_store.lists_of_group(db, group.id)
    before = {q.ref: q.id for q in agenda_store.questions_of_list(db, lst.id)}
    with pytest.raises(ChangesNeedConfirmation) as asked:
        import_file(db, group, str(_without_h(tmp_path)))
    assert any("removed h" in line for line in asked.value.plan.change_lines())
    assert {q.ref for q in agenda_store.questions_of_list(db, lst.id)} == set(before)      # nothing changed
    import_file(db, group, str(_without_h(tmp_path)), accept_changes=True)
    after = {q.ref: q.id for q in agenda_store.questions_of_list(db, lst.id)}
    assert set(after) == set(before) - {"h"}
    assert all(after[r] == before[r] for r in after)        # i–n keep their identity (and any inputs)
