"""Incremental publishing, proved from the cache and the run's own debug log.

A no-op re-publish builds no cache entry, touches no entry, runs no ffmpeg but its
`-version` and never imports Whisper or PyAV; changing one episode rebuilds only that
episode's entries; changing metadata or the show artwork re-tags only (no re-master, no
re-transcription); an unreadable cache entry is a miss, rebuilt to the very same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ShowBuilder, episode_yaml, write_artwork, write_tone_wav
from test_publish import clone, leftovers, run_publish, tree

pytestmark = pytest.mark.slow

CACHE = ".podcast-cache"
WORK = ("decoding and cleaning", "mastering", "transcribing", "loading faster-whisper")


def entries(root: Path) -> dict[str, dict]:
    """stage/key -> meta.json contents, for every finished cache entry."""
    out = {}
    for meta in sorted((root / CACHE).glob("*/*/meta.json")):
        out[f"{meta.parent.parent.name}/{meta.parent.name}"] = json.loads(meta.read_text())
    return out


def stamps(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in (root / CACHE).glob("*/*/*")
        if p.is_file()
    }


def new_entries(before: dict[str, dict], root: Path) -> dict[str, dict]:
    return {k: v for k, v in entries(root).items() if k not in before}


def work_lines(output: str) -> list[str]:
    return [
        ln
        for ln in output.splitlines()
        if any(w in ln for w in WORK)
        or "cache miss" in ln
        or ("run: " in ln and "-version" not in ln)
    ]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("incremental") / "show"
    root.mkdir()
    builder = ShowBuilder(root)
    builder.show()
    for slug, freq, date in (("ep-a", 330.0, "2026-03-01"), ("ep-b", 550.0, "2026-03-08")):
        wav = write_tone_wav(root.parent / f"{slug}.wav", seconds=3.0, freq=freq)
        builder.episode(
            slug,
            episode_yaml(f"Episode {slug}", guid=f"inc-{slug}", date=date, chapters="none"),
            audio=wav,
        )
    result = run_publish(root)
    assert result.exit_code == 0, result.output
    assert {k.split("/")[0] for k in entries(root)} == {
        "prepare",
        "transcribe",
        "master",
        "tag",
        "waveform",
    }
    return root


@pytest.fixture
def show(published: Path, tmp_path: Path) -> Path:
    root = tmp_path / "show"
    clone(published, root)
    return root


def test_noop_republish_does_no_audio_or_transcription_work(show: Path) -> None:
    before, before_stamps, feed = entries(show), stamps(show), tree(show / "feed")
    result = run_publish(show, "-v")
    assert result.exit_code == 0, result.output
    assert work_lines(result.output) == [], "the no-op run did work"
    assert entries(show) == before and stamps(show) == before_stamps, "the cache was written"
    assert tree(show / "feed") == feed
    assert leftovers(show) == []


def test_noop_republish_never_loads_whisper_or_decoders(show: Path) -> None:
    """In a fresh process: after a no-op publish, Whisper, CTranslate2, PyAV and numpy were
    never imported (so no model was loaded, no audio decoded, no loudness computed)."""
    code = (
        "import sys\nfrom podcast.cli import cli\n"
        f"try:\n    cli(['publish', '--root', {str(show)!r}, '-q', '--no-progress'])\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('faster_whisper', 'ctranslate2', 'av', 'onnxruntime',"
        " 'pydub', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_touched_but_unchanged_recording_is_not_reprocessed(show: Path) -> None:
    wav = show / "episodes" / "ep-a" / "recording.wav"
    os.utime(wav, ns=(wav.stat().st_atime_ns, wav.stat().st_mtime_ns + 10**9))
    before = entries(show)
    result = run_publish(show, "-v")
    assert result.exit_code == 0, result.output
    assert new_entries(before, show) == {}
    assert not [ln for ln in work_lines(result.output) if "cache miss" not in ln]


def test_changing_one_episode_reprocesses_only_that_episode(show: Path) -> None:
    before, feed = entries(show), tree(show / "feed")
    write_tone_wav(show / "episodes" / "ep-b" / "recording.wav", seconds=3.5, freq=440.0)
    result = run_publish(show, "-v")
    assert result.exit_code == 0, result.output
    new = new_entries(before, show)
    assert {m["slug"] for m in new.values()} == {"ep-b"}
    assert sorted(k.split("/")[0] for k in new) == [
        "master",
        "prepare",
        "tag",
        "transcribe",
        "waveform",
    ]
    work = work_lines(result.output)
    assert any("ep-b: decoding" in ln for ln in work) and any(
        "ep-b: mastering" in ln for ln in work
    )
    assert all("ep-a" not in ln for ln in work), result.output
    after = tree(show / "feed")
    assert all(after[k] == v for k, v in feed.items() if k.startswith("ep-a/"))
    assert after["ep-b/ep-b.mp3"] != feed["ep-b/ep-b.mp3"]


def test_changing_a_title_retags_only(show: Path) -> None:
    path = show / "episodes" / "ep-a" / "episode.yaml"
    data = yaml.safe_load(path.read_text())
    data["title"] = "A better title"
    path.write_text(yaml.safe_dump(data))
    before = entries(show)
    result = run_publish(show, "-v")
    assert result.exit_code == 0, result.output
    new = new_entries(before, show)
    assert [(k.split("/")[0], m["slug"]) for k, m in new.items()] == [("tag", "ep-a")]
    assert "A better title" in (show / "feed" / "feed.xml").read_text()


def test_changing_the_show_artwork_retags_only(show: Path) -> None:
    before, feed = entries(show), tree(show / "feed")
    write_artwork(show / "artwork.png").unlink()
    from PIL import Image

    Image.new("RGB", (1400, 1400), (200, 30, 30)).save(show / "artwork.png")
    result = run_publish(show, "-v")
    assert result.exit_code == 0, result.output
    new = new_entries(before, show)
    assert sorted((k.split("/")[0], m["slug"]) for k, m in new.items()) == [
        ("tag", "ep-a"),
        ("tag", "ep-b"),
    ], "only the MP3s' embedded artwork is redone"
    assert not [ln for ln in work_lines(result.output) if "cache miss tag" not in ln]
    after = tree(show / "feed")
    assert after["artwork.png"] != feed["artwork.png"]
    for slug in ("ep-a", "ep-b"):
        assert after[f"{slug}/{slug}.mp3"] != feed[f"{slug}/{slug}.mp3"]
        assert after[f"{slug}/waveform.png"] == feed[f"{slug}/waveform.png"]
        assert after[f"{slug}/transcript.vtt"] == feed[f"{slug}/transcript.vtt"]


def test_unreadable_cache_entries_are_misses_rebuilt_to_the_same_bytes(show: Path) -> None:
    feed = tree(show / "feed")
    cache = show / CACHE
    by_stage = {}
    for key, meta in entries(show).items():
        if meta["slug"] == "ep-a":
            by_stage[key.split("/")[0]] = cache / key
    (by_stage["master"] / "meta.json").write_text("{broken")  # unreadable
    tagged = by_stage["tag"] / "ep-a.mp3"
    tagged.write_bytes(tagged.read_bytes()[:1000])  # a payload cut short
    (by_stage["waveform"] / "waveform.png").unlink()  # a payload gone
    (cache / "hashes.json").write_text("[not, a, mapping")
    result = run_publish(show, "-v")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for stage, why in (("master", "Expecting"), ("tag", "wrong size"), ("waveform", "No such")):
        assert any(f"cache miss {stage}/" in ln and why in ln for ln in work_lines(result.output))
    assert tree(show / "feed") == feed, "rebuilt entries give the same bytes"
    for stage in ("master", "tag", "waveform"):
        assert json.loads((by_stage[stage] / "meta.json").read_text())["slug"] == "ep-a"
    assert leftovers(show) == []
    again = run_publish(show, "-v")
    assert work_lines(again.output) == [], "entries were repaired"


def test_cache_dir_option_keeps_the_cache_elsewhere(show: Path, tmp_path: Path) -> None:
    shutil.rmtree(show / CACHE)
    elsewhere = tmp_path / "cache-elsewhere"
    result = run_publish(show, "--cache-dir", str(elsewhere))
    assert result.exit_code == 0, result.output
    assert not (show / CACHE).exists()
    assert len(list(elsewhere.glob("*/*/meta.json"))) == 10
    assert not (show / "feed" / CACHE).exists()


def test_two_episodes_sharing_a_recording_build_it_once_in_parallel(tmp_path: Path) -> None:
    """Same recording, same settings: one prepare/transcribe/master entry, built once even
    with --jobs 2 (the second episode waits for it rather than racing to replace it)."""
    root = tmp_path / "show"
    root.mkdir()
    builder = ShowBuilder(root)
    builder.show()
    wav = write_tone_wav(tmp_path / "same.wav", seconds=3.0, freq=440.0)
    for slug in ("ep-a", "ep-b"):
        builder.episode(
            slug, episode_yaml(f"Episode {slug}", guid=f"same-{slug}", chapters="none"), audio=wav
        )
    result = run_publish(root, "--jobs", "2", "-v")
    assert result.exit_code == 0, result.output
    stages = [k.split("/")[0] for k in entries(root)]
    assert sorted(stages) == ["master", "prepare", "tag", "tag", "transcribe", "waveform"]
    assert sum("decoding and cleaning" in ln for ln in result.output.splitlines()) == 1
    feed = tree(root / "feed")
    assert feed["ep-a/ep-a.mp3"] != feed["ep-b/ep-b.mp3"]  # tagged with their own titles


def test_only_reuses_the_others_from_the_cache(show: Path) -> None:
    before, feed = entries(show), tree(show / "feed")
    write_tone_wav(show / "episodes" / "ep-a" / "recording.wav", seconds=3.2, freq=392.0)
    result = run_publish(show, "--only", "ep-a", "-v")
    assert result.exit_code == 0, result.output
    assert {m["slug"] for m in new_entries(before, show).values()} == {"ep-a"}
    after = tree(show / "feed")
    assert after["ep-b/ep-b.mp3"] == feed["ep-b/ep-b.mp3"], "ep-b still published, as it was"
    assert after["ep-a/ep-a.mp3"] != feed["ep-a/ep-a.mp3"]


def test_only_never_silently_drops_a_changed_published_episode(show: Path) -> None:
    """ep-b changed but --only ep-a: the run fails naming ep-b and feed/ stays as it was,
    rather than publishing a feed without ep-b."""
    feed = tree(show / "feed")
    write_tone_wav(show / "episodes" / "ep-b" / "recording.wav", seconds=3.2, freq=392.0)
    result = run_publish(show, "--only", "ep-a")
    assert result.exit_code == 1, result.output
    assert "episodes/ep-b: not selected by --only" in result.output
    assert tree(show / "feed") == feed
