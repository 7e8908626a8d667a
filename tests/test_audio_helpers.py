"""Shared helpers for the audio tests: generated speech-like audio and independent measurement
with Debian's ffmpeg (ebur128). Imported by the test_audio_*.py modules; holds no tests."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from podcast.audio import ffmpeg
from podcast.audio.loudness import Meter

SYSTEM_FFMPEG = shutil.which("ffmpeg", path="/usr/bin:/usr/local/bin")
SYSTEM_FFPROBE = shutil.which("ffprobe", path="/usr/bin:/usr/local/bin")
needs_system_ffmpeg = pytest.mark.skipif(
    SYSTEM_FFMPEG is None,
    reason="LOUD SKIP: Debian ffmpeg not installed; it is the independent loudness reference (apt install ffmpeg)",
)
needs_ffprobe = pytest.mark.skipif(
    SYSTEM_FFPROBE is None, reason="LOUD SKIP: Debian ffprobe not installed (apt install ffmpeg)"
)


def speechlike(
    seconds: float, rate: int = 44100, *, seed: int = 0, channels: int = 1
) -> np.ndarray:
    """Deterministic speech-like audio: voiced syllables (harmonics of a gliding 110-220 Hz f0,
    formant-ish weighting) and noisy consonants, ~4 syllables/s with pauses. float32 (n, ch)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    out = np.zeros(n, np.float32)
    pos = 0
    while pos < n:
        syl = int(rate * rng.uniform(0.12, 0.3))
        t = np.arange(syl) / rate
        f0 = rng.uniform(110, 220) * (1 + 0.1 * t / max(t[-1], 1e-3))
        phase = 2 * np.pi * np.cumsum(f0) / rate
        voiced = sum(
            np.sin(k * phase) * (1.0 / k) * (1.5 if 4 <= k <= 7 else 1.0) for k in range(1, 16)
        )
        cons = rng.standard_normal(syl) * (np.arange(syl) < syl * 0.2) * 0.5
        env = np.hanning(syl) ** 0.7
        seg = ((voiced * 0.25 + cons) * env * rng.uniform(0.4, 1.0)).astype(np.float32)
        end = min(n, pos + syl)
        out[pos:end] += seg[: end - pos]
        pos = end + int(
            rate * (rng.uniform(0.02, 0.12) if rng.random() < 0.8 else rng.uniform(0.3, 0.7))
        )
    if channels == 1:
        return out[:, None]
    right = np.roll(out, 5) * 0.85
    cols = [out, right] + [out * 0.5] * (channels - 2)
    return np.stack(cols, axis=1).astype(np.float32)


def lufs_of(x: np.ndarray, rate: int) -> float:
    m = Meter(rate, x.shape[1], true_peak=False)
    m.feed(x.astype(np.float32))
    return m.integrated()


def at_lufs(x: np.ndarray, rate: int, lufs: float, *, clip: bool = True) -> np.ndarray:
    """Scale to the given integrated loudness (our meter); hard-clip at full scale like a real
    overloaded recorder."""
    y = x * np.float32(10 ** ((lufs - lufs_of(x[:, :2], rate)) / 20))
    return np.clip(y, -1.0, 1.0) if clip else y


def write_audio(path: Path, x: np.ndarray, rate: int, *, codec: list[str] | None = None) -> Path:
    """Encode float32 (n, ch) to `path` with the bundled ffmpeg (format from the extension)."""
    args = ["-f", "f32le", "-ar", str(rate), "-ac", str(x.shape[1]), "-i", "pipe:0"]
    proc = subprocess.run(
        ffmpeg.command(args + (codec or []) + ["-y", str(path)]),
        input=np.ascontiguousarray(x, "<f4").tobytes(),
        capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return path


def decode(path: Path, rate: int = 44100, channels: int = 1) -> np.ndarray:
    raw = ffmpeg.run(
        ["-i", str(path), "-ac", str(channels), "-ar", str(rate), "-f", "f32le", "pipe:1"]
    ).stdout
    return np.frombuffer(raw, "<f4").reshape(-1, channels)


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) from Debian ffmpeg's ebur128 filter."""
    assert SYSTEM_FFMPEG
    err = subprocess.run(
        [
            SYSTEM_FFMPEG,
            "-nostats",
            "-hide_banner",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
    ).stderr
    summary = err[err.rfind("Summary:") :]
    i = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    tp = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert i and tp, err[-2000:]
    return float(i.group(1)), float(tp.group(1))


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def rms_db(x: np.ndarray) -> float:
    v = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 20 * np.log10(v) if v > 0 else -200.0
