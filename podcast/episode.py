"""One episode through every stage, each cached by the hash of its inputs.

decode/clean/mix -> transcribe -> chapters -> redact -> master (loudness, limit, encode,
verify) -> tag -> transcript files. Returns a PublishedEpisode (the receipt the renderers
use) or raises a PodcastError that the pipeline records against this episode.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
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

TRANSCRIPT_KINDS = ("srt", "json", "txt", "html", "vtt")


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


def stage_prepare(ctx: Context, src: EpisodeSource) -> tuple[PreparedAudio, str]:
    from . import audio

    settings = audio.settings_from_config(ctx.project.show.audio, src.config)
    sources = src.sources()
    hashes = [(sid, ctx.cache.file_hash(p)) for sid, p in sources]
    key = digest("prepare", hashes, dataclasses.asdict(settings), audio.tool_version(),
                 src.config.speakers_by_channel)

    def build(tmp: Path) -> dict:
        log.info("%s: decoding and cleaning audio", src.slug)
        prepared = audio.prepare(sources if src.config.tracks else sources[0][1], settings, tmp)
        return _relative(to_dict(prepared), tmp)

    result, entry, _ = ctx.cache.cached("prepare", key, src.slug, build)
    return from_dict(PreparedAudio, _absolute(result, entry)), key


def _transcribe_settings(ctx: Context, src: EpisodeSource) -> Any:
    from .transcribe import settings_from_config

    return settings_from_config(ctx.project.show, src.config)


def stage_machine_transcript(
    ctx: Context, src: EpisodeSource, prepared: PreparedAudio, prep_key: str,
    speakers: tuple[Speaker, ...],
) -> Transcript:
    from . import transcribe

    settings = _transcribe_settings(ctx, src)
    turns = tuple((t.start, t.speaker) for t in src.config.turns)
    key = digest("transcribe", prep_key, dataclasses.asdict(settings), transcribe.engine_version(settings),
                 [s.id for s in speakers], src.config.speakers_by_channel, turns)

    def build(tmp: Path) -> dict:
        t0 = time.monotonic()
        with ctx.bars.bar(f"{src.slug}: transcribing", prepared.duration) as bar:
            transcript = transcribe.transcribe(
                prepared, settings, speakers,
                speakers_by_channel=src.config.speakers_by_channel,
                turns=turns or None,
                progress=lambda done, total: bar.set(min(done, total)),
            )
        took = time.monotonic() - t0
        log.info("%s: transcribed %.0f s of audio in %.1f s (real-time factor %.3f)",
                 src.slug, prepared.duration, took, took / max(prepared.duration, 1e-9))
        return to_dict(transcript)

    result, _, _ = ctx.cache.cached("transcribe", key, src.slug, build)
    return from_dict(Transcript, result)


def stage_transcript(
    ctx: Context, src: EpisodeSource, prepared: PreparedAudio, prep_key: str,
    speakers: tuple[Speaker, ...],
) -> tuple[Transcript, bool, list[str]]:
    """(transcript, human-corrected?, warnings). A committed transcript wins, re-timed."""
    from .transcribe import corrections

    warnings: list[str] = []
    names = _name_map(speakers)
    committed = corrections.load_committed(
        src.folder, names, audio_sha256=prep_key, filename=src.config.transcript
    )
    if committed is None:
        return stage_machine_transcript(ctx, src, prepared, prep_key, speakers), False, warnings
    warnings += [f"episodes/{src.slug}: {w}" for w in committed.warnings]
    transcript = committed.transcript
    if committed.human_edited:
        machine = stage_machine_transcript(ctx, src, prepared, prep_key, speakers)
        transcript = corrections.retime(transcript, machine)
    return transcript, committed.human_edited, warnings


def _name_map(speakers: tuple[Speaker, ...]) -> dict[str, str]:
    """Every way a speaker may be written in a transcript -> id."""
    names: dict[str, str] = {}
    for s in speakers:
        for label in (s.display_name, s.name, s.role, s.id):
            names.setdefault(label, s.id)
    return names


def stage_master(
    ctx: Context, src: EpisodeSource, prepared: PreparedAudio, prep_key: str,
    redactions: tuple[Redaction, ...],
) -> tuple[MasteredAudio, str]:
    from . import audio

    show = ctx.project.show
    settings = audio.settings_from_config(show.audio, src.config)
    intro = ctx.project.path(show.audio.intro) if show.audio.intro else None
    outro = ctx.project.path(show.audio.outro) if show.audio.outro else None
    mutes = tuple((r.start, r.end) for r in redactions)
    key = digest("master", prep_key, dataclasses.asdict(settings), mutes, show.audio.redaction_sound,
                 [ctx.cache.file_hash(p) if p else None for p in (intro, outro)], audio.tool_version())

    def build(tmp: Path) -> dict:
        log.info("%s: mastering (loudness, limiter, MP3, verification)", src.slug)
        mastered = audio.master(
            prepared, settings, tmp / "master.mp3", mutes=mutes,
            mute_mode=show.audio.redaction_sound, intro=intro, outro=outro,
        )
        return _relative(to_dict(mastered), tmp)

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
    key = digest("tag", master_key, fields, to_dict(chapters), art_hash, tags.TAGS_VERSION)

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
    Not a failure of the run (an error under --strict for consent/review)."""

    def __init__(self, slug: str, reasons: tuple[str, ...]):
        self.slug = slug
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def review_text(src: EpisodeSource, transcript: Transcript, speakers: tuple[Speaker, ...],
                human: bool) -> str:
    """The text a reviewer signs off: the committed file, or the machine VTT."""
    from .transcribe import formats

    if human or (src.folder / src.config.transcript).is_file():
        return (src.folder / src.config.transcript).read_text(encoding="utf-8")
    return formats.render_vtt(transcript, {s.id: s.display_name for s in speakers})


