"""faster-whisper (CTranslate2) engine: decodes the speech clips of one window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from podcast.models import Segment, Word
from podcast.transcribe.models_registry import ModelRef, load_faster
from podcast.transcribe.settings import TranscribeSettings
from podcast.transcribe.vad import VAD_PARAMETERS

RATE = 16000
MAX_WORKERS = 2


def split_threads(threads: int, workers: int = 0) -> tuple[int, int]:
    """(workers, threads per worker) for `threads` CPU threads (0 = all cores) and the wanted
    number of workers (0 = automatic: two, or one on a single thread).

    Two windows decoded side by side on one thread each keep 2 cores busy; one window on two
    threads does not (beam search over a tiny model is too fine-grained to share: on the 2-core
    benchmark machine it kept about 1.4 cores busy). More cores go to each worker's own threads."""
    import os

    threads = threads or os.cpu_count() or 1
    workers = min(workers or MAX_WORKERS, threads)
    return workers, max(1, threads // workers)


class FasterWhisperEngine:
    """Sequential (beam search with timestamps) or batched (BatchedInferencePipeline) decoding.

    With VAD on it is given no clips (`None`) and runs faster-whisper's own Silero pass,
    which packs the speech of several regions into each 30 s chunk (silence removed) and
    restores the timestamps: half the encoder work of decoding each region padded to 30 s.
    """

    name = "faster-whisper"
    own_vad = True

    def __init__(self, ref: ModelRef, settings: TranscribeSettings):
        self.settings = settings
        self.workers, threads = split_threads(settings.threads, settings.workers)
        self.model = load_faster(ref, settings.compute_type, threads, self.workers)
        self.multilingual = bool(self.model.model.is_multilingual)
        self._batched: Any = None

    def decode(
        self, audio: Any, clips: Sequence[tuple[int, int]] | None, offset_s: float
    ) -> tuple[Segment, ...]:
        """Segments with absolute times; `clips` None = find speech with the built-in VAD."""
        if clips is not None and not clips:
            return ()
        s = self.settings
        common: dict[str, Any] = dict(
            language=s.language,
            task="transcribe",
            beam_size=s.beam_size,
            word_timestamps=True,
            vad_filter=clips is None,
            vad_parameters=dict(VAD_PARAMETERS) if clips is None else None,
            hotwords=", ".join(s.glossary) or None,
        )
        if s.batch:
            from faster_whisper import BatchedInferencePipeline

            if self._batched is None:
                self._batched = BatchedInferencePipeline(self.model)
            if clips is not None:
                common["clip_timestamps"] = [{"start": a / RATE, "end": b / RATE} for a, b in clips]
            # timestamp tokens on: tiny.en drops fewer words in packed 30 s chunks
            # (8.4% vs 12.9% WER on the 3-minute benchmark file)
            segments, _ = self._batched.transcribe(
                audio, batch_size=s.batch_size, without_timestamps=False, **common
            )
        else:
            if clips is not None:
                common["clip_timestamps"] = [t / RATE for clip in clips for t in clip]
            # temperature 0 only: the fallback retries sample at random, so the same audio
            # would give different transcripts in different runs (and pages, search index,
            # review hashes with them); the hallucination guard handles what it catches
            segments, _ = self.model.transcribe(
                audio, condition_on_previous_text=False, temperature=0.0, **common
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
