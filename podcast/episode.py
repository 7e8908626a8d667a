"""One episode through every stage, each cached by the hash of its inputs.

decode/clean/mix -> transcribe (or the corrected transcript) -> redact -> review gate ->
master (loudness, limit, encode, verify) -> chapters -> tag -> transcript files. Returns the
finished artefacts (`Computed`, holding the PublishedEpisode the renderers use) or raises a
PodcastError that the pipeline records against this episode.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import digest
from .errors import AudioError, EpisodeError, PodcastError
from .models import PreparedAudio, PublishedEpisode, Redaction, Speaker, Transcript
from .output import Staging
from .project import EpisodeSource
from .serial import to_dict
from .stages import (  # noqa: F401 - Context is part of this module's interface
    REPORT_VERSION,
    Context,
    loudness_before,
    published_at,
    stage_master,
    stage_prepare,
    stage_tag,
    stage_transcript,
    stage_waveform,
)

log = logging.getLogger("podcast")

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
