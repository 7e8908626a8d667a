"""Hallucination guard: Whisper invents text in silence and music; this drops or flags it.

Rules, applied to each decoded segment with the audio it came from:
- silent audio under the segment (RMS below -50 dBFS)               -> dropped
- high no-speech probability with a low average log-probability      -> dropped
- the same text (3+ words) as the previous segment (a repetition loop) -> dropped
- text that compresses too well (zlib ratio > 2.4: "the the the ...") -> dropped
  (Whisper's own failure test; the batched decoder has no temperature fallback to retry)
- text with no letters or digits (" .", " ...")                      -> dropped
- stock phrases Whisper produces from silence, when uncertain          -> flagged
- any word with probability < 0.5                                    -> "low_confidence"
- bracketed non-speech ("[Music]", "(laughs)", "♪")                   -> kind "nonspeech"
Nothing is ever added except the single "[Music]" marker for a recording with no speech.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from podcast.models import Segment

RATE = 16000
SILENCE_DBFS = -50.0
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
COMPRESSION_RATIO = 2.4
LOW_WORD_PROB = 0.5
HALLUCINATION = "possible_hallucination"
LOW_CONFIDENCE = "low_confidence"
STOCK_PHRASES = (
    "thank you for watching",
    "thanks for watching",
    "please subscribe",
    "subtitles by",
    "transcribed by",
    "www.",
    "amara.org",
)
_NONSPEECH = re.compile(r"^\s*(\[[^\]]*\]|\([^)]*\)|[♪♫ ]+|\*[^*]*\*)\s*$")
_DROP_MARKERS = {"blank_audio", "silence", "no speech", "inaudible"}


def rms_dbfs(samples: Any) -> float:
    import numpy as np

    if len(samples) == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20.0 * float(np.log10(max(rms, 1e-6)))


def loudest_second_dbfs(samples: Any) -> float:
    """The level (dBFS) of the loudest one-second stretch: music shows even if brief."""
    import numpy as np

    n = len(samples) // RATE
    if n == 0:
        return rms_dbfs(samples)
    frames = np.asarray(samples[: n * RATE], dtype=np.float64).reshape(n, RATE)
    rms = float(np.sqrt(np.square(frames).mean(axis=1)).max())
    return 20.0 * float(np.log10(max(rms, 1e-6)))


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data)))


def check(segments: Sequence[Segment], audio: Any, offset_s: float) -> tuple[Segment, ...]:
    """Apply the rules to one window's segments; `audio` is that window at 16 kHz."""
    kept: list[Segment] = []
    previous = ""
    for seg in segments:
        text = seg.text.strip()
        if not text:
            continue
        nonspeech = _NONSPEECH.match(text)
        if nonspeech:
            marker = _marker(text)
            if marker is not None:
                kept.append(replace(seg, text=marker, kind="nonspeech", words=()))
            continue
        lo = max(0, int((seg.start - offset_s) * RATE))
        hi = max(lo, int((seg.end - offset_s) * RATE))
        if rms_dbfs(audio[lo:hi]) < SILENCE_DBFS:
            continue
        if seg.no_speech_prob > NO_SPEECH_PROB and seg.avg_logprob < LOW_LOGPROB:
            continue
        if not re.search(r"\w", text) or is_loop(text):
            continue
        key = _normal(text)
        if key == previous and len(key.split()) >= 3:  # "Okay." twice can be two people
            continue
        previous = key
        kept.append(replace(seg, flags=flags_for(seg)))
    return tuple(kept)


def is_loop(text: str) -> bool:
    text = text.strip().lower()
    return len(text) > 20 and compression_ratio(text) > COMPRESSION_RATIO


def flags_for(seg: Segment) -> tuple[str, ...]:
    flags = [f for f in seg.flags if f not in (HALLUCINATION, LOW_CONFIDENCE)]
    text = seg.text.strip().lower()
    if any(p in text for p in STOCK_PHRASES) and (
        seg.no_speech_prob > 0.3 or seg.avg_logprob < LOW_LOGPROB
    ):
        flags.append(HALLUCINATION)
    if any(w.probability < LOW_WORD_PROB for w in seg.words):
        flags.append(LOW_CONFIDENCE)
    return tuple(flags)


def _normal(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.lower()).strip()


def _marker(text: str) -> str | None:
    inner = re.sub(r"[\[\]()*]", "", text).strip()
    if not inner or set(inner) <= {"♪", "♫", " "}:
        return "[Music]"
    if inner.lower() in _DROP_MARKERS:
        return None
    return f"[{inner[:1].upper()}{inner[1:].lower()}]"


def no_speech_transcript_segments(duration: float, loudest_dbfs: float) -> tuple[Segment, ...]:
    """What a recording with no speech gets: '[Music]' if there is sound, nothing if silent."""
    if loudest_dbfs < SILENCE_DBFS:
        return ()
    return (Segment(start=0.0, end=round(duration, 3), text="[Music]", kind="nonspeech"),)
