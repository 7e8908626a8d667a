"""Transcript sign-off: the hash of what was reviewed, `podcast approve`, and whether it still holds.

The sign-off lives in episode.yaml as

    review:
      by: "Dr A Reviewer"
      date: 2026-11-25
      sha256: "<hash of the reviewed transcript>"

`approve()` edits episode.yaml as text: it replaces an existing top-level `review:` block (or
appends one) and keeps every other byte of the file, comments and formatting included.

What is hashed: the text of the transcript the reviewer read (the committed, corrected file, or
the machine transcript rendered as WebVTT), with line endings normalised to "\\n", a leading
byte-order mark dropped and trailing whitespace on each line and at the end ignored, so saving
the file in another editor does not lapse a sign-off; any other change does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from .project import EpisodeSource

REVIEW_KEY = re.compile(r"^review[ \t]*:")


def _normalise(text: str) -> str:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip() + "\n"


def transcript_hash(source: Path | str | bytes) -> str:
    """SHA-256 (hex) of a transcript: a file path, its text or its bytes (UTF-8)."""
    if isinstance(source, Path):
        text = source.read_bytes().decode("utf-8")
    elif isinstance(source, bytes):
        text = source.decode("utf-8")
    else:
        text = source
    return hashlib.sha256(_normalise(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReviewStatus:
    state: str  # "approved" | "lapsed" | "never"
    message: str
    by: str = ""
    date: dt.date | None = None

    @property
    def approved(self) -> bool:
        return self.state == "approved"


def review_status(ep: EpisodeSource, transcript_sha256: str) -> ReviewStatus:
    """Whether the transcript about to be published is the one that was signed off."""
    r = ep.config.review
    if r is None:
        return ReviewStatus(
            "never",
            f"the transcript has not been reviewed; check it and run "
            f"'podcast approve {ep.slug} --by NAME'",
        )
    if r.sha256.strip().lower() != transcript_sha256.lower():
        return ReviewStatus(
            "lapsed",
            f"the sign-off by {r.by} on {r.date.isoformat()} has lapsed because the transcript "
            f"changed since; check it again and run 'podcast approve {ep.slug} --by NAME'",
            r.by,
            r.date,
        )
    return ReviewStatus("approved", f"approved by {r.by} on {r.date.isoformat()}", r.by, r.date)


# ------------------------------------------------------------------ editing episode.yaml


def _review_block(lines: list[str]) -> tuple[int, int] | None:
    """[start, end) line indices of the top-level `review:` entry, or None."""
    for i, line in enumerate(lines):
        if REVIEW_KEY.match(line):
            end = i + 1
            last = i + 1
            while end < len(lines):
                text = lines[end]
                if text.strip() == "":
                    end += 1
                    continue
                if text[0] in " \t":
                    end += 1
                    last = end
                    continue
                break
            return i, last  # trailing blank lines stay where they were
    return None


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def approve(
    episode_dir: Path,
    *,
    by: str,
    date: dt.date,
    transcript_path: Path | None = None,
    sha256: str | None = None,
) -> str:
    """Record a sign-off in episode_dir/episode.yaml, keeping the rest of the file intact.

    Give the reviewed transcript as `transcript_path` (hashed here) or its `sha256` (from
    transcript_hash). Returns the hash recorded. Raises ConfigError when episode.yaml or the
    transcript cannot be read, or the edit would not give valid YAML."""
    import yaml

    yaml_path = episode_dir / "episode.yaml"
    where = f"episodes/{episode_dir.name}/episode.yaml"
    by = by.strip()
    if not by:
        raise ConfigError([f"{where}: review.by: the reviewer's name is required"])
    if (transcript_path is None) == (sha256 is None):
        raise ValueError("approve() needs exactly one of transcript_path or sha256")
    try:
        text = yaml_path.read_bytes().decode("utf-8")
        digest = transcript_hash(transcript_path) if transcript_path else str(sha256).lower()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError([f"{where}: cannot record the review: {e}"]) from e
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"'{digest}' is not a SHA-256 hex digest")
    newline = "\r\n" if "\r\n" in text else "\n"
    block = (
        newline.join(
            [
                "review:",
                f"  by: {_quote(by)}",
                f"  date: {date.isoformat()}",
                f"  sha256: {_quote(digest)}",
            ]
        )
        + newline
    )
    lines = text.splitlines(keepends=True)
    span = _review_block(lines)
    if span is None:
        if text and not text.endswith(("\n", "\r")):
            text += newline
        new = text + block
    else:
        start, end = span
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + block + tail
    try:
        data = yaml.safe_load(new)
    except yaml.YAMLError as e:
        raise ConfigError(
            [f"{where}: is not valid YAML, so the review was not recorded: {e}"]
        ) from e
    got = (data or {}).get("review") if isinstance(data, dict) else None
    if not isinstance(got, dict) or got.get("sha256") != digest or got.get("by") != by:
        raise ConfigError(
            [f"{where}: could not add the review block safely; edit the file by hand"]
        )
    _atomic_write(yaml_path, new.encode("utf-8"))
    return digest


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".episode.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
