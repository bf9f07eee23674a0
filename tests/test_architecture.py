"""The shape the README promises, checked on the source: front ends reach the database only through the core, and
the core and storage name no platform (the front ends declare themselves: bot/frontends.py)."""
from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

FRONT_ENDS = [*sorted((ROOT / "bot" / "adapters").rglob("*.py")), ROOT / "bot" / "cli.py"]
CORE = [*sorted((ROOT / "commands").rglob("*.py")), *sorted((ROOT / "storage").rglob("*.py"))]
PLATFORM = re.compile(r"\b(slack|matrix|console)\b", re.IGNORECASE)


def imports(path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def code_strings(path) -> list[tuple[int, str]]:
    """String constants that are not docstrings (what the code says and compares, not what it explains)."""
    tree = ast.parse(path.read_text())
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_front_ends_do_not_import_storage():
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in imports(p) if m == "storage" or m.startswith("storage."))
                 for p in FRONT_ENDS}
    assert {p: m for p, m in offenders.items() if m} == {}


def test_the_core_and_storage_name_no_platform():
    found = {}
    for path in CORE:
        if path.name == "schema.py":        # applied migrations are history: they keep the names they had
            continue
        hits = [(line, s) for line, s in code_strings(path) if PLATFORM.search(s)]
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert found == {}


def test_one_module_tells_how_a_front_end_talks_to_the_core():
    text = (ROOT / "commands" / "contract.py").read_text()
    for name in ("class Address", "class FrontEnd", "class FrontEnds", "class QuestionRef", "class SubmitInput",
                 "class FormContext", "class ActionError"):
        assert name in text
