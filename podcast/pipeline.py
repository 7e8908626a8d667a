"""publish(): gate every episode, compute them (in parallel), then render, then swap in.

Two phases, as mkdocs and pelican do: first every episode is computed (each inside its
own try, failures recorded), then the feed and the site are rendered from the results.
The new output is built in a staging folder and swapped in whole; if any episode failed
(and --skip-failed was not given) nothing is swapped and the previous site stays.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache, CacheMiss
from .episode import Computed, Context, NotPublished, compute, place
from .errors import PodcastError
from .output import OutputError, Staging, locked, recover
from .progress import Bars
from .project import EpisodeSource, Project, load_project

log = logging.getLogger("podcast")


@dataclass(frozen=True)
class PublishOptions:
    root: Path
    out: Path | None = None
    only: tuple[str, ...] = ()
    strict: bool = False
    skip_failed: bool = False
    jobs: int = 0  # 0: one per core
    now: dt.datetime | None = None
    cache_dir: Path | None = None
    progress: bool | None = None  # None: bars only on a terminal


@dataclass(frozen=True)
class PublishResult:
    out: Path
    published: tuple[str, ...] = ()
    excluded: tuple[tuple[str, str], ...] = ()  # (slug, reason)
    failed: tuple[tuple[str, str], ...] = ()  # (slug, message)
    warnings: tuple[str, ...] = ()
    swapped: bool = False
    seconds: float = 0.0


class PublishFailed(PodcastError):
    def __init__(self, result: PublishResult, message: str):
        self.result = result
        super().__init__(message)


@dataclass
class _Outcomes:
    computed: dict[str, Computed] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    withdrawn: set[str] = field(default_factory=set)  # consent withdrawn or expired
    missing: set[str] = field(default_factory=set)  # read-only cache had no entry


def _now(opts: PublishOptions) -> dt.datetime:
    now = opts.now or dt.datetime.now(dt.UTC)
    return now if now.tzinfo else now.replace(tzinfo=dt.UTC)


def make_context(project: Project, opts: PublishOptions, jobs: int) -> Context:
    cache_dir = opts.cache_dir or (project.root / project.show.cache_dir)
    cache = Cache(cache_dir.resolve())
    cache.clean_temporaries()
    threads = max(1, (os.cpu_count() or 2) // max(jobs, 1))
    return Context(
        project, cache, project.root / "reports", _now(opts), Bars(opts.progress), threads
    )


def _run_one(ctx: Context, src: EpisodeSource, out: _Outcomes) -> None:
    from . import consent

    try:
        decision = consent.decide(
            src, now=ctx.now, allow_unreviewed=ctx.project.show.transcription.allow_unreviewed
        )
        if decision.purge:
            out.withdrawn.add(src.slug)
        if not decision.publish:
            raise NotPublished(src.slug, tuple(decision.reasons))
        computed = compute(ctx, src, decision)
    except NotPublished as e:
        out.excluded[src.slug] = "; ".join(e.reasons)
    except CacheMiss:
        out.missing.add(src.slug)
        out.excluded[src.slug] = (
            f"episodes/{src.slug}: left out of this run: not selected by "
            "--only and not processed before"
        )
    except PodcastError as e:
        out.failed[src.slug] = str(e)
        log.debug("episode %s failed", src.slug, exc_info=True)
    except Exception as e:  # noqa: BLE001 - the per-episode boundary: record and carry on
        out.failed[src.slug] = f"episodes/{src.slug}: unexpected {type(e).__name__}: {e}"
        log.debug("episode %s failed", src.slug, exc_info=True)
    else:
        out.computed[src.slug] = computed
        out.warnings += computed.warnings


def compute_all(ctx: Context, episodes: tuple[EpisodeSource, ...], jobs: int) -> _Outcomes:
    out = _Outcomes()
    if jobs <= 1 or len(episodes) <= 1:
        for src in episodes:
            _run_one(ctx, src, out)
    else:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="episode") as pool:
            list(pool.map(lambda s: _run_one(ctx, s, out), episodes))
    return out


def render(project: Project, staging: Staging, outcomes: _Outcomes) -> None:
    """Phase two: place episode files, then render the feed and the site from them."""
    from .feed import render_feed
    from .site import render_site

    episodes = [outcomes.computed[s] for s in sorted(outcomes.computed)]
    for c in episodes:
        place(staging, c)
    published = tuple(c.episode for c in episodes)
    art = project.path(project.show.artwork)
    from .feed.urls import show_artwork_name

    staging.link(art, show_artwork_name(project.show.artwork))
    feed_path = render_feed(project, published, staging.dir)
    staging.adopt(str(feed_path.relative_to(staging.dir)))
    for path in render_site(project, published, staging.dir):
        staging.adopt(str(path.relative_to(staging.dir)))


def publish(opts: PublishOptions) -> PublishResult:
    """Publish the show. Raises ConfigError before any work, PublishFailed after.

    The output folder is locked for the whole run (a second publish into it fails at
    once), and first recovered from any interrupted swap."""
    out_dir = (opts.out or opts.root.resolve() / "feed").resolve()
    with locked(out_dir):
        return _publish(opts, out_dir)


def _publish(opts: PublishOptions, out_dir: Path) -> PublishResult:
    t0 = time.monotonic()
    root = opts.root.resolve()
    recover(out_dir)
    project = load_project(root)  # all episodes: consent withdrawal must apply even with --only
    _timing("load", t0)
    for w in project.warnings:
        log.warning("%s", w)
    jobs = opts.jobs or (os.cpu_count() or 1)
    ctx = make_context(project, opts, jobs)
    _purge_withdrawn(ctx, project)
    selected = tuple(e for e in project.episodes if not opts.only or e.slug in opts.only)
    t1 = time.monotonic()
    outcomes = compute_all(ctx, selected, jobs)
    if opts.only:
        _reuse_unselected(project, opts, ctx, outcomes, jobs, out_dir)
    _timing("episodes", t1)
    for w in outcomes.warnings:
        log.warning("%s", w)
    for slug, reason in sorted(outcomes.excluded.items()):
        log.warning(
            "%s", reason if reason.startswith("episodes/") else f"episodes/{slug}: {reason}"
        )
    result = PublishResult(
        out=out_dir,
        published=tuple(sorted(outcomes.computed)),
        excluded=tuple(sorted(outcomes.excluded.items())),
        failed=tuple(sorted(outcomes.failed.items())),
        warnings=tuple(project.warnings) + tuple(outcomes.warnings),
    )
    withdrawal = sorted(s for s in outcomes.withdrawn if (out_dir / s).exists())
    if outcomes.failed and not opts.skip_failed and not withdrawal:
        ctx.cache.save()
        raise PublishFailed(result, _failure_text(result, kept=True))
    if outcomes.failed:
        # --skip-failed, or consent was withdrawn (the episode must come down now, whatever
        # else failed): failed episodes are published as they were last processed, when the
        # cache still has that version, rather than vanishing from subscribers' apps.
        if not opts.skip_failed:
            log.warning(
                "consent withdrawn or expired for %s: publishing without it although "
                "other episodes failed",
                ", ".join(withdrawal),
            )
        failed = tuple(e for e in project.episodes if e.slug in outcomes.failed)
        from dataclasses import replace as _replace

        previous = compute_all(_replace(ctx, cache=ctx.cache.read_only()), failed, jobs)
        outcomes.computed.update(previous.computed)
        result = _replace(result, published=tuple(sorted(outcomes.computed)))
    staging = Staging(out_dir)
    try:
        t1 = time.monotonic()
        render(project, staging, outcomes)
        _check_no_leaks(staging, outcomes)
        t1 = _timing("render", t1)
        staging.commit(background=True)
        _timing("swap", t1)
    except OSError as e:  # disk full, permissions: a message, not a traceback
        staging.discard()
        raise OutputError(
            f"{out_dir}: could not write the new site ({e}); the previous site is unchanged"
        ) from e
    except BaseException:
        staging.discard()
        raise
    finally:
        ctx.cache.save()
    _log_publication(ctx, project, result, outcomes)
    from dataclasses import replace

    result = replace(result, swapped=True, seconds=time.monotonic() - t0)
    if outcomes.failed:
        raise PublishFailed(result, _failure_text(result, kept=False))
    return result


def _timing(phase: str, since: float) -> float:
    """Log a phase's wall time at debug level (-v); returns now."""
    now = time.monotonic()
    log.debug("timing: %s %.2f s", phase, now - since)
    return now


