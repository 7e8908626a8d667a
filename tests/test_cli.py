"""The command line: help is light, errors are one clear line with a non-zero exit."""

from __future__ import annotations

import subprocess
import sys

import yaml
from click.testing import CliRunner
from conftest import episode_yaml

from podcast.cli import cli


def test_help_does_not_load_heavy_libraries():
    code = ("import sys; from podcast.cli import cli\n"
            "try:\n    cli(['publish', '--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('faster_whisper', 'ctranslate2', 'numpy', 'torch', 'feedgen', 'PIL',"
            " 'av', 'scipy', 'pydantic', 'jinja2') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout


def test_every_command_has_help():
    runner = CliRunner()
    for cmd in ("publish", "check", "new", "transcribe", "approve", "serve"):
        result = runner.invoke(cli, [cmd, "--help"])
        assert result.exit_code == 0, result.output
        assert "--root" in result.output


def test_new_scaffolds_a_valid_commented_episode(show):
    runner = CliRunner()
    result = runner.invoke(cli, ["new", "my-episode", "--root", str(show.root)])
    assert result.exit_code == 0, result.output
    path = show.root / "episodes" / "my-episode" / "episode.yaml"
    text = path.read_text()
    assert text.count("#") > 10
    data = yaml.safe_load(text)
    assert len(data["guid"]) == 36
    again = runner.invoke(cli, ["new", "my-episode", "--root", str(show.root)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert path.read_text() == text


def test_new_guids_differ(show):
    runner = CliRunner()
    runner.invoke(cli, ["new", "a", "--root", str(show.root)])
    runner.invoke(cli, ["new", "b", "--root", str(show.root)])
    ga = yaml.safe_load((show.root / "episodes/a/episode.yaml").read_text())["guid"]
    gb = yaml.safe_load((show.root / "episodes/b/episode.yaml").read_text())["guid"]
    assert ga != gb


def test_publish_config_error_is_one_clear_message(show):
    show.episode("ep-1", episode_yaml(titel="x"))
    result = CliRunner().invoke(cli, ["publish", "--root", str(show.root)])
    assert result.exit_code == 1
    assert "episodes/ep-1/episode.yaml: titel: unknown key (did you mean 'title'?)" in result.output
    assert "Traceback" not in result.output
    assert not (show.root / "feed").exists()


def test_check_json_lists_every_problem(show):
    show.episode("ep-1", episode_yaml(titel="x"))
    show.episode("ep-2", episode_yaml(date="someday"))
    result = CliRunner().invoke(cli, ["check", "--root", str(show.root), "--json"])
    assert result.exit_code == 1
    data = __import__("json").loads(result.stdout)
    assert data["ok"] is False
    wheres = {(p["where"], p["field"]) for p in data["problems"]}
    assert ("episodes/ep-1/episode.yaml", "titel") in wheres
    assert ("episodes/ep-2/episode.yaml", "date") in wheres
