"""transcribe(): PreparedAudio -> Transcript, window by window, with guards and speakers."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from podcast.errors import ModelError
from podcast.models import PreparedAudio, Segment, Speaker, Transcript
from podcast.transcribe import glossary, guard, sources, vad
from podcast.transcribe import speakers as attribution
from podcast.transcribe.models_registry import ModelRef, resolve
from podcast.transcribe.settings import TranscribeSettings

log = logging.getLogger("podcast.transcribe")

RATE = 16000
MIN_WINDOW_S = 60.0
Progress = Callable[[float, float], None]


class Engine(Protocol):
    name: str
    multilingual: bool
    own_vad: bool
    workers: int  # windows it can decode at once (from as many threads)

    def decode(
        self, audio: Any, clips: Sequence[tuple[int, int]], offset_s: float
    ) -> tuple[Segment, ...]: ...


def make_engine(settings: TranscribeSettings) -> tuple[Engine, ModelRef]:
    """The engine for these settings; its model is loaded once per process and shared."""
    ref = resolve(settings.engine, settings.model)
    engine: Engine
    if settings.engine == "openai-whisper":
        from podcast.transcribe.engine_openai import OpenAIWhisperEngine

        engine = OpenAIWhisperEngine(ref, settings)
    else:
        from podcast.transcribe.engine_faster import FasterWhisperEngine

        engine = FasterWhisperEngine(ref, settings)
    check_language(engine, ref, settings.language)
    return engine, ref


def check_language(engine: Engine, ref: ModelRef, language: str) -> None:
    if not engine.multilingual and language != "en":
        raise ModelError(
            f"transcription.model: '{ref.label}' is English-only but the language is '{language}'; "
            "choose a multilingual model (e.g. 'small' rather than 'small.en') or set language: en"
        )
    if engine.multilingual:
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        if language not in _LANGUAGE_CODES:
            raise ModelError(
                f"transcription.language: Whisper does not know the language '{language}'"
            )


def transcribe(
    audio: PreparedAudio,
    settings: TranscribeSettings,
    speakers: Sequence[Speaker] = (),
    *,
    speakers_by_channel: Sequence[str] | None = None,
    turns: Sequence[tuple[float, str]] | None = None,
    progress: Progress | None = None,
) -> Transcript:
    """Transcribe the programme with word timings, guards, glossary spelling and speakers.

    Memory stays flat: the audio is read `settings.window_s` at a time (cut in silence).
    `progress(seconds_done, total_seconds)` is called after each window.
    """
    plan = attribution.plan(audio, speakers, speakers_by_channel, turns)
    engine, ref = make_engine(settings)
    started = time.perf_counter()
    envelopes = None
    if plan.method in ("tracks", "channels"):
        envelopes = attribution.source_envelopes(plan, audio.path)
    if envelopes is not None and sources.should_separate(settings.separate_tracks, envelopes[1]):
        log.info(
            "%s: speakers overlap; decoding each %s on its own", audio.path.name, plan.method[:-1]
        )
        segments, loudest = decode_sources(audio, settings, engine, plan, envelopes, progress)
        plan = replace(plan, method="separate")
    else:
        segments, loudest = decode_file(audio.path, audio.duration, settings, engine, progress)
    segments = glossary.correct(segments, settings.glossary)
    if not any(s.kind == "speech" for s in segments):
        log.warning(
            "%s: no speech found (%s); the transcript says so rather than guessing",
            audio.path.name,
            "music or noise" if loudest >= guard.SILENCE_DBFS else "silence",
        )
        segments = segments or guard.no_speech_transcript_segments(audio.duration, loudest)
    segments = attribution.attribute(segments, plan, audio.path, envelopes)
    elapsed = time.perf_counter() - started
    log.info(
        "%s: transcribed %.0f s in %.1f s (real-time factor %.3f, %s %s)",
        audio.path.name,
        audio.duration,
        elapsed,
        elapsed / max(audio.duration, 1e-9),
        engine.name,
        ref.label,
    )
    return Transcript(
        segments=tuple(segments),
        language=settings.language,
        engine=engine.name,
        model=ref.label,
        source="machine",
        duration=audio.duration,
    )


def plan_window(
    window: Any, final: bool, use_vad: bool, own_vad: bool
) -> tuple[int, tuple[tuple[int, int], ...] | None]:
    """Where to end this window (in silence) and which clips to decode (None: engine's VAD)."""
    if use_vad and own_vad:
        return (len(window) if final else vad.quiet_cut(window)), None
    regions = vad.speech_regions(window) if use_vad else ()
    if use_vad:
        cut = len(window) if final else vad.choose_cut(regions, len(window), window)
    else:
        cut = len(window) if final else vad.quiet_cut(window)
        regions = vad.fixed_regions(cut)
    return cut, vad.merge_into_clips(vad.clip_before(regions, cut))


def decode_sources(
    audio: PreparedAudio,
    settings: TranscribeSettings,
    engine: Engine,
    plan: attribution.SpeakerPlan,
    envelopes: tuple[tuple[str, ...], Any],
    progress: Progress | None,
) -> tuple[tuple[Segment, ...], float]:
    """Decode every track (or channel) alone; label its words; drop other sources' bleed."""
    ids, env = envelopes
    inputs: list[tuple[Path, int | None]] = [(p, None) for _, p in plan.sources]
    inputs = inputs or [(audio.path, 0), (audio.path, 1)]
    total = audio.duration * len(ids)
    out: list[Segment] = []
    loudest = -120.0
    for i, (who, (path, channel)) in enumerate(zip(ids, inputs, strict=True)):
        done = i * audio.duration

        def step(d: float, _n: float, done: float = done) -> None:
            if progress is not None:
                progress(done + d, total)

        segs, level = decode_file(path, audio.duration, settings, engine, step, channel)
        loudest = max(loudest, level)
        out.extend(replace(s, speaker=who) for s in sources.drop_bleed(segs, i, env))
    return tuple(sorted(out, key=lambda s: (s.start, s.end))), loudest


def window_seconds(window_s: float, duration: float) -> float:
    """Window length: `window_s`, shortened (to no less than 60 s) so that a recording of
    2 to 4 minutes still makes two windows for two workers. It depends only on the audio and
    the settings, never on the number of workers, so the transcript does not either."""
    return min(window_s, max(MIN_WINDOW_S, duration / 2))


def decode_file(
    path: Path,
    duration: float,
    settings: TranscribeSettings,
    engine: Engine,
    progress: Progress | None,
    channel: int | None = None,
) -> tuple[tuple[Segment, ...], float]:
    """All guarded segments, and the loudest window level (dBFS) to tell silence from music.

    Windows are cut here, one after another, and decoded by `engine.workers` threads at once
    (each window is decoded on its own, so the result does not depend on how many); at most
    one window more than there are workers is held in memory.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    from podcast.transcribe.audio_stream import windows

    workers = max(1, getattr(engine, "workers", 1))
    window_s = window_seconds(settings.window_s, duration)
    out: list[Segment] = []
    loudest = -120.0
    target = int(window_s * RATE)
    pending: deque[tuple[int, Future[list[Segment]]]] = deque()

    def job(piece: Any, clips: Any, offset: int) -> list[Segment]:
        decoded = engine.decode(piece, clips, offset / RATE)
        return list(guard.check(decoded, piece, offset / RATE))

    def collect() -> None:
        end, fut = pending.popleft()
        out.extend(fut.result())
        if progress is not None:
            progress(min(duration, end / RATE), duration)

    gen = windows(path, window_s, channel)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="transcribe")
    try:
        item = next(gen, None)
        while item is not None:
            offset, window = item
            cut, clips = plan_window(window, len(window) < target, settings.vad, engine.own_vad)
            piece = window[:cut]
            loudest = max(loudest, guard.loudest_second_dbfs(piece))
            pending.append((offset + cut, pool.submit(job, piece, clips, offset)))
            del window, piece
            while len(pending) > workers:
                collect()
            try:
                item = gen.send(cut)
            except StopIteration:
                item = None
        while pending:
            collect()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return tuple(out), loudest