def check_review(ctx: Context, src: EpisodeSource, transcript: Transcript,
                 speakers: tuple[Speaker, ...], human: bool) -> bool:
    """True when signed off; False when unreviewed but the show allows it; else NotPublished."""
    from . import review

    digest_now = review.transcript_hash(review_text(src, transcript, speakers, human))
    approved = src.config.review is not None and src.config.review.sha256 == digest_now
    if approved:
        return True
    if ctx.project.show.transcription.allow_unreviewed:
        return False
    why = ("its transcript changed after it was approved" if src.config.review
           else "its transcript has not been approved")
    raise NotPublished(src.slug, (
        f"episodes/{src.slug}: not published: {why}; check it and run "
        f"'podcast approve {src.slug} --by NAME' (or set transcription.allow_unreviewed "
        "in show.yaml)",))


def compute(ctx: Context, src: EpisodeSource, decision: Any) -> Computed:
    """Run every stage for an episode the gate allowed. Raises PodcastError on failure."""
    from . import chapters as chapters_mod
    from . import redact
    from .transcribe import formats

    speakers: tuple[Speaker, ...] = tuple(decision.speakers)
    warnings: list[str] = []
    try:
        prepared, prep_key = stage_prepare(ctx, src)
    except AudioError as e:
        raise EpisodeError(src.slug, f"{Path(e.path).name}: {e.message}") from e
    transcript, human, tw = stage_transcript(ctx, src, prepared, prep_key, speakers)
    warnings += tw
    reviewed = check_review(ctx, src, transcript, speakers, human)

    # redaction: listed terms, names of people who did not consent to be named, PII
    terms = tuple(src.config.redact)
    found = redact.find_redactions(
        transcript, terms=terms, speakers_unnamed=decision.unnamed_names
    )
    redactions, missing_terms = found.redactions, found.warnings
    warnings += [f"episodes/{src.slug}/episode.yaml: redact: {w}" for w in missing_terms]
    transcript = redact.apply_redactions(transcript, redactions)

    mastered, master_key = stage_master(ctx, src, prepared, prep_key, redactions)
    timeline = mastered.timeline
    interviewer_ids = tuple(s.id for s in speakers if s.host)
    result = chapters_mod.chapters_for(
        src.config, transcript, duration=mastered.duration, timeline=timeline,
        interviewer_ids=interviewer_ids, slug=src.slug,
    )
    warnings += list(result.warnings)
    chapters = result.chapters

    artwork = (src.folder / src.config.artwork) if src.config.artwork else ctx.project.path(
        ctx.project.show.artwork)
    mp3 = stage_tag(ctx, src, mastered, master_key, chapters, artwork, speakers)
    waveform = stage_waveform(ctx, src, mp3, master_key, chapters, mastered.duration)

    slug = src.slug
    names = {s.id: s.display_name for s in speakers}
    offset = timeline.intro
    text_files = formats.render_all(transcript, names, offset=offset, title=src.config.title)
    files: list[tuple[str, str]] = [("mp3", f"{slug}/{slug}.mp3"), ("page", f"{slug}/index.html")]
    files += [(kind, f"{slug}/transcript.{kind}") for kind, _ in text_files]
    chapters_json = None
    if chapters:
        chapters_json = chapters_mod.chapters_json(chapters, title=src.config.title,
                                                   podcast_name=ctx.project.show.title)
        files.append(("chapters", f"{slug}/chapters.json"))
    own_art = None
    if src.config.artwork:
        own_art = src.folder / src.config.artwork
        files.append(("artwork", f"{slug}/artwork{own_art.suffix.lower()}"))
    if waveform:
        files.append(("waveform", f"{slug}/waveform.png"))

    final_audio = dataclasses.replace(
        mastered, path=mp3, size_bytes=mp3.stat().st_size, sha256=ctx.cache.file_hash(mp3)
    )
    published = PublishedEpisode(
        slug=slug, guid=src.guid, title=src.config.title, audio=final_audio,
        transcript=transcript, chapters=chapters, speakers=speakers, files=tuple(files),
        reviewed=reviewed, redactions=redactions, config=src.config,
        published_at=published_at(src),
        artwork_url=dict(files).get("artwork"),
    )
    _write_report(ctx, published, prepared, human, warnings)
    return Computed(published, mp3, waveform, own_art, tuple(text_files), chapters_json,
                    tuple(warnings))


def _write_report(ctx: Context, ep: PublishedEpisode, prepared: PreparedAudio, human: bool,
                  warnings: list[str]) -> None:
    """The private per-episode report (reports/<slug>/): never published."""
    from . import review
    from .site import report

    try:
        report.write_episode_report(ctx.reports, ep, prepared=prepared, human=human,
                                    warnings=tuple(warnings), review=review)
    except PodcastError as e:
        log.warning("%s: could not write the private report: %s", ep.slug, e)


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
