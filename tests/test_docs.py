"""The documentation stays true: every command is in the README, the YAML example imports."""
import re

from commands.importers import parse_document
from commands.families import default_registry
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_documented_in_readme():
    for cmd in default_registry().all():
        if cmd.name == "convene":
            continue
        name = cmd.name if cmd.head in ("convene", cmd.name) else f"{cmd.head} {cmd.name}"
        assert f"`{name}" in README or f"`convene {name}" in README, name


def test_every_setting_documented():
    env_example = (ROOT / ".env.example").read_text()
    names = set(re.findall(r"get\(\"([A-Z_]+)\"\)", (ROOT / "bot" / "config.py").read_text()))
    names |= {"PORT"}
    for name in names:
        assert f"`{name}`" in README or name in README, name
        assert f"{name}=" in env_example, name


def test_yaml_example_in_docs_imports():
    text = (ROOT / "docs" / "agenda-format.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    doc = parse_document(example, kind="yaml")
    [session] = doc.sessions
    assert session.title.startswith("Special Session")
    assert [it.kind for it in session.items] == ["item", "break", "item"]
    assert doc.lists[0].symbol == "APLC/MSP.10/2010/WP.15"
