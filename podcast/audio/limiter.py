"""Streaming look-ahead true-peak limiter.

For every sample the gain needed to keep the 4x-interpolated (BS.1770-4 Annex 2) peak under
the ceiling is computed (only where the sample peak is within SEARCH_MARGIN_DB of it). The gain curve is:
look-ahead minimum over the attack window -> linear-in-dB release (a running minimum, so it is
vectorised) -> moving average over the attack window. Because every value averaged at a peak is
already at or below the gain that peak needs, the smoothed gain never lets a peak through.
Output is time-aligned with the input (the look-ahead only delays when chunks come out).
"""

from __future__ import annotations

import numpy as np

from podcast.audio.loudness import TP_GAIN, TP_TAPS, candidate_ends, frame_abs_max, interp_peaks

# interpolated values of a window lie between its samples CENTRE and CENTRE-1 from its end
_CENTRE = TP_TAPS // 2
# Only windows whose largest input sample is within this much of the ceiling are interpolated.
# Inter-sample overs of real (band-limited) audio stay under ~3 dB (3.01 dB for the worst sine);
# the strict bound (6.1 dB) would interpolate ~5x more. The encoded file is verified strictly.
SEARCH_MARGIN_DB = 4.0


class TruePeakLimiter:
    def __init__(
        self,
        rate: int,
        channels: int,
        ceiling_db: float,
        *,
        attack_ms: float = 5.0,
        release_db_per_s: float = 40.0,
    ):
        self.channels = channels
        self.ceiling = 10 ** (ceiling_db / 20)
        self.ceiling_db = ceiling_db
        # candidate_ends multiplies by TP_GAIN; we want ceiling - SEARCH_MARGIN_DB
        self._margin = TP_GAIN / 10 ** (SEARCH_MARGIN_DB / 20)
        self.look = max(1, round(rate * attack_ms / 1000))
        self.rel = release_db_per_s / rate  # dB per sample
        self.hold = self.look + TP_TAPS  # samples kept back until their future is known
        self._past = np.zeros((TP_TAPS, channels), np.float32)  # emitted input (for interpolation)
        # input not yet emitted; starts with `look` samples of silent pre-roll (dropped on output)
        # so that peaks in the first milliseconds get the full attack ramp too
        self._buf = np.zeros((self.look, channels), np.float32)
        self._drop = self.look
        self._next = -self.look  # input index of the first sample not yet emitted
        self._patches: list[
            tuple[np.ndarray, np.ndarray]
        ] = []  # extra reductions (see add_patches)
        self.patch_radius = round(rate * 0.015)
        self._g_last = 0.0  # release state: gain (dB) before smoothing at the last emitted sample
        self._g_hist = np.zeros(self.look, np.float64)  # last `look` pre-smoothing gains
        self.max_reduction_db = 0.0
        self.limited_samples = 0

    def add_patches(self, positions: np.ndarray, gains_db: np.ndarray) -> None:
        """Reduce the gain by a further |gains_db| dB within `patch_radius` of these input samples,
        e.g. where the encoded file overshot. Within one call overlapping patches keep the deepest
        value; separate calls (successive corrections) add up."""
        order = np.argsort(positions, kind="stable")
        pos = np.asarray(positions, np.int64)[order]
        db = np.asarray(gains_db, np.float32)[order]
        self._patches.append((pos, db))

    def _apply_patches(self, req: np.ndarray, first: int) -> None:
        """req covers input samples [first, first + len(req))."""
        r = self.patch_radius
        for positions, gains in self._patches:
            lo = np.searchsorted(positions, first - r)
            hi = np.searchsorted(positions, first + len(req) + r)
            if lo == hi:
                continue
            extra = np.zeros(len(req), np.float32)
            for pos, db in zip(positions[lo:hi], gains[lo:hi], strict=True):
                a, b = max(0, pos - r - first), min(len(req), pos + r + 1 - first)
                np.minimum(extra[a:b], db, out=extra[a:b])
            req += extra

    def _required_db(self, x: np.ndarray) -> np.ndarray:
        """Gain (dB, <= 0) each sample needs so neither it nor its neighbouring interpolated
        values exceed the ceiling."""
        n = len(x)
        req = np.zeros(n, np.float32)
        a = frame_abs_max(x)
        cand = candidate_ends(a, self.ceiling * self._margin)
        if not len(cand):
            return req
        interp = np.zeros(n, np.float32)
        interp[cand] = interp_peaks(x, cand)
        peak = a.copy()
        # the window ending at e interpolates between samples e-CENTRE and e-CENTRE+1
        for off in (_CENTRE, _CENTRE - 1):
            np.maximum(peak[: n - off], interp[off:n], out=peak[: n - off])
        over = peak > self.ceiling
        req[over] = 20 * np.log10(self.ceiling / peak[over])
        return req

    def process(self, chunk: np.ndarray, final: bool = False) -> np.ndarray:
        """Feed input; get back the limited output available so far (all of it when final)."""
        out = self._process(chunk, final)
        if self._drop:
            cut = min(self._drop, len(out))
            self._drop -= cut
            out = out[cut:]
        return out

    def _process(self, chunk: np.ndarray, final: bool) -> np.ndarray:
        from scipy.ndimage import minimum_filter1d

        x = np.concatenate([self._past, self._buf, chunk.astype(np.float32, copy=False)])
        p = len(self._past)
        if final:
            x = np.concatenate([x, np.zeros((self.hold, self.channels), np.float32)])
        emit_end = len(x) - self.hold
        if emit_end <= p:
            self._buf = x[p:] if not final else self._buf[:0]
            return np.zeros((0, self.channels), np.float32)
        req = self._required_db(x)
        self._apply_patches(req, self._next - p)
        if not req.any() and self._g_last == 0.0 and not self._g_hist.any() and not final:
            # nothing to limit in this stretch: pass the audio through untouched
            out = x[p:emit_end]
            self._past = x[emit_end - TP_TAPS : emit_end]
            self._buf = x[emit_end:]
            self._next += len(out)
            return out
        # look-ahead minimum: m[k] = min(req[k .. k+look])
        m = minimum_filter1d(
            req, size=self.look + 1, origin=-(self.look // 2) - (self.look % 2), mode="nearest"
        )
        m = m[p:emit_end]
        # release: g[k] = min(m[k], g[k-1] + rel), capped at 0 dB
        k = np.arange(1, len(m) + 1, dtype=np.float64)
        g = (
            np.minimum.accumulate(np.concatenate([[self._g_last], m - k * self.rel]))[1:]
            + k * self.rel
        )
        g = np.minimum(g, 0.0)
        # attack smoothing: average of the last look+1 values of g
        gh = np.concatenate([self._g_hist, g])
        c = np.concatenate([[0.0], np.cumsum(gh)])
        sm = (c[self.look + 1 :] - c[: -self.look - 1]) / (self.look + 1)
        sm = np.minimum(sm, 0.0)
        out = x[p:emit_end] * np.exp(sm.astype(np.float32) * np.float32(np.log(10) / 20))[:, None]
        if len(sm):
            self.max_reduction_db = min(self.max_reduction_db, float(sm.min()))
            self.limited_samples += int(np.count_nonzero(sm < -0.01))
        self._g_last = float(g[-1])
        self._g_hist = gh[-self.look :]
        self._past = x[emit_end - TP_TAPS : emit_end]
        self._buf = x[emit_end:] if not final else self._buf[:0]
        self._next += len(out)
        return out

    def flush(self, real_tail: int) -> np.ndarray:
        """Emit what is left; `real_tail` = how many of the held-back samples are real input."""
        out = self.process(np.zeros((0, self.channels), np.float32), final=True)
        return out[:real_tail]
