"""Separate tracks or channels whose speakers talk over each other: decode each on its own.

Energy attribution on the mix (speakers.py) is right while one person speaks at a time, and
costs one decode. When the sources overlap a lot (people talking at once, as in
stereo_diarization.wav) the mix is garbled for Whisper, so each source is decoded alone and
words that are only another source's bleed (that source is >6 dB louder there) are dropped.
`separate_tracks: auto` chooses by measuring the overlap; 'always'/'never' force it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from podcast.models import Segment, Word
from podcast.transcribe.speakers import ENVELOPE_HZ, word_power

MODES = ("auto", "always", "never")
OVERLAP_LIMIT = 0.2  # share of speech time with two or more sources active
ACTIVE_DB = -12.0  # a source is active within 12 dB of its own loud (95th percentile) level
BLEED_RATIO = 4.0  # 6 dB in power
BLEED_QUIET_DB = -15.0


def overlap_ratio(env: Any) -> float:
    """Share of active frames in which at least two sources are active."""
    import numpy as np

    loud = np.percentile(env, 95, axis=1, keepdims=True)
    active = env > np.maximum(loud * 10 ** (ACTIVE_DB / 20), 1e-4)
    count = active.sum(axis=0)
    return float((count >= 2).sum() / max(1, (count >= 1).sum()))


def should_separate(mode: str, env: Any) -> bool:
    if mode == "always":
        return True
    if mode == "never" or env.shape[0] < 2:
        return False
    return overlap_ratio(env) > OVERLAP_LIMIT


def drop_bleed(segments: Sequence[Segment], index: int, env: Any) -> tuple[Segment, ...]:
    """Keep the words of source `index` that are not just another source's bleed.

    A word is bleed when its own source is quiet there (more than 15 dB under that source's
    loud level) while another source is more than 6 dB louder: the other person's voice
    leaking into this microphone. Real overlapped speech is loud on both and is kept.
    """
    import numpy as np

    loud = np.percentile(env, 95, axis=1)
    out: list[Segment] = []
    for seg in segments:
        if not seg.words:
            out.append(seg)
            continue
        run: list[Word] = []
        for w in (*seg.words, None):
            if w is not None and _own(w, index, env, loud):
                run.append(w)
                continue
            if run:
                out.append(_piece(seg, run))
                run = []
    return tuple(out)


def _own(w: Word, index: int, env: Any, loud: Any) -> bool:
    power = word_power(env, w.start, w.end)
    frames = max(1, round((w.end - w.start) * ENVELOPE_HZ))
    level = (power[index] / frames) ** 0.5
    if level >= loud[index] * 10 ** (BLEED_QUIET_DB / 20):
        return True
    others = [p for i, p in enumerate(power) if i != index]
    return not others or power[index] * BLEED_RATIO >= max(others)


def _piece(seg: Segment, words: list[Word]) -> Segment:
    if len(words) == len(seg.words):
        return seg
    return replace(
        seg,
        start=words[0].start,
        end=words[-1].end,
        words=tuple(words),
        text="".join(w.text for w in words),
    )
