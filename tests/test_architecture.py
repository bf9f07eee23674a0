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


# --- the core laid out by what it decides (issue 21) ---------------------------------------------------------------

def _module_imports(path) -> set[str]:
    """Modules of commands/ a module imports when it is loaded (module level: not those inside functions)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("commands"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("commands")}
    return found


def _module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_core_has_no_import_circle():
    """Importing a module of commands/ never comes back to it (a package's modules load its __init__ first)."""
    paths = sorted((ROOT / "commands").rglob("*.py"))
    modules = {_module_name(p): p for p in paths}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for imported in _module_imports(path):
            parts = imported.split(".")
            deps |= {".".join(parts[:i]) for i in range(2, len(parts) + 1)}
        graph[name] = {d for d in deps if d in modules and d != name and not name.startswith(d + ".")}
    cycles = []

    def visit(node, stack, seen):
        for nxt in graph[node]:
            if nxt in stack:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in seen:
                seen.add(nxt)
                visit(nxt, stack + [nxt], seen)
    for start in graph:
        visit(start, [start], {start})
    assert cycles[:3] == []


def test_each_decision_has_its_module():
    """A newcomer finds each decision by its name in commands/rules/, and the families decide none themselves."""
    rules = {p.stem for p in (ROOT / "commands" / "rules").glob("*.py")} - {"__init__"}
    assert {"sessions", "lateness", "visibility", "submitted", "questions", "delegations", "targets"} <= rules
    families = {p.stem for p in (ROOT / "commands" / "families").glob("*.py")} - {"__init__"}
    assert {"agenda", "inputs", "desk", "setup", "imports", "roster", "reminders", "feed", "home"} <= families


ON_TIME = re.compile(r"deadline\s*(<=|>=|<|>)\s*(ctx\.)?now\b|\bnow\s*(<=|>=|<|>)\s*[\w.]*deadline\b")
WHO_READS = re.compile(r"disclosure\s*(==|!=)\s*[\"']")


def test_on_time_and_who_may_read_are_decided_only_in_their_rules():
    """Comparing a moment with a deadline is commands/rules/lateness.py's; reading an input's disclosure to decide
    who sees it is commands/rules/visibility.py's (storage may filter on what they decided)."""
    offenders = []
    for path in sorted((ROOT / "commands").rglob("*.py")):
        if path.parent.name == "rules" and path.stem in ("lateness", "visibility"):
            continue
        for n, text in enumerate(path.read_text().splitlines(), 1):
            code = text.split("#", 1)[0]
            if ON_TIME.search(code) or WHO_READS.search(code):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {text.strip()}")
    assert offenders == []


def test_front_ends_use_only_the_named_state_interface():
    """What front ends keep in the database is reached through commands/adapter_state.py's named parts, each with
    just the operations front ends use: every operation a front end calls is one of them, and every one is used."""
    from commands.adapter_state import PARTS
    used: dict[str, set[str]] = {name: set() for name in PARTS}
    for path in FRONT_ENDS + [ROOT / "bot" / "adapters" / "files.py"]:
        tree = ast.parse(path.read_text())
        aliases = {a.asname or a.name: a.name for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module == "commands.adapter_state"
                   for a in node.names if a.name in PARTS}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                part = aliases[node.value.id]
                assert hasattr(PARTS[part], node.attr), f"{path.name}: {part}.{node.attr} is not in the interface"
                used[part].add(node.attr)
    assert {name: set(vars(part)) - used[name] for name, part in PARTS.items()} == {name: set() for name in PARTS}
