"""Voice-activity detection (faster-whisper's bundled Silero VAD, offline) and window cutting.

All positions are sample indices at 16 kHz, relative to the window being processed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

RATE = 16000
MAX_CLIP_S = 30.0  # Whisper's context: one clip is decoded in one 30 s window
MERGE_GAP_S = 1.0  # speech regions closer than this share a clip
Region = tuple[int, int]


# Silero settings shared by our own VAD pass and faster-whisper's internal one: speech is cut
# at pauses of 160 ms. faster-whisper's own defaults (2 s, 400 ms) gave a better WER on read
# speech (5.9% vs 7.1% on the 5.5-minute benchmark file), but on the 4-person AMI meeting
# clip tiny.en then fell into a repetition loop that temperature-0 decoding cannot retry, and
# 59 of its 74 words were lost (tests/test_transcribe_engine_model.py keeps that clip whole).
VAD_PARAMETERS = {
    "threshold": 0.5,
    "min_silence_duration_ms": 160,
    "speech_pad_ms": 200,
}


def speech_regions(audio: Any) -> tuple[Region, ...]:
    """Where the Silero VAD hears speech, as (start, end) samples, each at most 30 s long."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(audio) < RATE // 10:
        return ()
    options = VadOptions(**VAD_PARAMETERS, max_speech_duration_s=MAX_CLIP_S - 1.0)
    return tuple((int(t["start"]), int(t["end"])) for t in get_speech_timestamps(audio, options))


def fixed_regions(n_samples: int) -> tuple[Region, ...]:
    """With VAD off: the whole window, in pieces Whisper can decode."""
    step = int((MAX_CLIP_S - 1.0) * RATE)
    return tuple((s, min(s + step, n_samples)) for s in range(0, n_samples, step))


def choose_cut(regions: Sequence[Region], n_samples: int, audio: Any) -> int:
    """Where to end this window: in the middle of the widest silence in its last 40%.

    Cutting in silence means no word is split between windows. With no silence there (a
    rare 4 minutes of unbroken speech) the quietest 50 ms in that stretch is used.
    """
    lo = int(n_samples * 0.6)
    best, width = -1, 0
    edges = [(0, 0), *regions, (n_samples, n_samples)]
    for (_, prev_end), (next_start, _) in zip(edges, edges[1:], strict=False):
        gap = next_start - prev_end
        mid = (prev_end + next_start) // 2
        if gap > width and lo <= mid < n_samples and prev_end > 0:
            best, width = mid, gap
    return best if best > 0 else quietest_point(audio, lo, n_samples)


def quietest_point(audio: Any, lo: int, hi: int, smooth: int = 1) -> int:
    """Centre of the quietest stretch of `smooth` x 50 ms between two sample positions."""
    import numpy as np

    frame = RATE // 20
    span = audio[lo:hi]
    n = len(span) // frame
    if n == 0:
        return hi
    energy = np.square(span[: n * frame].reshape(n, frame)).mean(axis=1)
    if smooth > 1 and n > smooth:
        energy = np.convolve(energy, np.ones(smooth) / smooth, mode="same")
    return lo + int(np.argmin(energy)) * frame + frame // 2


def quiet_cut(audio: Any) -> int:
    """A cut for when the engine runs its own VAD: the quietest 0.5 s in the last 40%."""
    return quietest_point(audio, int(len(audio) * 0.6), len(audio), smooth=10)


def clip_before(regions: Sequence[Region], cut: int) -> tuple[Region, ...]:
    """The regions (trimmed) that lie before `cut`."""
    return tuple((s, min(e, cut)) for s, e in regions if s < cut and min(e, cut) - s > RATE // 20)


def merge_into_clips(regions: Sequence[Region]) -> tuple[Region, ...]:
    """Join nearby speech regions into clips of at most 30 s (fewer, fuller decoder calls)."""
    clips: list[Region] = []
    limit, gap = int(MAX_CLIP_S * RATE), int(MERGE_GAP_S * RATE)
    for start, end in regions:
        if clips and start - clips[-1][1] <= gap and end - clips[-1][0] <= limit:
            clips[-1] = (clips[-1][0], end)
        else:
            clips.append((start, end))
    return tuple(clips)
