"""Who said each word: from manual turns, separate tracks, stereo channels, or diarisation.

Every speech segment gets a speaker id from episode.yaml (never "SPEAKER_00"); a segment
whose words belong to different people is split at the change, using word timings.

Why energy on the programme mix rather than one transcription per track: decoding each
track separately costs N x the compute (a 3-person episode would miss the 0.03 real-time
target), and microphone bleed makes each track transcribe the *other* people too, so the
merged result needs fuzzy de-duplication that drops or doubles words. Decoding the mix once
and giving each word to the track (or channel) that is loudest while it is spoken keeps
the single, best transcript and is right whenever one person speaks at a time; in
overlapped speech Whisper mostly writes only the dominant voice anyway.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from podcast.errors import TranscriptError
from podcast.models import PreparedAudio, Segment, Speaker, Word
from podcast.transcribe import guard

log = logging.getLogger("podcast.transcribe")

ENVELOPE_HZ = 50
PAUSE_SPLIT_S = 1.5  # start a new segment after a pause this long
SENTENCE_SPLIT_S = 8.0  # ...or at a sentence end once a segment is this long


class SpeakerAttributionError(TranscriptError):
    """Several people share one mixed track and there is no way to tell them apart."""


@dataclass(frozen=True)
class SpeakerPlan:
    method: str  # "none" | "single" | "turns" | "tracks" | "channels" | "diarise" | "separate"
    ids: tuple[str, ...]  # candidate speaker ids, in episode.yaml order (hosts first)
    turns: tuple[tuple[float, str], ...] = ()
    sources: tuple[tuple[str, Path], ...] = ()  # tracks: (speaker id, path)


def plan(
    audio: PreparedAudio,
    speakers: Sequence[Speaker],
    speakers_by_channel: Sequence[str] | None = None,
    turns: Sequence[tuple[float, str]] | None = None,
) -> SpeakerPlan:
    """Choose the method before any decoding, so a missing extra fails fast."""
    ids = tuple(s.id for s in sorted(speakers, key=lambda s: not s.host))
    known = set(ids)
    where = f"{audio.path.name}"
    if turns:
        unknown = sorted({sp for _, sp in turns if sp not in known})
        if unknown:
            raise TranscriptError(f"{where}: turns name unknown speaker(s) {', '.join(unknown)}")
        return SpeakerPlan("turns", ids, turns=tuple(sorted((float(t), sp) for t, sp in turns)))
    if audio.tracks:
        unknown = sorted({sp for sp, _ in audio.tracks if sp not in known})
        if unknown:
            raise TranscriptError(f"{where}: tracks name unknown speaker(s) {', '.join(unknown)}")
        return SpeakerPlan("tracks", ids, sources=tuple(audio.tracks))
    if speakers_by_channel:
        if len(speakers_by_channel) != 2 or audio.channels != 2:
            raise TranscriptError(
                f"{where}: speakers_by_channel needs a stereo recording and two speaker ids "
                f"(left, right); got {audio.channels} channel(s) and {len(speakers_by_channel)} id(s)"
            )
        return SpeakerPlan("channels", tuple(speakers_by_channel))
    if len(ids) <= 1:
        return SpeakerPlan("single" if ids else "none", ids)
    from podcast.transcribe import diarise

    if not diarise.available():
        raise SpeakerAttributionError(
            f"{where}: {len(ids)} speakers share one mixed track. Either add `turns:` to "
            "episode.yaml (start time -> speaker id for each change of speaker), or install "
            "offline speaker diarisation with pip install 'podcast[speakers]'"
        )
    return SpeakerPlan("diarise", ids)


def attribute(
    segments: Sequence[Segment], p: SpeakerPlan, audio_path: Path, envelopes: Any = None
) -> tuple[Segment, ...]:
    """Give every segment a speaker, splitting segments at changes of speaker.

    `envelopes` (from `source_envelopes`) saves re-reading the tracks. With method
    "separate" the segments already carry their track's speaker and are only split.
    """
    words = [w for s in segments for w in s.words]
    label = _labeller(p, audio_path, words, envelopes)
    out: list[Segment] = []
    for seg in segments:
        if not seg.words:
            who = label((seg.start + seg.end) / 2, None) if seg.kind == "speech" else ""
            out.append(replace(seg, speaker=seg.speaker or who))
            continue
        if p.method == "separate":
            out.extend(split(seg, [seg.speaker] * len(seg.words)))
            continue
        out.extend(split(seg, [label((w.start + w.end) / 2, w) for w in seg.words]))
    return tuple(out)


def _labeller(
    p: SpeakerPlan, audio_path: Path, words: Sequence[Word], envelopes: Any
) -> Callable[[float, Any], str]:
    if p.method in ("none", "single", "separate"):
        who = p.ids[0] if p.ids else ""
        return lambda t, w: who
    if p.method == "turns":
        starts = [t for t, _ in p.turns]
        return lambda t, w: p.turns[max(0, bisect.bisect_right(starts, t) - 1)][1]
    if p.method in ("tracks", "channels"):
        ids, env = envelopes if envelopes is not None else source_envelopes(p, audio_path)
        return _energy_labeller(ids, env)
    from podcast.transcribe import diarise

    by_word = diarise.word_speakers(audio_path, words, p.ids)
    times = [(w.start + w.end) / 2 for w in words]

    def nearest(t: float, w: Any) -> str:
        if w is not None and id(w) in by_word:
            return by_word[id(w)]
        i = min(range(len(times)), key=lambda j: abs(times[j] - t)) if times else -1
        return by_word.get(id(words[i]), p.ids[0]) if i >= 0 else p.ids[0]

    return nearest


def source_envelopes(p: SpeakerPlan, audio_path: Path) -> tuple[tuple[str, ...], Any]:
    """(speaker ids, energy envelope per source at 50 frames/s) for tracks or channels."""
    import numpy as np

    from podcast.transcribe import audio_stream

    if p.method == "tracks":
        ids = tuple(sp for sp, _ in p.sources)
        envs = [audio_stream.envelope(path) for _, path in p.sources]
        n = max(len(e) for e in envs)
        return ids, np.stack([np.pad(e, (0, n - len(e))) for e in envs])
    return p.ids, audio_stream.envelope(audio_path, layout="stereo")


def word_power(env: Any, lo: float, hi: float) -> Any:
    """Energy of every source between two times (seconds)."""
    import numpy as np

    a = max(0, int(lo * ENVELOPE_HZ))
    b = max(a + 1, int(np.ceil(hi * ENVELOPE_HZ)))
    return np.square(env[:, a:b]).sum(axis=1)


def _energy_labeller(ids: Sequence[str], env: Any) -> Callable[[float, Any], str]:
    import numpy as np

    def loudest(t: float, w: Any) -> str:
        lo, hi = (w.start, w.end) if w is not None else (t - 0.25, t + 0.25)
        return ids[int(np.argmax(word_power(env, lo, hi)))]

    return loudest


def split(seg: Segment, labels: Sequence[str]) -> list[Segment]:
    """Cut a segment where the speaker changes, after long pauses and at sentence ends."""
    pieces: list[list[int]] = []
    for i in range(len(seg.words)):
        if pieces and not _break_before(seg.words, pieces[-1], i, labels):
            pieces[-1].append(i)
        else:
            pieces.append([i])
    if len(pieces) == 1:
        return [replace(seg, speaker=labels[0], text="".join(w.text for w in seg.words))]
    out = []
    for idx in pieces:
        words = tuple(seg.words[i] for i in idx)
        part = replace(
            seg,
            start=words[0].start,
            end=words[-1].end,
            text="".join(w.text for w in words),
            words=words,
            speaker=labels[idx[0]],
        )
        out.append(replace(part, flags=guard.flags_for(part)))
    return out


def _break_before(words: Sequence[Word], current: list[int], i: int, labels: Sequence[str]) -> bool:
    prev = words[i - 1]
    if labels[i] != labels[i - 1]:
        return True
    if words[i].start - prev.end >= PAUSE_SPLIT_S:
        return True
    long_enough = prev.end - words[current[0]].start >= SENTENCE_SPLIT_S
    return long_enough and prev.text.rstrip().endswith((".", "?", "!"))
