"""The publication log (governance evidence) and purging a withdrawn episode's private data.

reports/publication-log.jsonl is append-only: one JSON object per line, one line per change
("published", "updated", "removed"), never rewritten. reports/publication-log.md is a readable
table regenerated from it after each run. A run that changes nothing appends nothing.

`purge()` deletes one episode's cache entries (ROOT/.podcast-cache/<stage>/<key>/ whose
meta.json says {"slug": ...}) and its reports folder (reports/<slug>/), and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import SLUG_RE

if TYPE_CHECKING:
    from .consent import Decision
    from .models import PublishedEpisode
    from .project import EpisodeSource, Project

log = logging.getLogger("podcast")

LOG_JSONL = "publication-log.jsonl"
LOG_MD = "publication-log.md"


@dataclass(frozen=True)
class LiveEpisode:
    """An episode that is in feed/ after this run, with the evidence it was published under."""

    slug: str
    guid: str
    title: str
    consent: tuple[str, ...]  # "speaker-id: REFERENCE (audio+transcript+name)"
    mp3_sha256: str = ""
    transcript_sha256: str = ""
    reviewed_by: str = ""  # "" = published unreviewed (show allows it) or not applicable


@dataclass(frozen=True)
class LogEntry:
    time: str  # ISO 8601, UTC
    action: str  # "published" | "updated" | "removed"
    slug: str
    guid: str = ""
    title: str = ""
    consent: tuple[str, ...] = ()
    reason: str = ""
    mp3_sha256: str = ""
    transcript_sha256: str = ""
    reviewed_by: str = ""


def live_episode(
    pe: PublishedEpisode, decision: Decision, *, transcript_sha256: str = "", reviewed_by: str = ""
) -> LiveEpisode:
    return LiveEpisode(
        slug=pe.slug,
        guid=pe.guid,
        title=pe.title,
        consent=tuple(f"{sid}: {ref} ({scope})" for sid, ref, scope in decision.consent_refs),
        mp3_sha256=pe.audio.sha256,
        transcript_sha256=transcript_sha256,
        reviewed_by=reviewed_by,
    )


def read_log(reports_dir: Path) -> tuple[LogEntry, ...]:
    path = reports_dir / LOG_JSONL
    if not path.is_file():
        return ()
    out = []
    fields = set(LogEntry.__dataclass_fields__)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            data = {k: v for k, v in data.items() if k in fields}
            data["consent"] = tuple(data.get("consent", ()))
            out.append(LogEntry(**data))
        except (ValueError, TypeError) as e:
            log.warning("%s:%d: unreadable log line skipped: %s", path, n, e)
    return tuple(out)


def current_state(entries: Sequence[LogEntry]) -> dict[str, LogEntry]:
    """The last entry of every episode whose last action left it published."""
    last: dict[str, LogEntry] = {}
    for e in entries:
        last[e.slug] = e
    return {s: e for s, e in last.items() if e.action != "removed"}


def _utc_iso(now: dt.datetime) -> str:
    now = now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now.astimezone(dt.UTC)
    return now.isoformat(timespec="seconds").replace("+00:00", "Z")


def log_run(
    reports_dir: Path,
    *,
    now: dt.datetime,
    live: Sequence[LiveEpisode],
    scope: Collection[str] | None = None,
    reasons: Mapping[str, str] | None = None,
) -> tuple[LogEntry, ...]:
    """Append what changed in feed/ this run and return the new entries.

    live: every episode in feed/ after the run. scope: the slugs this run decided on (None = all,
    a full publish); a previously published episode inside the scope that is not live is logged
    as removed, with reasons[slug] (e.g. Decision.message) or "no longer in episodes/"."""
    reasons = reasons or {}
    time = _utc_iso(now)
    state = current_state(read_log(reports_dir))
    new: list[LogEntry] = []
    for ep in sorted(live, key=lambda e: e.slug):
        entry = LogEntry(time, "published", **{k: v for k, v in asdict(ep).items()})
        prev = state.get(ep.slug)
        if prev is None:
            new.append(entry)
        elif _evidence(prev) != _evidence(entry):
            new.append(LogEntry(**{**asdict(entry), "action": "updated", "consent": entry.consent}))
    live_slugs = {e.slug for e in live}
    for slug in sorted(state):
        if slug in live_slugs or (scope is not None and slug not in scope):
            continue
        prev = state[slug]
        new.append(
            LogEntry(
                time,
                "removed",
                slug,
                prev.guid,
                prev.title,
                prev.consent,
                reasons.get(slug, "no longer in episodes/"),
            )
        )
    if new:
        reports_dir.mkdir(parents=True, exist_ok=True)
        with (reports_dir / LOG_JSONL).open("a", encoding="utf-8") as f:
            for e in new:
                f.write(json.dumps(asdict(e), ensure_ascii=False, sort_keys=True) + "\n")
        write_markdown(reports_dir)
    return tuple(new)


def _evidence(e: LogEntry) -> tuple:
    return (e.guid, e.title, tuple(e.consent), e.mp3_sha256, e.transcript_sha256, e.reviewed_by)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(reports_dir: Path) -> Path:
    """reports/publication-log.md: the whole log as a table, oldest first."""
    rows = [
        "# Publication log",
        "",
        "Private governance record: what was published or removed, when, under which consent.",
        "",
        "| time (UTC) | action | episode | consent | reviewed by | reason |",
        "|---|---|---|---|---|---|",
    ]
    for e in read_log(reports_dir):
        rows.append(
            f"| {e.time} | {e.action} | {_cell(e.slug)} | {_cell('; '.join(e.consent))} | "
            f"{_cell(e.reviewed_by)} | {_cell(e.reason)} |"
        )
    path = reports_dir / LOG_MD
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ the pipeline's entry point


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _live_from_output(src: EpisodeSource, out_dir: Path, reviewed: bool | None) -> LiveEpisode:
    cfg = src.config
    consent = tuple(
        f"{s.id}: {s.consent.reference} ({'+'.join(s.consent.scope)})"
        for s in cfg.speakers
        if s.consent is not None
    )
    mp3 = out_dir / src.slug / f"{src.slug}.mp3"
    vtt = out_dir / src.slug / "transcript.vtt"
    review = cfg.review
    return LiveEpisode(
        slug=src.slug,
        guid=src.guid,
        title=cfg.title,
        consent=consent,
        mp3_sha256=_sha256(mp3) if mp3.is_file() else "",
        transcript_sha256=_sha256(vtt) if vtt.is_file() else "",
        reviewed_by=(
            "not reviewed (the show allows unreviewed transcripts)"
            if reviewed is False
            else f"{review.by} on {review.date.isoformat()}"
            if review
            else ""
        ),
    )


def purge_withdrawn(
    project: Project, *, now: dt.datetime, cache_dir: Path, reports_dir: Path
) -> dict[str, tuple[Path, ...]]:
    """Purge every episode whose consent is withdrawn or expired at `now`. Safe to call on
    every run (and before computing, so a failed run still purges)."""
    from .consent import decide

    done = {}
    for src in project.episodes:
        if decide(src, now=now, allow_unreviewed=True).purge:
            removed = purge(src.slug, cache_dir, reports_dir)
            if removed:
                log.info(
                    "episodes/%s: consent withdrawn or expired: purged %d cache/report folder(s)",
                    src.slug,
                    len(removed),
                )
            done[src.slug] = removed
    return done


def record(
    reports_dir: Path,
    project: Project,
    result: object,
    *,
    now: dt.datetime,
    cache_dir: Path,
    reviewed: Mapping[str, bool] | None = None,
) -> tuple[LogEntry, ...]:
    """After feed/ was swapped in: purge withdrawn/expired episodes and log what changed.

    `result` is pipeline.PublishResult (out, published, excluded, failed). Every episode in
    result.published is live (evidence read from out/<slug>/); any previously published episode
    that is not is logged as removed with its reason. `reviewed` (slug -> PublishedEpisode.reviewed)
    records an unreviewed transcript as such instead of the (lapsed) sign-off in episode.yaml."""
    purge_withdrawn(project, now=now, cache_dir=cache_dir, reports_dir=reports_dir)
    out_dir: Path = result.out  # type: ignore[attr-defined]
    by_slug = {e.slug: e for e in project.episodes}
    published: Sequence[str] = result.published  # type: ignore[attr-defined]
    flags = reviewed or {}
    live = [_live_from_output(by_slug[s], out_dir, flags.get(s)) for s in published if s in by_slug]
    reasons = dict(result.excluded) | dict(result.failed)  # type: ignore[attr-defined]
    entries = log_run(reports_dir, now=now, live=live, reasons=reasons)
    for e in entries:
        if e.action == "removed":
            log.warning("episodes/%s: removed from %s/: %s", e.slug, out_dir.name, e.reason)
    return entries


# ------------------------------------------------------------------ purge


def _safe_child(parent: Path, child: Path) -> bool:
    """child is a real directory (not a symlink) directly inside parent."""
    try:
        return (
            child.is_dir() and not child.is_symlink() and child.resolve().parent == parent.resolve()
        )
    except OSError:
        return False


def _cache_entry_slug(entry: Path) -> str | None:
    meta = entry / "meta.json"
    if meta.is_symlink() or not meta.is_file():
        return None
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    slug = data.get("slug") if isinstance(data, dict) else None
    return slug if isinstance(slug, str) else None


def purge(slug: str, cache_dir: Path, reports_dir: Path) -> tuple[Path, ...]:
    """Delete the episode's cache entries and reports/<slug>/. Returns what was removed.

    Only folders exactly two levels under cache_dir whose meta.json names the slug, and
    reports_dir/<slug> itself, are touched; symlinks are never followed. The publication log
    stays: it is the record that the episode was removed."""
    if not SLUG_RE.match(slug):
        raise ValueError(f"'{slug}' is not an episode slug")
    removed: list[Path] = []
    if cache_dir.is_dir() and not cache_dir.is_symlink():
        for stage in sorted(cache_dir.iterdir()):
            if not _safe_child(cache_dir, stage):
                continue
            for entry in sorted(stage.iterdir()):
                if _safe_child(stage, entry) and _cache_entry_slug(entry) == slug:
                    shutil.rmtree(entry)
                    removed.append(entry)
    target = reports_dir / slug
    if reports_dir.is_dir() and _safe_child(reports_dir, target):
        shutil.rmtree(target)
        removed.append(target)
    for p in removed:
        log.debug("purged %s", p)
    return tuple(removed)
