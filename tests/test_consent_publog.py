"""Publication log (append-only governance record) and purging a withdrawn episode's private data."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from podcast.pipeline import PublishResult as Result
from podcast.project import load_project
from podcast.publog import (
    LOG_JSONL,
    LOG_MD,
    LiveEpisode,
    log_run,
    purge,
    purge_withdrawn,
    read_log,
    record,
)

T1 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 6, 2, 9, 0)  # naive = UTC
T3 = dt.datetime(2026, 6, 3, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def live(slug: str, mp3: str = "aa", consent: tuple[str, ...] = ("pat: CF-1 (audio+transcript)",)):
    return LiveEpisode(slug, f"guid-{slug}", f"Title {slug}", consent, mp3_sha256=mp3)


def test_log_records_changes_only_and_is_append_only(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = log_run(reports, now=T1, live=[live("a"), live("b")])
    assert [(e.action, e.slug) for e in first] == [("published", "a"), ("published", "b")]
    assert first[0].time == "2026-06-01T09:00:00Z"
    assert first[0].consent == ("pat: CF-1 (audio+transcript)",)
    raw1 = (reports / LOG_JSONL).read_bytes()
    # same state again: nothing appended
    assert log_run(reports, now=T2, live=[live("a"), live("b")]) == ()
    assert (reports / LOG_JSONL).read_bytes() == raw1
    # b withdrawn, a re-encoded
    second = log_run(reports, now=T3, live=[live("a", mp3="bb")], reasons={"b": "withdrawn"})
    assert [(e.action, e.slug, e.reason) for e in second] == [
        ("updated", "a", ""),
        ("removed", "b", "withdrawn"),
    ]
    assert second[1].time == "2026-06-03T09:00:00Z" and second[1].consent == first[1].consent
    raw2 = (reports / LOG_JSONL).read_bytes()
    assert raw2.startswith(raw1)
    lines = raw2.decode().splitlines()
    assert len(lines) == 4 and all(json.loads(line)["slug"] in "ab" for line in lines)
    assert [e.action for e in read_log(reports)] == ["published", "published", "updated", "removed"]
    md = (reports / LOG_MD).read_text(encoding="utf-8")
    assert (
        "| 2026-06-03T09:00:00Z | removed | b | pat: CF-1 (audio+transcript) |  | withdrawn |" in md
    )
    # b comes back under a new consent
    third = log_run(
        reports, now=T3, live=[live("a", mp3="bb"), live("b", consent=("pat: CF-2 (audio)",))]
    )
    assert [(e.action, e.slug) for e in third] == [("published", "b")]


def test_scope_limits_removals(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    log_run(reports, now=T1, live=[live("a"), live("b")])
    assert log_run(reports, now=T2, live=[live("a")], scope={"a"}) == ()
    (gone,) = log_run(reports, now=T2, live=[live("a")])
    assert gone.action == "removed" and gone.reason == "no longer in episodes/"


def test_unreadable_log_lines_are_skipped(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / LOG_JSONL).write_text(
        '{"time": "x", "action": "published", "slug": "a"}\nnot json\n'
    )
    assert [e.slug for e in read_log(reports)] == ["a"]


# ------------------------------------------------------------------ purge


def cache_entry(cache: Path, stage: str, key: str, slug: str | None, meta: Any = None) -> Path:
    entry = cache / stage / key
    entry.mkdir(parents=True)
    (entry / "audio.wav").write_bytes(b"RIFF")
    if meta is None:
        meta = {"format": 1, "stage": stage, "slug": slug, "result": {}}
    (entry / "meta.json").write_text(meta if isinstance(meta, str) else json.dumps(meta))
    return entry


def test_purge_removes_only_that_episodes_entries_and_reports(tmp_path: Path) -> None:
    cache = tmp_path / ".podcast-cache"
    reports = tmp_path / "reports"
    mine = [
        cache_entry(cache, "prepare", "k1", "ep-1"),
        cache_entry(cache, "transcribe", "k2", "ep-1"),
    ]
    keep = [
        cache_entry(cache, "prepare", "k3", "ep-10"),
        cache_entry(cache, "prepare", "k4", None, meta={"slug": ["ep-1"]}),
        cache_entry(cache, "prepare", "k5", None, meta="{broken"),
    ]
    (cache / "hashes.json").write_text("{}")
    (reports / "ep-1").mkdir(parents=True)
    (reports / "ep-1" / "report.html").write_text("private")
    (reports / "ep-10").mkdir()
    log_run(reports, now=T1, live=[live("ep-1")])
    removed = purge("ep-1", cache, reports)
    assert set(removed) == {*mine, reports / "ep-1"}
    assert not any(p.exists() for p in mine) and not (reports / "ep-1").exists()
    assert all(p.is_dir() for p in keep) and (reports / "ep-10").is_dir()
    assert (cache / "hashes.json").is_file() and (reports / LOG_JSONL).is_file()
    assert purge("ep-1", cache, reports) == ()  # idempotent


def test_purge_never_follows_links_or_leaves_its_folders(tmp_path: Path) -> None:
    cache = tmp_path / ".podcast-cache"
    reports = tmp_path / "reports"
    outside = tmp_path / "outside"
    outside_entry = cache_entry(outside, "stage", "key", "ep-1")
    cache.mkdir()
    os.symlink(outside / "stage", cache / "linked-stage")
    (cache / "prepare").mkdir()
    os.symlink(outside_entry, cache / "prepare" / "linked-entry")
    reports.mkdir()
    os.symlink(outside, reports / "ep-1")
    assert purge("ep-1", cache, reports) == ()
    assert outside_entry.is_dir() and (outside_entry / "audio.wav").is_file()
    with pytest.raises(ValueError):
        purge("../outside", cache, reports)
    with pytest.raises(ValueError):
        purge("", cache, reports)
    assert purge("ep-1", tmp_path / "no-cache", tmp_path / "no-reports") == ()


# ------------------------------------------------------------------ record(): the pipeline hook


def test_record_purges_withdrawn_and_logs_removal(show) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import episode_yaml

    ep = show.episode("ep-1", episode_yaml())
    root = show.root
    out = root / "feed"
    (out / "ep-1").mkdir(parents=True)
    (out / "ep-1" / "ep-1.mp3").write_bytes(b"mp3 bytes")
    cache = root / ".podcast-cache"
    reports = root / "reports"
    cache_entry(cache, "prepare", "k1", "ep-1")
    (reports / "ep-1").mkdir(parents=True)
    project = load_project(root)
    (entry,) = record(reports, project, Result(out, ("ep-1",)), now=T1, cache_dir=cache)
    assert entry.action == "published" and entry.consent == ("host: CF-1 (audio+transcript+name)",)
    assert entry.mp3_sha256 == hashlib.sha256(b"mp3 bytes").hexdigest()
    assert entry.reviewed_by == ""
    (again,) = record(
        reports, project, Result(out, ("ep-1",)), now=T2, cache_dir=cache, reviewed={"ep-1": False}
    )
    assert again.action == "updated"
    assert again.reviewed_by == "not reviewed (the show allows unreviewed transcripts)"
    assert (cache / "prepare" / "k1").is_dir()  # consented: nothing purged

    data = yaml.safe_load((ep / "episode.yaml").read_text())
    data["speakers"][0]["consent"]["withdrawn"] = "2026-06-02"
    (ep / "episode.yaml").write_text(yaml.safe_dump(data))
    project = load_project(root)
    reason = "episodes/ep-1: not published: consent withdrawn"
    (removed,) = record(
        reports, project, Result(out, (), (("ep-1", reason),)), now=T3, cache_dir=cache
    )
    assert removed.action == "removed" and removed.reason == reason
    assert not (cache / "prepare" / "k1").exists() and not (reports / "ep-1").exists()
    assert [e.action for e in read_log(reports)] == ["published", "updated", "removed"]


def test_purge_withdrawn_before_any_work(show) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import episode_yaml

    data = episode_yaml()
    data["speakers"][0]["consent"]["expires"] = "2026-05-01"
    show.episode("ep-1", data)
    show.episode("ep-2", episode_yaml())
    cache = show.root / ".podcast-cache"
    cache_entry(cache, "prepare", "k1", "ep-1")
    cache_entry(cache, "prepare", "k2", "ep-2")
    done = purge_withdrawn(
        load_project(show.root), now=T1, cache_dir=cache, reports_dir=show.root / "reports"
    )
    assert set(done) == {"ep-1"}
    assert not (cache / "prepare" / "k1").exists() and (cache / "prepare" / "k2").is_dir()
