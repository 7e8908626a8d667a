"""End to end: `podcast publish` on a small generated show of synthesised speech.

Measured, not trusted: loudness and true peak of every MP3 re-measured with Debian's ffmpeg
ebur128 filter, chapters listed by ffprobe, every bad input from the Foundation issue
refused with one clear line while the sources and the last published feed/ stay byte for
byte as they were, failure isolation, determinism (two cold runs) and --jobs 1 == --jobs 2.

The real tiny.en Whisper model runs, so everything here is marked slow. The published show
is built once per module and copied (with its cache) for each test that changes it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import ShowBuilder, episode_yaml, espeak, write_artwork, write_tone_wav

from podcast.cli import cli

pytestmark = pytest.mark.slow

FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")
PRIVATE = ("feed", "reports", ".podcast-cache")  # written by publish; everything else is source

ONE = (
    "Welcome to the show. Today we talk about walking in the park.",
    "Now let us talk about gardens and the weather in spring.",
)
TWO = ("This is the second episode. It is about the district nurses.",)


# ---------------------------------------------------------------- helpers (shared)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        return data.reshape(-1, w.getnchannels()), w.getframerate()


def write_wav(path: Path, data: np.ndarray, rate: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(data, "<i2").tobytes())
    return path


def speech(
    path: Path, sentences: tuple[str, ...], stereo: bool = False, pause: float = 1.0
) -> tuple[Path, list[float]]:
    """Sentences of espeak-ng speech joined by pauses. Returns (wav, start of each sentence)."""
    parts, starts, rate, t = [], [], 22050, 0.0
    for i, text in enumerate(sentences):
        clip, rate = read_wav(espeak(text, path.with_name(f".{path.stem}-{i}.wav")))
        path.with_name(f".{path.stem}-{i}.wav").unlink()
        starts.append(t)
        gap = np.zeros((int(pause * rate), 1), "<i2")
        parts += [clip, gap]
        t += (len(clip) + len(gap)) / rate
    mono = np.concatenate(parts)
    data = np.hstack([mono, (mono * 0.6).astype("<i2")]) if stereo else mono
    return write_wav(path, data, rate), starts


def build_show(root: Path) -> Path:
    """Two episodes: a mono one with hand-set chapters, a stereo one with automatic ones."""
    builder = ShowBuilder(root)
    root.mkdir(parents=True, exist_ok=True)
    builder.show()
    scratch = root.parent / f".{root.name}-src"
    one, starts = speech(scratch / "one.wav", ONE)
    chapters = [
        {"start": round(s, 2), "title": t}
        for s, t in zip(starts, ("Walking", "Gardens"), strict=True)
    ]
    builder.episode(
        "ep-one",
        episode_yaml("Episode one", guid="test-ep-one", date="2026-03-01", chapters=chapters),
        audio=one,
    )
    two, _ = speech(scratch / "two.wav", TWO, stereo=True)
    builder.episode(
        "ep-two", episode_yaml("Episode two", guid="test-ep-two", date="2026-03-08"), audio=two
    )
    shutil.rmtree(scratch)
    return root


def run_publish(root: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["publish", "--root", str(root), "--no-progress", *args])


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (relative path -> bytes)."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def sources(root: Path) -> dict[str, bytes]:
    """The show's own files: everything publish must never touch."""
    return {
        k: v
        for k, v in tree(root).items()
        if k.split("/")[0] not in PRIVATE and not k.startswith(".feed.")
    }


def leftovers(root: Path) -> list[str]:
    """Staging/old output folders and half-built cache entries left behind. The previous
    site is deleted in the background (.feed.trash-*): give that up to 60 s."""
    end = time.monotonic() + 60
    while any(root.glob(".feed.trash-*")) and time.monotonic() < end:
        time.sleep(0.05)
    found = [
        p.name for p in root.iterdir() if p.name.startswith(".feed.") and p.name != ".feed.lock"
    ]
    cache = root / ".podcast-cache"
    if cache.is_dir():
        found += [str(p.relative_to(cache)) for p in cache.glob("*/.*.tmp")]
    return found


