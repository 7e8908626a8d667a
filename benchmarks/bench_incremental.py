"""Benchmark incremental publishing: first publish, no-op re-publish, one changed episode.

    .venv/bin/python benchmarks/bench_incremental.py [--episodes 200] [--small 50]
        [--workdir DIR] [--out docs/benchmarks-incremental.md]

Generates a show of N episodes (a 2.5 s tone each, a different pitch per episode, so every
recording differs; `chapters: none`, `allow_unreviewed: true`), publishes it once (the cold
cost), then measures, each run a real `podcast publish` subprocess with its own peak RSS
(os.wait4):
  * the no-op re-publish (median of 3) and that it created no cache entry;
  * a re-publish after one episode's recording changed, against that episode's own work
    (a cold publish of a one-episode show with the same recording);
  * a re-publish after the show artwork changed (re-tags only);
  * peak RSS of the no-op run for the small show (first N_small episodes, cache copied)
    against the full show: memory must stay flat.
Nothing is committed; --workdir keeps the generated show for a re-run (the cold publish is
then skipped unless --fresh).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shlex
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PODCAST = [str(Path(sys.executable).with_name("podcast"))]
RATE = 22050
ENV = dict(os.environ)

SHOW = {
    "title": "Benchmark Stories",
    "description": "A generated show for the incremental benchmark.",
    "author": "Bench Trust",
    "owner": {"name": "Comms Team", "email": "comms@example.org"},
    "language": "en-GB",
    "base_url": "https://example.org/bench/",
    "artwork": "artwork.png",
    "category": "Health & Fitness",
    "guid": "5d6f1a2b-1111-5222-8333-944455556666",
    "transcription": {"allow_unreviewed": True},
}


def tone(path: Path, freq: float, seconds: float = 2.5) -> None:
    """A tone with a 0.1 s fade in and out (mono 16-bit WAV, stdlib only)."""
    n = int(seconds * RATE)
    fade = int(0.1 * RATE)
    frames = bytearray()
    for i in range(n):
        env = min(1.0, i / fade, (n - i) / fade)
        frames += struct.pack(
            "<h", int(0.3 * env * 32767 * math.sin(2 * math.pi * freq * i / RATE))
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))


def artwork(path: Path, colour: tuple[int, int, int]) -> None:
    from PIL import Image

    Image.new("RGB", (1400, 1400), colour).save(path)


def episode(i: int) -> dict:
    return {
        "title": f"Episode {i}",
        "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "description": f"Generated episode number {i}.",
        "guid": f"bench-episode-{i:04d}",
        "audio": "recording.wav",
        "chapters": "none",
        "speakers": [
            {
                "id": "host",
                "name": "Alex Host",
                "role": "Interviewer",
                "host": True,
                "consent": {
                    "reference": f"CF-{i}",
                    "date": "2026-01-01",
                    "scope": ["audio", "transcript", "name"],
                },
            }
        ],
    }


def make_show(root: Path, episodes: range) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "show.yaml").write_text(yaml.safe_dump(SHOW, sort_keys=False), encoding="utf-8")
    artwork(root / "artwork.png", (0, 94, 184))
    for i in episodes:
        folder = root / "episodes" / f"ep-{i:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "episode.yaml").write_text(
            yaml.safe_dump(episode(i), sort_keys=False), encoding="utf-8"
        )
        tone(folder / "recording.wav", 200.0 + 3.0 * i)


def say(*parts: object, flush: bool = True) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float  # user + system CPU seconds of the publish process and its children
    peak_rss_mb: float
    exit_code: int
    new_entries: int
    log: str


def cache_entries(cache: Path) -> set[str]:
    if not cache.is_dir():
        return set()
    return {f"{s.name}/{e.name}" for s in cache.iterdir() if s.is_dir() for e in s.iterdir()}


def publish(root: Path, *extra: str) -> Run:
    """One `podcast publish` subprocess: wall time and its own peak RSS (os.wait4)."""
    before = cache_entries(root / ".podcast-cache")
    cmd = [*PODCAST, "publish", "--root", str(root), "--no-progress", "-v", *extra]
    logf = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    logf.seek(0)
    text = logf.read().decode(errors="replace")
    new = cache_entries(root / ".podcast-cache") - before
    if proc.returncode != 0:
        sys.exit(f"{shlex.join(cmd)} failed ({proc.returncode}):\n{text[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, proc.returncode, len(new), text)


def work_done(log: str) -> list[str]:
    """Log lines that show audio or transcription work."""
    return [
        line
        for line in log.splitlines()
        if "decoding and cleaning" in line or "mastering" in line or "transcrib" in line
    ]


def noop(root: Path, times: int = 3) -> list[Run]:
    runs = [publish(root) for _ in range(times)]
    for r in runs:
        if r.new_entries or work_done(r.log):
            sys.exit(
                f"no-op re-publish did work: {r.new_entries} new entries, {work_done(r.log)[:3]}"
            )
    return runs


def med(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def med_cpu(runs: list[Run]) -> float:
    return statistics.median(r.cpu for r in runs)


def phases(run: Run) -> str:
    """The run's own phase timings (pipeline logs 'timing: <phase> <s> s' at -v)."""
    found = [line.split("timing: ", 1)[1] for line in run.log.splitlines() if "timing: " in line]
    return ", ".join(found) or "n/a"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--small", type=int, default=50)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--fresh", action="store_true", help="Regenerate and cold-publish the show.")
    ap.add_argument(
        "--out", type=Path, default=None, help="Append the markdown results to this file."
    )
    ap.add_argument(
        "--pythonpath",
        default=None,
        help="Run publish with this PYTHONPATH first (to measure a patched copy).",
    )
    ap.add_argument("--label", default="as committed", help="What is measured (for the table).")
    args = ap.parse_args()
    if args.pythonpath:
        ENV["PYTHONPATH"] = args.pythonpath
    loads = [load()]

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    big = work / f"show-{args.episodes}"
    rows: list[tuple[str, str]] = []
    notes: list[str] = []

    cold: Run | None = None
    if args.fresh or not (big / "feed").is_dir():
        shutil.rmtree(big, ignore_errors=True)
        make_show(big, range(1, args.episodes + 1))
        say(f"cold publish of {args.episodes} episodes ...", flush=True)
        cold = publish(big)
        rows.append(
            (
                f"cold publish, {args.episodes} episodes (empty cache)",
                f"{cold.seconds:.1f} s ({cold.seconds / args.episodes:.2f} s/episode; CPU "
                f"{cold.cpu:.0f} s), peak RSS {cold.peak_rss_mb:.0f} MB, "
                f"{cold.new_entries} cache entries",
            )
        )

    say("no-op re-publish x3 ...", flush=True)
    publish(big)  # settle: a previous run may have left the hash memo stale
    big_noop = noop(big)
    rows.append(
        (
            f"no-op re-publish, {args.episodes} episodes (median of 3)",
            f"{med(big_noop):.2f} s (runs: "
            + ", ".join(f"{r.seconds:.2f}" for r in big_noop)
            + f"); CPU {med_cpu(big_noop):.2f} s; peak RSS "
            f"{max(r.peak_rss_mb for r in big_noop):.0f} MB; 0 new cache entries",
        )
    )
    rows.append(
        ("  phases of the median no-op run", phases(sorted(big_noop, key=lambda r: r.seconds)[1]))
    )

    # one episode changed: its recording gets a new pitch
    pick = min(7, args.episodes)
    target = big / "episodes" / f"ep-{pick:03d}" / "recording.wav"
    rng = random.Random(time.time_ns())  # a change never seen before (no old cache entry)
    pitch = rng.uniform(1000.0, 2000.0)
    tone(target, pitch)
    say("one changed episode ...", flush=True)
    one = publish(big)
    tone(target, 200.0 + 3.0 * pick)  # back as it was (its old entries are still in the cache)
    single = work / "single"
    shutil.rmtree(single, ignore_errors=True)
    make_show(single, range(pick, pick + 1))
    tone(single / "episodes" / f"ep-{pick:03d}" / "recording.wav", pitch)
    alone = publish(single)
    rows.append(
        (
            "re-publish after changing one episode's recording",
            f"{one.seconds:.2f} s (CPU {one.cpu:.2f} s), {one.new_entries} new cache "
            f"entries, peak RSS {one.peak_rss_mb:.0f} MB",
        )
    )
    rows.append(
        (
            "that episode's own work: cold publish of a one-episode show with it",
            f"{alone.seconds:.2f} s (CPU {alone.cpu:.2f} s)",
        )
    )
    rows.append(
        (
            "overhead of the other episodes (difference)",
            f"{one.seconds - alone.seconds:+.2f} s (CPU {one.cpu - alone.cpu:+.2f} s)",
        )
    )
    publish(big)  # back to the original state (hits)

    # show artwork changed: re-tag only
    artwork(big / "artwork.png", (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    say("artwork changed ...", flush=True)
    art = publish(big)
    stages = sorted({line.split("/")[0] for line in cache_entries(big / ".podcast-cache")})
    artwork(big / "artwork.png", (0, 94, 184))
    rows.append(
        (
            "re-publish after changing the show artwork",
            f"{art.seconds:.2f} s (CPU {art.cpu:.2f} s), {art.new_entries} new cache entries "
            f"(work lines in log: {len(work_done(art.log))})",
        )
    )
    notes.append(f"cache stages present: {', '.join(stages)}")
    publish(big)

    # memory flat: a show of the first N_small episodes, sharing the cache (content keys)
    small = work / f"show-{args.small}"
    shutil.rmtree(small, ignore_errors=True)
    make_show(small, range(1, args.small + 1))
    shutil.copytree(big / ".podcast-cache", small / ".podcast-cache", copy_function=os.link)
    (small / ".podcast-cache" / "hashes.json").unlink(missing_ok=True)
    first_small = publish(small)
    if first_small.new_entries:
        notes.append(f"small show first run built {first_small.new_entries} entries (expected 0)")
    small_noop = noop(small)
    rows.append(
        (
            f"no-op re-publish, {args.small} episodes (median of 3)",
            f"{med(small_noop):.2f} s; CPU {med_cpu(small_noop):.2f} s; peak RSS "
            f"{max(r.peak_rss_mb for r in small_noop):.0f} MB",
        )
    )
    ratio = max(r.peak_rss_mb for r in big_noop) / max(r.peak_rss_mb for r in small_noop)
    rows.append((f"peak RSS ratio no-op {args.episodes} / {args.small} episodes", f"{ratio:.2f}"))

    loads.append(load())
    table = "\n".join(f"| {a} | {b} |" for a, b in rows)
    cpu = os.cpu_count()
    pp = f" --pythonpath {args.pythonpath}" if args.pythonpath else ""
    text = f"""## {args.label}

Command (from the repository root):

    .venv/bin/python benchmarks/bench_incremental.py --episodes {args.episodes} --small {args.small}{pp}

Machine: {platform.machine()}, {cpu} cores, Python {platform.python_version()}, {platform.platform()};
the machine was shared with other jobs (load varies), so wall times are upper bounds.
Each figure is one real `podcast publish` subprocess (start-up, imports, loading the show,
rendering the feed and site and the atomic swap included); peak RSS is that process's own
(os.wait4); CPU is that process's user + system time (with its children), which the
machine's load does not inflate. Load average (1/5/15 min) at start {loads[0]}, at end
{loads[1]}. Episodes: a 2.5 s tone each, `chapters: none`, `allow_unreviewed: true`.

| measurement | result |
| --- | --- |
{table}

{chr(10).join("- " + n for n in notes)}
"""
    say(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
