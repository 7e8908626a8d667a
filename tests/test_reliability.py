"""Crash-proofing: `podcast publish` killed with SIGKILL at each stage leaves feed/ as it was.

Each test publishes a show (the baseline), changes one recording so the next run has real
work to do, starts `podcast publish` as a real subprocess and kills it (SIGKILL, its whole
process group) at one moment, found by watching the disk rather than guessing a delay:

  * audio processing: the prepare/master stage's temporary cache folder exists;
  * transcription: the transcribe stage's temporary cache folder exists (Whisper running);
  * rendering: the staging folder `.feed.staging-*` exists;
  * the swap: output.py's test hook PODCAST_TEST_SWAP_PAUSE holds the process at the swap
    point and says so on stderr (with the atomic exchange, and with the two-rename swap).

Then feed/ must be byte-identical to the baseline, the sources untouched, and the next run
must complete the work and leave no staging, .feed.old or half-built cache folders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ShowBuilder, episode_yaml, write_tone_wav
from test_publish import clone, leftovers, run_publish, sources, speech, tree

from podcast.output import recover

pytestmark = pytest.mark.slow

LONG = (
    "Good morning. Today I want to tell you about the walk I take every day along the river.",
    "In spring the path is busy with families, dogs and people on bicycles going to work.",
    "My physiotherapist told me to walk a little further each week, and that is what I did.",
    "After three months I could reach the old bridge and back without stopping to rest.",
)
CHANGED = (
    "This is a new recording of the same episode, made again because the first was too quiet.",
    "We spoke about the garden, the allotment and the vegetables we grow for the neighbours.",
    "Carrots, beans and potatoes, and in the summer far too many courgettes for one family.",
)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published two-episode show: ep-a (speech, ~25 s) and ep-b (a short tone)."""
    root = tmp_path_factory.mktemp("reliability") / "show"
    root.mkdir()
    builder = ShowBuilder(root)
    builder.show()
    wav, _ = speech(root.parent / "long.wav", LONG, pause=0.6)
    builder.episode("ep-a", episode_yaml("Walking", guid="rel-a", chapters="none"), audio=wav)
    tone = write_tone_wav(root.parent / "tone.wav", seconds=3.0)
    builder.episode(
        "ep-b", episode_yaml("A tone", guid="rel-b", date="2026-03-02", chapters="none"), audio=tone
    )
    result = run_publish(root)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def changed(baseline: Path, tmp_path: Path) -> Path:
    """A copy of the published show whose ep-a has a new recording (work for the next run)."""
    root = tmp_path / "show"
    clone(baseline, root)
    speech(root / "episodes" / "ep-a" / "recording.wav", CHANGED * 2, pause=0.6)  # ~30 s
    return root


def heard_new(text: str) -> bool:
    """Whether a transcript is of the CHANGED recording (words Whisper tiny reliably gets)."""
    text = text.lower()
    return sum(w in text for w in ("carrots", "potatoes", "beans", "garden", "vegetables")) >= 2


