"""The README documents every field and every command, and its tables are up to date."""

from __future__ import annotations

from pathlib import Path

from podcast import docgen

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_tables_are_current():
    text = README.read_text(encoding="utf-8")
    assert docgen.render(text) == text, "run: python -m podcast.docgen README.md"


def test_every_schema_field_is_in_the_readme():
    text = README.read_text(encoding="utf-8")
    for name, model in docgen.SECTIONS.items():
        assert f"<!-- fields:{name} -->" in text, name
        for field in model.model_fields:
            assert f"| `{field}` |" in text, f"{model.__name__}.{field} is not documented"


def test_every_command_is_in_the_readme():
    text = README.read_text(encoding="utf-8")
    for command in docgen.COMMANDS:
        assert f"<!-- cli:{command} -->" in text
