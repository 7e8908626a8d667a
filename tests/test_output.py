"""The output folder is swapped in whole; an interrupted swap is recovered."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podcast.output import OutputError, Staging, recover


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def publish_site(out: Path, files: dict[str, str]) -> None:
    staging = Staging(out)
    for name, text in files.items():
        staging.write_text(name, text)
    staging.commit()


def test_commit_replaces_whole_folder(tmp_path):
    out = tmp_path / "feed"
    publish_site(out, {"a.txt": "1", "ep/b.txt": "2"})
    publish_site(out, {"c.txt": "3"})
    assert tree(out) == {"c.txt": b"3"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed"]


def test_refuses_to_write_a_path_twice(tmp_path):
    staging = Staging(tmp_path / "feed")
    staging.write_text("x/index.html", "a")
    with pytest.raises(OutputError, match="x/index.html: two things tried to write"):
        staging.write_text("x/index.html", "b")
    with pytest.raises(OutputError):
        staging.path("../escape.txt")


def test_discard_leaves_previous_site(tmp_path):
    out = tmp_path / "feed"
    publish_site(out, {"a.txt": "old"})
    before = tree(out)
    staging = Staging(out)
    staging.write_text("a.txt", "new")
    staging.discard()
    assert tree(out) == before


def test_recover_after_kill_between_renames(tmp_path):
    out = tmp_path / "feed"
    publish_site(out, {"a.txt": "old"})
    before = tree(out)
    staging = Staging(out)
    staging.write_text("a.txt", "new")
    os.replace(out, tmp_path / ".feed.old")  # first rename done, then killed
    recover(out)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed"]


def test_recover_after_kill_before_cleanup(tmp_path):
    out = tmp_path / "feed"
    publish_site(out, {"a.txt": "old"})
    staging = Staging(out)
    staging.write_text("a.txt", "new")
    os.replace(out, tmp_path / ".feed.old")
    os.replace(staging.dir, out)  # both renames done, old copy not yet removed
    recover(out)
    assert tree(out) == {"a.txt": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed"]


def test_link_shares_bytes_without_copying(tmp_path):
    src = tmp_path / "cache.mp3"
    src.write_bytes(b"ID3" + b"\0" * 100)
    staging = Staging(tmp_path / "feed")
    target = staging.link(src, "ep/ep.mp3")
    assert target.read_bytes() == src.read_bytes()
    assert os.stat(target).st_ino == os.stat(src).st_ino