def clone(show: Path, dest: Path) -> Path:
    """A copy of a published show (feed and cache included)."""
    shutil.copytree(
        show, dest, symlinks=True, ignore=shutil.ignore_patterns(".feed.trash-*", ".feed.lock")
    )
    return dest


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) by Debian's ffmpeg, independent of our meter."""
    out = subprocess.run(
        [
            FFMPEG,
            "-nostats",
            "-hide_banner",
            "-i",
            str(path),
            "-filter_complex",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = out[out.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.inf]+) dBFS", summary).group(1))
    return integrated, peak


def probe(path: Path, *what: str) -> dict:
    return json.loads(
        subprocess.run(
            [FFPROBE, "-v", "error", "-of", "json", *what, str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def needs_ffmpeg() -> None:
    if not (FFMPEG and FFPROBE):
        pytest.skip(
            "Debian ffmpeg/ffprobe not installed (apt-get install ffmpeg): "
            "cannot measure the output independently"
        )


# ---------------------------------------------------------------- the published show


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_show(tmp_path_factory.mktemp("publish") / "show")
    result = run_publish(root)
    assert result.exit_code == 0, result.output
    return root


def test_publish_writes_every_file_and_nothing_else(published: Path) -> None:
    feed = tree(published / "feed")
    for slug in ("ep-one", "ep-two"):
        for name in (
            f"{slug}.mp3",
            "index.html",
            "transcript.vtt",
            "transcript.srt",
            "transcript.json",
            "transcript.txt",
            "transcript.html",
            "waveform.png",
        ):
            assert f"{slug}/{name}" in feed, f"{slug}/{name} missing"
    for name in ("feed.xml", "index.html", "artwork.png"):
        assert name in feed
    assert "ep-one/chapters.json" in feed
    assert leftovers(published) == []
    # nothing written into the episode folders
    assert sorted(p.name for p in (published / "episodes" / "ep-one").iterdir()) == [
        "episode.yaml",
        "recording.wav",
    ]


def test_whisper_heard_the_speech(published: Path) -> None:
    text = (published / "feed" / "ep-one" / "transcript.txt").read_text().lower()
    assert "walking" in text and "garden" in text
    text = (published / "feed" / "ep-two" / "transcript.txt").read_text().lower()
    assert "second episode" in text


def test_loudness_and_true_peak_measured_independently(published: Path) -> None:
    needs_ffmpeg()
    seen = set()
    for mp3 in sorted((published / "feed").glob("*/*.mp3")):
        channels = probe(mp3, "-show_streams")["streams"][0]["channels"]
        target = -16.0 if channels == 2 else -19.0
        seen.add(channels)
        integrated, peak = ebur128(mp3)
        assert abs(integrated - target) <= 0.5, f"{mp3.name}: {integrated} LUFS, target {target}"
        assert peak <= -1.0, f"{mp3.name}: true peak {peak} dBTP"
    assert seen == {1, 2}, "the show has one mono and one stereo episode"


def test_ffprobe_lists_chapters_in_order(published: Path) -> None:
    needs_ffmpeg()
    chapters = probe(published / "feed" / "ep-one" / "ep-one.mp3", "-show_chapters")["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Walking", "Gardens"]
    starts = [float(c["start_time"]) for c in chapters]
    assert starts == sorted(starts) and starts[0] == 0.0 and starts[1] > 2.0
    for c in probe(published / "feed" / "ep-two" / "ep-two.mp3", "-show_chapters")["chapters"]:
        assert float(c["end_time"]) > float(c["start_time"])


# ---------------------------------------------------------------- bad input


def _audio(folder: Path) -> Path:
    return folder / "recording.wav"


def _yaml_edit(folder: Path, **changes: object) -> None:
    path = folder / "episode.yaml"
    data = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def truncated(folder: Path) -> None:
    data = _audio(folder).read_bytes()
    _audio(folder).write_bytes(data[:600])  # header says seconds of audio; 0.01 s is there


def unreadable(folder: Path) -> None:
    _audio(folder).write_bytes(bytes(range(256)) * 64)


def text_as_wav(folder: Path) -> None:
    _audio(folder).write_text("This is not audio, just a text file with the wrong name.\n")


def zero_length(folder: Path) -> None:
    _audio(folder).write_bytes(b"")


def all_silence(folder: Path) -> None:
    write_tone_wav(_audio(folder), seconds=4.0, amplitude=0.0)


def missing_file(folder: Path) -> None:
    _audio(folder).unlink()


def leaves_folder(folder: Path) -> None:
    _yaml_edit(folder, audio="../ep-one/recording.wav")


def invalid_yaml(folder: Path) -> None:
    (folder / "episode.yaml").write_text("title: [unclosed\ndate: 2026-03-01\n")


def missing_field(folder: Path) -> None:
    _yaml_edit(folder, title=None)


def unknown_key(folder: Path) -> None:
    _yaml_edit(folder, titel="Typo")


def bad_date(folder: Path) -> None:
    _yaml_edit(folder, date="the 31st of Smarch")


def bad_artwork_size(folder: Path) -> None:
    write_artwork(folder / "cover.png", size=300)
    _yaml_edit(folder, artwork="cover.png")


def bad_artwork_type(folder: Path) -> None:
    (folder / "cover.png").write_text("not a picture")
    _yaml_edit(folder, artwork="cover.png")


def duplicate_guid(folder: Path) -> None:
    _yaml_edit(folder, guid="test-ep-one")


BAD = [
    truncated,
    unreadable,
    text_as_wav,
    zero_length,
    all_silence,
    missing_file,
    leaves_folder,
    invalid_yaml,
    missing_field,
    unknown_key,
    bad_date,
    bad_artwork_size,
    bad_artwork_type,
    duplicate_guid,
]


@pytest.mark.parametrize("breakage", BAD, ids=[b.__name__ for b in BAD])
def test_bad_input_is_one_clear_line_and_changes_nothing(
    published: Path, tmp_path: Path, breakage
) -> None:  # type: ignore[no-untyped-def]
    root = clone(published, tmp_path / "show")
    breakage(root / "episodes" / "ep-two")
    before_src, before_feed = sources(root), tree(root / "feed")
    result = run_publish(root)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), (
        result.output
    )
    lines = [ln for ln in result.output.splitlines() if "episodes/ep-two" in ln]
    assert lines, f"no line names episodes/ep-two:\n{result.output}"
    assert any(
        ln.strip().startswith(("Error: episodes/ep-two", "episodes/ep-two")) for ln in lines
    ), result.output
    assert sources(root) == before_src, "publish changed the show's own files"
    assert tree(root / "feed") == before_feed, "the published feed/ changed"
    assert leftovers(root) == []


def test_bad_show_artwork_names_show_yaml(published: Path, tmp_path: Path) -> None:
    root = clone(published, tmp_path / "show")
    (root / "artwork.png").write_text("not a picture")
    before = tree(root / "feed")
    result = run_publish(root)
    assert result.exit_code == 1 and "show.yaml: artwork" in result.output, result.output
    assert "Traceback" not in result.output
    assert tree(root / "feed") == before


def test_unwritable_output_is_one_clear_line(published: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_publish(published, "--out", str(blocker / "feed"))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "a-file/feed: cannot write" in result.output


# ---------------------------------------------------------------- failure isolation


def test_one_broken_episode_keeps_the_previous_feed(published: Path, tmp_path: Path) -> None:
    root = clone(published, tmp_path / "show")
    text_as_wav(root / "episodes" / "ep-two")
    before = tree(root / "feed")
    result = run_publish(root)
    assert result.exit_code == 1
    assert "1 episode(s) failed" in result.output and "unchanged" in result.output
    assert tree(root / "feed") == before


def test_skip_failed_publishes_the_healthy_episodes(published: Path, tmp_path: Path) -> None:
    root = clone(published, tmp_path / "show")
    text_as_wav(root / "episodes" / "ep-two")
    before = tree(root / "feed")
    result = run_publish(root, "--skip-failed")
    assert result.exit_code == 1, "a failure is still reported"
    assert "episodes/ep-two" in result.output and "were published" in result.output
    after = tree(root / "feed")
    assert not any(k.startswith("ep-two/") for k in after)
    assert after["ep-one/ep-one.mp3"] == before["ep-one/ep-one.mp3"]
    feed = after["feed.xml"].decode()
    assert "test-ep-one" in feed and "test-ep-two" not in feed
    assert leftovers(root) == []


# ---------------------------------------------------------------- determinism


def test_cold_publishes_are_byte_identical_serial_or_parallel(
    published: Path, tmp_path: Path
) -> None:
    """Fresh caches each time: --jobs 1 and --jobs 2 in other folders give the very same feed/
    as the module's publish, file for file and byte for byte."""
    reference = tree(published / "feed")
    for jobs in ("1", "2"):
        root = clone(published, tmp_path / f"jobs{jobs}")
        for name in PRIVATE:
            shutil.rmtree(root / name, ignore_errors=True)
        result = run_publish(root, "--jobs", jobs)
        assert result.exit_code == 0, result.output
        got = tree(root / "feed")
        assert sorted(got) == sorted(reference)
        differ = [k for k in reference if got[k] != reference[k]]
        assert differ == [], f"--jobs {jobs}: these files differ from the first publish: {differ}"


def test_republish_is_byte_identical(published: Path, tmp_path: Path) -> None:
    root = clone(published, tmp_path / "show")
    before = tree(root / "feed")
    result = run_publish(root)
    assert result.exit_code == 0, result.output
    assert tree(root / "feed") == before
