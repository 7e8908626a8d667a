"""Field tables for the README, generated from the schema so they cannot drift.

    python -m podcast.docgen README.md      # rewrite the tables in place
    python -m podcast.docgen --check README.md
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from . import config

SECTIONS: dict[str, type[BaseModel]] = {
    "show": config.ShowConfig,
    "audio": config.AudioConfig,
    "transcription": config.TranscriptionConfig,
    "episode": config.EpisodeConfig,
    "speaker": config.SpeakerConfig,
    "consent": config.Consent,
    "owner": config.Owner,
    "person": config.Person,
    "links": config.Links,
    "contact": config.Contact,
    "chapter": config.ChapterConfig,
    "question": config.Question,
    "turn": config.Turn,
    "soundbite": config.SoundbiteConfig,
    "review": config.Review,
    "override": config.TranscriptionOverride,
}


def _type_name(tp: typing.Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, __import__("types").UnionType):
        parts = [_type_name(a) for a in args if a is not type(None)]
        return " \\| ".join(parts)
    if origin is tuple:
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "mapping"
    return {str: "text", int: "integer", float: "number", bool: "true/false"}.get(
        tp, getattr(tp, "__name__", str(tp)).replace("date", "date")
    )


def _default(field: typing.Any) -> str:
    if field.is_required():
        return "**required**"
    value = field.default
    if value is PydanticUndefined or value is None:
        return ""
    if isinstance(value, BaseModel):
        return ""
    if value in ((), ""):
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def table(model: type[BaseModel]) -> str:
    rows = ["| field | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        desc = (field.description or "").replace("\n", " ").replace("|", "\\|")
        rows.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | {desc} |")
    return "\n".join(rows)


def cli_help(command: str) -> str:
    from click.testing import CliRunner

    from .cli import cli

    args = [command, "--help"] if command != "podcast" else ["--help"]
    out = CliRunner().invoke(cli, args, prog_name="podcast", terminal_width=100).output
    return "```text\n" + out.rstrip() + "\n```"


COMMANDS = ("podcast", "publish", "check", "new", "transcribe", "approve", "serve")


def render(text: str) -> str:
    for command in COMMANDS:
        pattern = re.compile(rf"(<!-- cli:{command} -->\n)(?:.*?\n)?(<!-- /cli:{command} -->)", re.S)
        text = pattern.sub(lambda m, c=command: m.group(1) + cli_help(c) + "\n" + m.group(2), text)  # type: ignore[misc]
    for key, model in SECTIONS.items():
        pattern = re.compile(rf"(<!-- fields:{key} -->\n)(?:.*?\n)?(<!-- /fields:{key} -->)", re.S)
        text = pattern.sub(lambda m, model=model: m.group(1) + table(model) + "\n" + m.group(2), text)  # type: ignore[misc]
    return text


def main(argv: list[str]) -> int:
    check = "--check" in argv
    path = Path([a for a in argv if not a.startswith("--")][0])
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if check:
        return 0 if new == text else 1
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