def _purge_withdrawn(ctx: Context, project: Project) -> None:
    """Withdrawn or expired consent: drop the episode's cache entries and reports first, so
    it happens even if this run fails later."""
    from . import publog

    publog.purge_withdrawn(project, now=ctx.now, cache_dir=ctx.cache.root, reports_dir=ctx.reports)


def _reuse_unselected(
    project: Project,
    opts: PublishOptions,
    ctx: Context,
    outcomes: _Outcomes,
    jobs: int,
    out_dir: Path,
) -> None:
    """--only: the other episodes are published from the cache as they were last processed
    (no audio or transcription work), so the feed still lists them. One that is published
    but changed since (no cache entry for its current inputs) fails the run rather than
    silently dropping out of the feed."""
    from dataclasses import replace

    rest = tuple(e for e in project.episodes if e.slug not in opts.only)
    more = compute_all(replace(ctx, cache=ctx.cache.read_only()), rest, jobs)
    for slug in sorted(more.missing):
        if (out_dir / slug).is_dir():
            del more.excluded[slug]
            more.failed[slug] = (
                f"episodes/{slug}: not selected by --only, and the cache has no "
                "processed version of it as it is now (changed since it was "
                f"published, or the cache was cleared): add --only {slug}, "
                "or publish without --only"
            )
    outcomes.computed.update(more.computed)
    outcomes.excluded.update(more.excluded)
    outcomes.failed.update(more.failed)
    outcomes.withdrawn.update(more.withdrawn)


def _failure_text(result: PublishResult, kept: bool) -> str:
    lines = [f"{len(result.failed)} episode(s) failed:"]
    lines += [f"  {msg}" for _, msg in result.failed]
    if kept:
        lines.append(
            f"Nothing was published; {result.out.name}/ is unchanged. "
            "Fix the episodes above, or use --skip-failed to publish the others."
        )
    else:
        lines.append(
            f"The other episodes were published to {result.out.name}/ (--skip-failed, or a "
            "consent withdrawal that had to take effect); a failed episode keeps its last "
            "published version only where the cache still had it."
        )
    return "\n".join(lines)


def _check_no_leaks(staging: Staging, outcomes: _Outcomes) -> None:
    """Defence in depth: nothing but the site's own files may reach the output."""
    from .leaks import check_published_files

    problems = check_published_files(staging.dir, sorted(outcomes.computed))
    if problems:
        raise PodcastError(
            "refusing to publish files that are not part of the site:\n  " + "\n  ".join(problems)
        )


def _log_publication(
    ctx: Context, project: Project, result: PublishResult, outcomes: _Outcomes
) -> None:
    from . import publog

    reviewed = {slug: c.episode.reviewed for slug, c in outcomes.computed.items()}
    publog.record(
        ctx.reports, project, result, now=ctx.now, cache_dir=ctx.cache.root, reviewed=reviewed
    )
