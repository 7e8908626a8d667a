"""openai-whisper (PyTorch reference implementation) behind the same interface.

Optional: `pip install 'podcast[openai-whisper]'`. The bundled CTranslate2 tiny.en is
converted in memory (podcast.transcribe.ct2_convert), so both engines run the same weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from podcast.models import Segment, Word
from podcast.transcribe.models_registry import ModelRef, import_openai_whisper, load_openai
from podcast.transcribe.settings import TranscribeSettings

RATE = 16000


class OpenAIWhisperEngine:
    name = "openai-whisper"
    own_vad = False  # decodes the speech clips our Silero pass found
    workers = 1  # torch already spreads one decode over every core

    def __init__(self, ref: ModelRef, settings: TranscribeSettings):
        self.whisper = import_openai_whisper()
        self.settings = settings
        self.model = load_openai(ref, settings.threads)
        self.multilingual = bool(self.model.is_multilingual)

    def decode(
        self, audio: Any, clips: Sequence[tuple[int, int]], offset_s: float
    ) -> tuple[Segment, ...]:
        if not clips:
            return ()
        s = self.settings
        beam: dict[str, Any] = (
            {"beam_size": s.beam_size, "best_of": s.beam_size} if s.beam_size > 1 else {}
        )
        result = self.whisper.transcribe(
            self.model,
            audio,
            language=s.language,
            task="transcribe",
            word_timestamps=True,
            condition_on_previous_text=False,
            initial_prompt=", ".join(s.glossary) or None,
            clip_timestamps=[t / RATE for clip in clips for t in clip],
            fp16=str(self.model.device) != "cpu",
            verbose=None,
            **beam,
        )
        return tuple(_segment(seg, offset_s) for seg in result["segments"])


def _segment(seg: dict[str, Any], offset: float) -> Segment:
    words = tuple(
        Word(
            start=round(offset + float(w["start"]), 3),
            end=round(offset + float(w["end"]), 3),
            text=str(w["word"]),
            probability=round(float(w["probability"]), 4),
        )
        for w in seg.get("words", ())
    )
    return Segment(
        start=round(offset + float(seg["start"]), 3),
        end=round(offset + float(seg["end"]), 3),
        text=str(seg["text"]),
        words=words,
        avg_logprob=float(seg["avg_logprob"]),
        no_speech_prob=float(seg["no_speech_prob"]),
    )
