"""Predict the loudness the mastering pass will produce, so the first encode usually lands.

`prepare` keeps a small envelope of the programme next to its WAV: per 5 ms block, the sample
peak and the K-weighted energy (a 3-hour file: ~17 MB). Here the published file is laid out in
those blocks (content scaled by the gain, mutes and music fixed), the true-peak limiter is
simulated at block resolution (same look-ahead and release), and the gated BS.1770 loudness of
the result is computed. `solve_gain` finds the gain whose predicted loudness hits the target,
which accounts for what the limiter and the bleeps take away. The verification pass still
measures the real file; this only saves re-encodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from podcast.audio.loudness import REL_GATE_INTEGRATED, _gated, k_weighting_sos

BLOCK_S = 0.005
TP_OVER_SAMPLE_DB = 0.3  # typical true peak above the sample peak (speech)


def block_frames(rate: int) -> int:
    return round(rate * BLOCK_S)


def envelope_path(wav: Path) -> Path:
    return Path(wav).with_suffix(".env.npy")


def save_envelope(wav: Path, env: np.ndarray, rate: int, start: int, end: int) -> None:
    """Store the blocks of `env` that cover frames [start, end) of the untrimmed recording."""
    b = block_frames(rate)
    np.save(envelope_path(wav), env[start // b : end // b])


def load_envelope(wav: Path, rate: int, frames: int) -> np.ndarray | None:
    path = envelope_path(wav)
    try:
        env = np.load(path)
    except (OSError, ValueError):
        return None
    b = block_frames(rate)
    if env.ndim != 2 or env.shape[1] != 2 or abs(len(env) * b - frames) > 2 * b:
        return None
    return env


@dataclass
class Layout:
    """The published file in blocks: parts scaled by the content gain, and fixed parts."""

    peak_scaled: np.ndarray
    energy_scaled: np.ndarray
    peak_fixed: np.ndarray
    energy_fixed: np.ndarray
    rate: int

    @classmethod
    def empty(cls, blocks: int, rate: int) -> Layout:
        z = lambda: np.zeros(blocks, np.float32)  # noqa: E731
        return cls(z(), z(), z(), z(), rate)

    def add(self, at: int, env: np.ndarray, *, scaled: bool) -> None:
        n = max(0, min(len(env), len(self.peak_scaled) - at))
        if n <= 0:
            return
        peak, energy = (
            (self.peak_scaled, self.energy_scaled)
            if scaled
            else (self.peak_fixed, self.energy_fixed)
        )
        np.maximum(peak[at : at + n], env[:n, 0], out=peak[at : at + n])
        energy[at : at + n] += env[:n, 1]

    def mute(self, a: int, b: int, tone_amp: float, channels: int) -> None:
        """Blocks [a, b) of the content are replaced by a tone of this amplitude (0: silence)."""
        self.peak_scaled[a:b] = 0.0
        self.energy_scaled[a:b] = 0.0
        if tone_amp > 0:
            k = _k_gain_sq(1000.0, self.rate)
            self.peak_fixed[a:b] = np.maximum(self.peak_fixed[a:b], tone_amp)
            self.energy_fixed[a:b] += block_frames(self.rate) * channels * tone_amp**2 / 2 * k


def _k_gain_sq(freq: float, rate: int) -> float:
    from scipy.signal import sosfreqz

    _, h = sosfreqz(k_weighting_sos(rate), worN=[freq], fs=rate)
    return float(abs(h[0]) ** 2)


def predict(layout: Layout, gain_db: float, ceiling_db: float,
            attack_blocks: int = 1, release_db_per_s: float = 40.0) -> float:  # fmt: skip
    """Integrated loudness (LUFS) of the published file at this content gain and ceiling."""
    from scipy.ndimage import minimum_filter1d

    g = np.float32(10 ** (gain_db / 20))
    peak = np.maximum(layout.peak_scaled * g, layout.peak_fixed)
    with np.errstate(divide="ignore"):
        req = np.float32(ceiling_db - TP_OVER_SAMPLE_DB) - 20 * np.log10(peak)
    np.minimum(req, 0.0, out=req)
    m = minimum_filter1d(req, size=2 * attack_blocks + 1, mode="nearest")
    del req, peak
    # release: lim[k] = min(m[k], lim[k-1] + rel), as in the limiter (float64 ramp for precision)
    ramp = np.arange(1, len(m) + 1, dtype=np.float64) * (release_db_per_s * BLOCK_S)
    lim = (np.minimum.accumulate(np.minimum(m - ramp, 0.0)) + ramp).astype(np.float32)
    del m, ramp
    np.minimum(lim, 0.0, out=lim)
    energy = (layout.energy_scaled * (g * g) + layout.energy_fixed) * np.power(
        np.float32(10), lim / 10
    )
    b = block_frames(layout.rate)
    per_sub = round(0.1 / BLOCK_S)
    nsub = len(energy) // per_sub
    if nsub < 4:
        return float("-inf")
    sub = energy[: nsub * per_sub].reshape(nsub, per_sub).sum(axis=1) / (per_sub * b)
    c = np.concatenate([[0.0], np.cumsum(sub)])
    z = (c[4:] - c[:-4]) / 4
    return _gated(z, REL_GATE_INTEGRATED)


def solve_gain(layout: Layout, target: float, ceiling_db: float, first: float) -> float:
    """Content gain (dB) whose predicted loudness is the target (fixed-point iteration)."""
    gain = first
    for _ in range(8):
        got = predict(layout, gain, ceiling_db)
        if not math.isfinite(got):
            return first
        step = target - got
        gain += step
        if abs(step) < 0.01:
            break
    return gain
