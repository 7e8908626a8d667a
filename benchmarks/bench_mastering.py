"""Benchmark the audio stage: speed vs real time and vs ffmpeg-normalize, memory, accuracy.

    .venv/bin/python benchmarks/bench_mastering.py [--minutes 30] [--long-hours 3] [--out docs/benchmarks-audio.md]

Generates its own test audio (looped public-domain speech clips from /work/shared/eval/audio,
or synthetic speech-like noise bursts when those are absent) into a temporary folder; nothing
is committed. Independent measurements use Debian's ffmpeg `ebur128` filter when present.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from podcast.audio import ffmpeg  # noqa: E402
from podcast.audio.master import master  # noqa: E402
from podcast.audio.prepare import prepare  # noqa: E402
from podcast.audio.settings import AudioSettings  # noqa: E402
from podcast.audio.wavfile import WavWriter  # noqa: E402

EVAL = Path("/work/shared/eval/audio")
RATE = 44100


def speech_bed(seconds: float = 120.0) -> np.ndarray:
    """~2 minutes of stereo speech at 44.1 kHz: eval clips with pauses (or synthetic bursts)."""
    clips = (
        sorted(EVAL.glob("librivox_*.wav"))
        + sorted(EVAL.glob("ljspeech_*.wav"))
        + [EVAL / "jfk.flac"]
    )
    parts: list[np.ndarray] = []
    rng = np.random.default_rng(1)
    for clip in [c for c in clips if c.exists()]:
        raw = ffmpeg.run(
            ["-i", str(clip), "-ac", "1", "-ar", str(RATE), "-f", "f32le", "pipe:1"]
        ).stdout
        x = np.frombuffer(raw, "<f4")
        x = x / (np.sqrt(np.mean(x**2)) + 1e-9) * 0.1
        parts += [x, np.zeros(int(RATE * rng.uniform(0.3, 0.9)), np.float32)]
    if not parts:  # synthetic: noise bursts shaped like syllables
        for _ in range(int(seconds * 3)):
            n = int(RATE * rng.uniform(0.08, 0.3))
            parts += [rng.standard_normal(n).astype(np.float32) * np.hanning(n).astype(np.float32) * 0.1,
                      np.zeros(int(RATE * rng.uniform(0.05, 0.4)), np.float32)]  # fmt: skip
    mono = np.concatenate(parts)
    reps = int(np.ceil(seconds * RATE / len(mono)))
    mono = np.tile(mono, reps)[: int(seconds * RATE)]
    right = np.roll(mono, 7) * 0.9 + rng.standard_normal(len(mono)).astype(np.float32) * 1e-3
    return np.stack([mono, right], axis=1).astype(np.float32)


def write_long(path: Path, bed: np.ndarray, seconds: float, gain_db: float = 0.0) -> None:
    """Write `seconds` of the looped bed as a 16-bit stereo WAV (streamed, not held in RAM)."""
    g = 10 ** (gain_db / 20)
    proc = ffmpeg.Process(["-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", "pipe:0",
                           "-c:a", "pcm_s16le", "-y", str(path)], stdin=True, stdout=False)  # fmt: skip
    left = int(seconds * RATE)
    while left > 0:
        n = min(left, len(bed))
        proc.stdin.write(np.clip(bed[:n] * g, -1, 1).astype("<f4").tobytes())
        left -= n
    proc.finish()


def ebur128(path: Path) -> tuple[float, float]:
    exe = shutil.which("ffmpeg", path="/usr/bin") or ffmpeg.ffmpeg_exe()
    err = subprocess.run([exe, "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True).stderr  # fmt: skip
    summary = err[err.rfind("Summary:") :]
    i = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    tp = float(re.search(r"Peak:\s+(-?[\d.inf]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return i, tp


class PeakRSS:
    """Samples the summed RSS of a process and all its descendants every 50 ms (VmRSS)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _tree(self, pid: int) -> list[int]:
        out = [pid]
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                kids = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
                for k in kids:
                    out += self._tree(int(k))
        except OSError:
            pass
        return out

    def _rss(self) -> int:
        total = 0
        for pid in self._tree(self.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.05)

    def __enter__(self) -> PeakRSS:
        self._t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._t.join()


