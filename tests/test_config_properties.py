"""Property-based: whatever is in episode.yaml, loading gives a project or a ConfigError
whose every message names the file; never a crash or a traceback."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from conftest import ShowBuilder, episode_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podcast.errors import ConfigError
from podcast.project import load_project

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
    st.text(max_size=30), st.dates().map(str),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=8)
keys = st.sampled_from(list(episode_yaml()) + ["chapters", "questions", "turns", "tracks",
                                                "publish_at", "number", "redact", "review", "bogus"])


_ROOT: list[Path] = []


def _show_root() -> Path:
    if not _ROOT:
        from conftest import write_tone_wav

        root = Path(tempfile.mkdtemp())
        ShowBuilder(root).show()
        write_tone_wav(root / "episodes" / "ep-1" / "recording.wav", seconds=0.1)
        _ROOT.append(root)
    return _ROOT[0]


def teardown_module() -> None:
    for root in _ROOT:
        shutil.rmtree(root, ignore_errors=True)


def _load(text: str) -> None:
    root = _show_root()
    (root / "episodes" / "ep-1" / "episode.yaml").write_text(text, encoding="utf-8")
    try:
        load_project(root)
    except ConfigError as e:
        assert e.problems
        for p in e.problems:
            assert p.startswith("episodes/ep-1/episode.yaml"), p
            assert "Traceback" not in p


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=6))
def test_any_mapping_is_loaded_or_reported(overrides):
    data = {**episode_yaml(), **overrides}
    _load(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_loaded_or_reported(text):
    _load(text)
