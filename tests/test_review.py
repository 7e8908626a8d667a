"""Transcript sign-off: approve edits episode.yaml in place, and the sign-off lapses on change."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from podcast.config import EpisodeConfig
from podcast.errors import ConfigError
from podcast.project import EpisodeSource, load_project
from podcast.review import approve, review_status, transcript_hash

YAML = """\
# Episode 3: a ward sister's night shift
title: "Nights on Ward 7"   # keep the quotes
date: 2026-03-01
description: >
  A night shift, told by the people on it.
audio: recording.wav

speakers:
  - id: host        # the interviewer
    name: Alex Host
    role: Interviewer
    host: true
    consent: {reference: CF-1, date: 2026-01-01, scope: [audio, transcript, name]}
"""

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Interviewer>Hello and welcome.\n"


def folder(tmp_path: Path, text: str = YAML) -> tuple[Path, Path]:
    ep = tmp_path / "episodes" / "ep-3"
    ep.mkdir(parents=True)
    (ep / "episode.yaml").write_bytes(text.encode("utf-8"))
    (ep / "transcript.vtt").write_text(VTT, encoding="utf-8")
    return ep, ep / "transcript.vtt"


def source(ep: Path) -> EpisodeSource:
    data = yaml.safe_load((ep / "episode.yaml").read_text(encoding="utf-8"))
    return EpisodeSource(ep.name, ep, EpisodeConfig.model_validate(data), "g")


def test_hash_is_sha256_of_normalised_text(tmp_path: Path) -> None:
    expected = hashlib.sha256(VTT.encode()).hexdigest()
    p = tmp_path / "t.vtt"
    p.write_text(VTT, encoding="utf-8")
    assert transcript_hash(p) == transcript_hash(VTT) == transcript_hash(VTT.encode()) == expected
    # editor noise does not change it: CRLF, BOM, trailing spaces, final newlines
    noisy = "\ufeff" + VTT.replace("\n", "  \r\n") + "\r\n\r\n"
    assert transcript_hash(noisy) == expected
    # any real edit does
    assert transcript_hash(VTT.replace("welcome", "welcome back")) != expected
    assert transcript_hash(VTT.replace("00:02", "00:03")) != expected


def test_approve_appends_and_keeps_every_other_byte(tmp_path: Path) -> None:
    ep, vtt = folder(tmp_path)
    digest = approve(ep, by="Dr A. O'Reviewer", date=dt.date(2026, 3, 2), transcript_path=vtt)
    text = (ep / "episode.yaml").read_text(encoding="utf-8")
    assert text.startswith(YAML)
    assert text[len(YAML) :] == (
        f'review:\n  by: "Dr A. O\'Reviewer"\n  date: 2026-03-02\n  sha256: "{digest}"\n'
    )
    cfg = source(ep).config
    assert cfg.review is not None and cfg.review.by == "Dr A. O'Reviewer"
    assert cfg.review.date == dt.date(2026, 3, 2) and cfg.review.sha256 == transcript_hash(vtt)


def test_approve_replaces_an_existing_block_in_the_middle(tmp_path: Path) -> None:
    before, after = YAML.split("speakers:")
    old = (
        "review:   # signed off last week\n"
        "  by: Someone Else\n"
        "\n"
        "  date: 2026-02-01\n"
        "  sha256: 0000\n"
        "\n"
        "# speakers follow\n"
    )
    original = before + old + "speakers:" + after
    ep, vtt = folder(tmp_path, original)
    digest = approve(ep, by="Sam Reviewer", date=dt.date(2026, 3, 3), transcript_path=vtt)
    text = (ep / "episode.yaml").read_text(encoding="utf-8")
    new_block = f'review:\n  by: "Sam Reviewer"\n  date: 2026-03-03\n  sha256: "{digest}"\n'
    assert text == before + new_block + "\n# speakers follow\n" + "speakers:" + after
    assert "Someone Else" not in text


def test_approve_twice_replaces_rather_than_duplicates(tmp_path: Path) -> None:
    ep, vtt = folder(tmp_path)
    approve(ep, by="A", date=dt.date(2026, 3, 2), transcript_path=vtt)
    approve(ep, by="B", date=dt.date(2026, 3, 4), transcript_path=vtt)
    text = (ep / "episode.yaml").read_text(encoding="utf-8")
    assert text.count("review:") == 1 and text.startswith(YAML)
    assert source(ep).config.review.by == "B"  # type: ignore[union-attr]


def test_approve_flow_style_block_and_crlf_and_no_final_newline(tmp_path: Path) -> None:
    original = YAML.replace("\n", "\r\n") + "review: {by: X, date: 2026-01-01, sha256: ab}"
    ep, vtt = folder(tmp_path, original)
    digest = approve(ep, by="Y", date=dt.date(2026, 3, 2), sha256=transcript_hash(vtt))
    raw = (ep / "episode.yaml").read_bytes()
    assert raw.startswith(YAML.replace("\n", "\r\n").encode())
    assert raw.endswith(f'  sha256: "{digest}"\r\n'.encode())
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert source(ep).config.review.by == "Y"  # type: ignore[union-attr]


def test_approve_keeps_file_mode_and_leaves_no_temporaries(tmp_path: Path) -> None:
    ep, vtt = folder(tmp_path)
    (ep / "episode.yaml").chmod(0o640)
    approve(ep, by="A", date=dt.date(2026, 3, 2), transcript_path=vtt)
    assert (ep / "episode.yaml").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in ep.iterdir()) == ["episode.yaml", "transcript.vtt"]


def test_approve_refuses_bad_input(tmp_path: Path) -> None:
    ep, vtt = folder(tmp_path)
    with pytest.raises(ConfigError, match="reviewer's name is required"):
        approve(ep, by="  ", date=dt.date(2026, 3, 2), transcript_path=vtt)
    with pytest.raises(ConfigError, match="episodes/ep-3/episode.yaml: cannot record the review"):
        approve(ep, by="A", date=dt.date(2026, 3, 2), transcript_path=ep / "missing.vtt")
    with pytest.raises(ValueError):
        approve(ep, by="A", date=dt.date(2026, 3, 2))
    assert (ep / "episode.yaml").read_text(encoding="utf-8") == YAML
    (ep / "episode.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        approve(ep, by="A", date=dt.date(2026, 3, 2), transcript_path=vtt)
    assert (ep / "episode.yaml").read_text(encoding="utf-8") == "title: [unclosed\n"


def test_status_never_approved_lapsed(tmp_path: Path) -> None:
    ep, vtt = folder(tmp_path)
    status = review_status(source(ep), transcript_hash(vtt))
    assert status.state == "never" and not status.approved
    assert "podcast approve ep-3 --by NAME" in status.message
    approve(ep, by="Dr R", date=dt.date(2026, 3, 2), transcript_path=vtt)
    status = review_status(source(ep), transcript_hash(vtt))
    assert status.approved and status.by == "Dr R" and status.date == dt.date(2026, 3, 2)
    # a correction after sign-off lapses it
    vtt.write_text(VTT.replace("Hello", "Hello there"), encoding="utf-8")
    status = review_status(source(ep), transcript_hash(vtt))
    assert status.state == "lapsed" and not status.approved
    assert "Dr R on 2026-03-02" in status.message and "changed" in status.message
    # a re-save with Windows line endings does not
    vtt.write_text(VTT.replace("\n", "\r\n"), encoding="utf-8")
    assert review_status(source(ep), transcript_hash(vtt)).approved


def test_approved_file_still_loads_as_a_project(show) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import episode_yaml

    ep = show.episode("ep-1", episode_yaml())
    text_before = (ep / "episode.yaml").read_text(encoding="utf-8")
    (ep / "transcript.vtt").write_text(VTT, encoding="utf-8")
    approve(ep, by="A Reviewer", date=dt.date(2026, 3, 2), transcript_path=ep / "transcript.vtt")
    project = load_project(show.root)
    (src,) = project.episodes
    assert src.config.review is not None and src.config.review.by == "A Reviewer"
    assert (ep / "episode.yaml").read_text(encoding="utf-8").startswith(text_before)
