"""`podcast transcribe` and `podcast approve`: the review loop around the transcript."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import ConfigError
from .pipeline import PublishOptions, make_context
from .project import EpisodeSource, load_project


def _episode(root: Path, slug: str) -> tuple[object, EpisodeSource]:
    project = load_project(root, only=(slug,))
    matches = [e for e in project.episodes if e.slug == slug]
    if not matches:
        raise ConfigError([f"episodes/{slug}: no such episode"])
    return project, matches[0]


def transcribe_for_review(root: Path, slug: str, *, force: bool, cache_dir: Path | None = None) -> Path:
    """Write the machine transcript into the episode folder, never over a correction."""
    from . import consent
    from .stages import source_digest, stage_machine_transcript, stage_prepare
    from .transcribe import corrections

    project, src = _episode(root, slug)
    ctx = make_context(project, PublishOptions(root=root, cache_dir=cache_dir), jobs=1)  # type: ignore[arg-type]
    decision = consent.decide(src, now=ctx.now, allow_unreviewed=True)
    prepared, prep_key = stage_prepare(ctx, src)
    machine = stage_machine_transcript(ctx, src, prepared, prep_key, tuple(decision.speakers))
    ctx.cache.save()
    names = {s.id: s.display_name for s in decision.speakers}
    return corrections.write_for_review(
        machine, names, src.folder, audio_sha256=source_digest(ctx, src), force=force,
        filename=src.config.transcript, today=dt.date.today(),
    )


def approve_episode(root: Path, slug: str, *, by: str, when: dt.date,
                    cache_dir: Path | None = None) -> str:
    """Record the sign-off of the transcript that would be published now. Returns its hash."""
    from . import consent, review
    from .episode import transcript_phase

    project, src = _episode(root, slug)
    ctx = make_context(project, PublishOptions(root=root, cache_dir=cache_dir), jobs=1)  # type: ignore[arg-type]
    decision = consent.decide(src, now=ctx.now, allow_unreviewed=True)
    transcript_file = src.folder / src.config.transcript
    if transcript_file.is_file():
        text = transcript_file.read_text(encoding="utf-8")
    else:
        text = transcript_phase(ctx, src, decision).review_text
        ctx.cache.save()
    digest = review.transcript_hash(text)
    review.approve(src.folder, by=by, date=when, sha256=digest)
    return digest
