"""faster-whisper (CTranslate2) engine: decodes the speech clips of one window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from podcast.models import Segment, Word
from podcast.transcribe.models_registry import ModelRef, load_faster
from podcast.transcribe.settings import TranscribeSettings

RATE = 16000


class FasterWhisperEngine:
    """Sequential (beam search with timestamps) or batched (BatchedInferencePipeline) decoding."""

    name = "faster-whisper"

    def __init__(self, ref: ModelRef, settings: TranscribeSettings):
        self.settings = settings
        self.model = load_faster(ref, settings.compute_type, settings.threads)
        self.multilingual = bool(self.model.model.is_multilingual)
        self._batched: Any = None

    def decode(
        self, audio: Any, clips: Sequence[tuple[int, int]], offset_s: float
    ) -> tuple[Segment, ...]:
        if not clips:
            return ()
        s = self.settings
        common: dict[str, Any] = dict(
            language=s.language,
            task="transcribe",
            beam_size=s.beam_size,
            word_timestamps=True,
            vad_filter=False,
            hotwords=", ".join(s.glossary) or None,
        )
        if s.batch:
            from faster_whisper import BatchedInferencePipeline

            if self._batched is None:
                self._batched = BatchedInferencePipeline(self.model)
            stamps = [{"start": a / RATE, "end": b / RATE} for a, b in clips]
            segments, _ = self._batched.transcribe(
                audio, clip_timestamps=stamps, batch_size=s.batch_size, **common
            )
        else:
            flat = [t / RATE for clip in clips for t in clip]
            segments, _ = self.model.transcribe(
                audio, clip_timestamps=flat, condition_on_previous_text=False, **common
            )
        return tuple(_segment(seg, offset_s) for seg in segments)


def _segment(seg: Any, offset: float) -> Segment:
    words = tuple(
        Word(
            start=round(offset + float(w.start), 3),
            end=round(offset + float(w.end), 3),
            text=w.word,
            probability=round(float(w.probability), 4),
        )
        for w in (seg.words or ())
    )
    return Segment(
        start=round(offset + float(seg.start), 3),
        end=round(offset + float(seg.end), 3),
        text=seg.text,
        words=words,
        avg_logprob=float(seg.avg_logprob),
        no_speech_prob=float(seg.no_speech_prob),
    )