def start(root: Path, **env: str) -> subprocess.Popen:
    """publish as a real process in its own group; stderr to root/../publish.log."""
    log = open(root.parent / "publish.log", "w")  # noqa: SIM115 - closed by the OS at exit
    return subprocess.Popen(
        [sys.executable, "-m", "podcast", "publish", "--root", str(root), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env={**os.environ, **env},
        start_new_session=True,
    )


def stderr(root: Path) -> str:
    return (root.parent / "publish.log").read_text(errors="replace")


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def wait_for(proc: subprocess.Popen, found, timeout: float = 240.0):  # type: ignore[no-untyped-def]
    """Poll every 2 ms until found() returns something; fail if the run ends first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        hit = found()
        if hit:
            return hit
        if proc.poll() is not None:
            pytest.fail(
                f"publish ended ({proc.returncode}) before the moment to kill it:\n"
                + stderr(Path(proc.args[4]))[-3000:]
            )
        time.sleep(0.002)
    kill(proc)
    pytest.fail("timed out waiting for the moment to kill publish")


def cache_temp(root: Path, *stages: str):  # type: ignore[no-untyped-def]
    def found() -> Path | None:
        for stage in stages:
            for tmp in (root / ".podcast-cache" / stage).glob(".*.tmp"):
                return tmp
        return None

    return found


def staging(root: Path):  # type: ignore[no-untyped-def]
    return lambda: next(iter(root.glob(".feed.staging-*")), None)


def assert_next_run_completes(root: Path, before_feed: dict[str, bytes]) -> None:
    result = run_publish(root)
    assert result.exit_code == 0, result.output
    assert leftovers(root) == [], "stale staging, .feed.old or cache temporaries left"
    after = tree(root / "feed")
    assert after["ep-a/ep-a.mp3"] != before_feed["ep-a/ep-a.mp3"], "the change was published"
    assert after["ep-b/ep-b.mp3"] == before_feed["ep-b/ep-b.mp3"]
    assert heard_new(after["ep-a/transcript.txt"].decode()), "the new transcript was published"
    again = run_publish(root)
    assert again.exit_code == 0 and tree(root / "feed") == after, "not complete: a rerun changed it"


def kill_when(root: Path, found, **env: str) -> Path:  # type: ignore[no-untyped-def]
    before_src = sources(root)
    before_feed = tree(root / "feed")
    proc = start(root, **env)
    hit = wait_for(proc, found)
    kill(proc)
    assert tree(root / "feed") == before_feed, "feed/ changed after SIGKILL"
    assert sources(root) == before_src
    return hit


def test_sigkill_during_audio_processing(changed: Path) -> None:
    before = tree(changed / "feed")
    hit = kill_when(changed, cache_temp(changed, "prepare", "master"))
    assert hit.exists(), "killed inside the audio stage: its temporary entry is still there"
    assert_next_run_completes(changed, before)


def test_sigkill_during_transcription(changed: Path) -> None:
    before = tree(changed / "feed")
    found = cache_temp(changed, "transcribe")
    proc = start(changed)
    tmp = wait_for(proc, found)
    time.sleep(0.3)  # inside the stage: loading Whisper, then decoding ~30 s of speech
    assert tmp.exists(), "transcription finished too soon to be interrupted"
    kill(proc)
    assert tree(changed / "feed") == before
    done = (changed / ".podcast-cache" / "transcribe").glob("*/meta.json")
    assert not any(heard_new(p.read_text()) for p in done), "killed after transcription"
    assert_next_run_completes(changed, before)


def test_sigkill_while_rendering(changed: Path) -> None:
    before = tree(changed / "feed")
    kill_when(changed, staging(changed))
    assert_next_run_completes(changed, before)


def _kill_at_swap(root: Path, **env: str) -> None:
    proc = start(root, PODCAST_TEST_SWAP_PAUSE="120", **env)
    wait_for(proc, lambda: "PODCAST_TEST_SWAP_PAUSE: pausing" in stderr(root))
    kill(proc)


def test_sigkill_at_the_atomic_swap(changed: Path) -> None:
    before_src, before = sources(changed), tree(changed / "feed")
    _kill_at_swap(changed)
    assert tree(changed / "feed") == before, "feed/ must be the old site at every instant"
    assert sources(changed) == before_src
    assert_next_run_completes(changed, before)


def test_sigkill_between_the_two_renames(changed: Path) -> None:
    before = tree(changed / "feed")
    _kill_at_swap(changed, PODCAST_TEST_SWAP_RENAMES="1")
    assert not (changed / "feed").exists() and (changed / ".feed.old").is_dir(), (
        "killed between the renames"
    )
    recover(changed / "feed")  # what every publish does first
    assert tree(changed / "feed") == before
    assert_next_run_completes(changed, before)


def test_a_second_publish_into_the_same_folder_is_refused(changed: Path) -> None:
    before = tree(changed / "feed")
    proc = start(changed)
    wait_for(proc, cache_temp(changed, "prepare", "master", "transcribe"))
    result = run_publish(changed)
    kill(proc)
    assert result.exit_code == 1 and "another publish" in result.output, result.output
    assert tree(changed / "feed") == before


def test_cleanup_keeps_temporaries_of_live_processes(tmp_path: Path) -> None:
    """A run removes the half-built entries of dead processes, never those of a live one
    (e.g. another publish sharing the cache with a different output folder)."""
    from podcast.cache import Cache

    stage = tmp_path / "cache" / "prepare"
    live = stage / f".k1.{os.getppid()}-abc.tmp"
    dead = stage / ".k2.999999999-abc.tmp"
    legacy = stage / ".k3.0123456789abcdef.tmp"
    for folder in (live, dead, legacy):
        (folder / "programme.wav").parent.mkdir(parents=True)
        (folder / "programme.wav").write_bytes(b"RIFF")
    Cache(tmp_path / "cache").clean_temporaries()
    assert live.exists() and not dead.exists() and not legacy.exists()


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_site(
    changed: Path, tmp_path: Path
) -> None:
    """Kill at spread-out moments of a whole run (measured first): feed/ is always either
    the previous site or the complete new one, byte for byte, never a mixture."""
    before = tree(changed / "feed")
    pristine = clone(changed, tmp_path / "pristine")
    t0 = time.monotonic()
    proc = start(changed)
    assert proc.wait(timeout=600) == 0, stderr(changed)
    duration = time.monotonic() - t0
    after = tree(changed / "feed")
    assert after != before
    notes: list[str] = []
    for i, fraction in enumerate((0.15, 0.4, 0.65, 0.9)):
        root = clone(pristine, tmp_path / f"kill{i}")
        proc = start(root)
        time.sleep(fraction * duration)
        if proc.poll() is None:
            kill(proc)
        now = tree(root / "feed")
        if now not in (before, after):
            notes.append(whisper_differs(now, before, after, f"killed at {fraction:.0%}"))
    result = run_publish(root)
    assert result.exit_code == 0
    if tree(root / "feed") != after:
        notes.append(whisper_differs(tree(root / "feed"), before, after, "completed"))
    assert leftovers(root) == []
    assert not notes, "; ".join(notes)


TRANSCRIPT_DERIVED = ("ep-a/transcript.", "ep-a/index.html", "search-index.js")


def whisper_differs(
    now: dict[str, bytes], before: dict[str, bytes], after: dict[str, bytes], when: str
) -> str:
    """`now` is neither the old site nor the measured new one. Fail on a mixture; if it is a
    complete new site whose transcript differs from the measured run's (and from the old
    one), the cause is Whisper giving different words in another process: say so (the test
    then fails naming it: transcription must be deterministic)."""
    new = sorted(k for k in now if now[k] != after.get(k))
    mixture = (
        set(now) != set(after)
        or now["ep-a/ep-a.mp3"] != after["ep-a/ep-a.mp3"]
        or any(now[k] == before.get(k) for k in new)
        or not all(k.startswith(TRANSCRIPT_DERIVED) for k in new)
    )
    assert not mixture, f"{when}: a mixture of old and new site: differs from the new in {new}"
    return (
        f"{when}: the new site is complete, but Whisper transcribed the same audio "
        "differently in another process (transcription must be deterministic: "
        f"temperature 0, see docs/reliability.md): {new}"
    )