def cpu_seconds() -> tuple[float, float]:
    """CPU time used so far by this process and by its finished children."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def run_ours(src: Path, work: Path, settings: AudioSettings) -> tuple[float, object]:
    t = time.perf_counter()
    prep = prepare(src, settings, work)
    res = master(prep, settings, work / "out.mp3")
    return time.perf_counter() - t, res


def run_ffmpeg_normalize(src: Path, out: Path) -> tuple[float, list[str]]:
    exe = Path(sys.executable).with_name("ffmpeg-normalize")
    cmd = [str(exe), str(src), "-o", str(out), "-f", "-nt", "ebu", "-t", "-16", "-tp", "-1",
           "-c:a", "libmp3lame", "-b:a", "128k", "-ar", "44100", "-ext", "mp3", "-q"]  # fmt: skip
    env = dict(os.environ, FFMPEG_PATH=ffmpeg.ffmpeg_exe())
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    return time.perf_counter() - t, cmd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--long-hours", type=float, default=3.0)
    ap.add_argument("--out", type=Path, default=None, help="write the markdown report here")
    args = ap.parse_args()
    settings = AudioSettings()
    lines: list[str] = []
    say = lines.append
    say("# Audio mastering benchmark\n")
    say(f"Command: `.venv/bin/python benchmarks/bench_mastering.py {shlex.join(sys.argv[1:])}`  ")
    say("Test audio: public-domain speech clips from /work/shared/eval/audio looped with pauses "
        "(stereo 44.1 kHz 16-bit WAV, generated by the script, not committed).\n")  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="bench-audio-"))
    try:
        bed = speech_bed()
        src = tmp / "episode.wav"
        write_long(src, bed, args.minutes * 60, gain_db=-6)
        dur = args.minutes * 60
        say(
            f"## Speed: {args.minutes:g}-minute stereo 44.1 kHz 16-bit WAV -> verified 128 kbps CBR MP3\n"
        )
        say(f"Encoder: libmp3lame CBR {settings.bitrate_stereo} kbps, LAME -q {settings.encoder_quality} "
            f"(`encoder_quality`), via imageio-ffmpeg {ffmpeg.ffmpeg_version()}.\n")  # fmt: skip
        # warm-up on 30 s: imports and the ffmpeg binary's first start are not what is measured
        warm = tmp / "warm.wav"
        write_long(warm, bed, 30.0, gain_db=-6)
        run_ours(warm, tmp / "w0", settings)
        shutil.rmtree(tmp / "w0"), warm.unlink()
        c0 = cpu_seconds()
        ours, res = run_ours(src, tmp / "w1", settings)
        c1 = cpu_seconds()
        theirs, cmd = run_ffmpeg_normalize(src, tmp / "fn.mp3")
        c2 = cpu_seconds()
        ours2, _ = run_ours(src, tmp / "w2", settings)  # again, after theirs: fair to load changes
        cpu_ours = (c1[0] - c0[0]) + (c1[1] - c0[1])
        cpu_theirs = (c2[0] - c1[0]) + (c2[1] - c1[1])
        best = min(ours, ours2)
        say("| tool | wall time (s) | x real time |\n|---|---:|---:|")
        say(f"| podcast.audio prepare+master+verify (run 1) | {ours:.1f} | {dur / ours:.0f}x |")
        say(
            f"| ffmpeg-normalize (EBU, -16 LUFS, -1 dBTP, MP3) | {theirs:.1f} | {dur / theirs:.0f}x |"
        )
        say(f"| podcast.audio (run 2, after ffmpeg-normalize) | {ours2:.1f} | {dur / ours2:.0f}x |")
        say(f"\nSpeed-up over ffmpeg-normalize: **{theirs / best:.1f}x** (best of our two runs; "
            f"{theirs / max(ours, ours2):.1f}x worst).  ")  # fmt: skip
        say(f"CPU time (user+sys, including ffmpeg/LAME child processes): ours {cpu_ours:.1f} s, "
            f"ffmpeg-normalize {cpu_theirs:.1f} s: **{cpu_theirs / cpu_ours:.1f}x** less CPU "
            "(this ratio does not depend on what else the shared machine is doing).  ")  # fmt: skip
        say(f"ffmpeg-normalize command: `FFMPEG_PATH={ffmpeg.ffmpeg_exe()} {shlex.join(cmd)}`\n")
        i1, tp1 = ebur128(res.path)  # type: ignore[attr-defined]
        i2, tp2 = ebur128(tmp / "fn.mp3")
        say(f"Independent ebur128 on the outputs: ours {i1:.1f} LUFS / {tp1:.1f} dBTP; "
            f"ffmpeg-normalize {i2:.1f} LUFS / {tp2:.1f} dBTP.\n")  # fmt: skip
        shutil.rmtree(tmp / "w1"), shutil.rmtree(tmp / "w2"), src.unlink()

        say(f"## Memory: {args.long_hours:g}-hour stereo recording\n")
        long_src = tmp / "long.wav"
        write_long(long_src, bed, args.long_hours * 3600, gain_db=-10)
        # a fresh process does the work, so the benchmark's own arrays are not counted
        code = (
            "import sys, json; from pathlib import Path; sys.path.insert(0, sys.argv[3]);"
            "from podcast.audio.settings import AudioSettings; from podcast.audio.prepare import prepare;"
            "from podcast.audio.master import master; s = AudioSettings();"
            "r = master(prepare(Path(sys.argv[1]), s, Path(sys.argv[2])), s, Path(sys.argv[2]) / 'out.mp3');"
            "print(json.dumps([r.integrated_lufs, r.true_peak_dbtp]))"
        )
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, str(long_src), str(tmp / "w3"), str(ROOT)],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        with PeakRSS(proc.pid) as rss:
            out, _ = proc.communicate()
        t_long = time.perf_counter() - t
        assert proc.returncode == 0, out
        lufs_long, tp_long = json.loads(out)
        say(f"Peak RSS (our process + ffmpeg children, sampled every 50 ms): **{rss.peak / 2**20:.0f} MB**; "
            f"time {t_long:.0f} s ({args.long_hours * 3600 / t_long:.0f}x real time); "
            f"result {lufs_long:.2f} LUFS / {tp_long:.2f} dBTP.  ")  # type: ignore[attr-defined]  # fmt: skip
        say(
            f"Working WAV on disk: {args.long_hours * 3600 * RATE * 8 / 2**30:.1f} GiB (float32 stereo), not in RAM.\n"
        )
        shutil.rmtree(tmp / "w3"), long_src.unlink()

        say(
            "## Accuracy: 2-minute inputs from whisper-quiet to clipping, measured by Debian ffmpeg ebur128\n"
        )
        say(
            "Inputs: the speech bed scaled to each loudness (our meter), hard-clipped at full scale.\n"
        )
        say(
            "| input (aimed) | channels | input LUFS (ebur128) | output LUFS | target | error LU | output dBTP | ok |"
        )
        say("|---|---|---:|---:|---:|---:|---:|---|")
        from podcast.audio.loudness import Meter

        for aim in (-40, -30, -23, -16, -10, -6):
            for mono in (False, True):
                x = bed[:, :1] if mono else bed
                m = Meter(RATE, x.shape[1], true_peak=False)
                m.feed(x)
                src = tmp / f"acc{-aim}{'m' if mono else 's'}.wav"
                w = WavWriter(src, RATE, x.shape[1])
                w.write(np.clip(x * 10 ** ((aim - m.integrated()) / 20), -1, 1))
                w.close()
                i_in, _ = ebur128(src)
                _, r = run_ours(src, tmp / f"wa{-aim}{mono}", settings)
                i_out, tp_out = ebur128(r.path)  # type: ignore[attr-defined]
                tgt = r.target_lufs  # type: ignore[attr-defined]
                ok = abs(i_out - tgt) <= 0.5 and tp_out <= -1.0
                say(f"| {aim} LUFS | {'mono' if mono else 'stereo'} | {i_in:.1f} | {i_out:.1f} | {tgt:g} | "
                    f"{i_out - tgt:+.1f} | {tp_out:.1f} | {'yes' if ok else 'NO'} |")  # fmt: skip
                shutil.rmtree(tmp / f"wa{-aim}{mono}")
        say(f"\nMachine: {platform.platform()}, {os.cpu_count()} cores shared with other jobs "
            f"(load average at end {os.getloadavg()[0]:.1f}); absolute times vary, the side-by-side ratio is the figure.")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
