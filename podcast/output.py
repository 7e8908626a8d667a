"""The output folder: built whole in a staging folder, then swapped in with two renames.

    feed/            the published site (never written in place)
    .feed.staging-*  a build in progress
    .feed.old        the previous site during the swap

`recover()` runs before every command: it finishes or undoes a swap that was
interrupted, so a run killed at any point leaves the previous `feed/` (or the complete
new one) and never a half-built site.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from .errors import PodcastError

log = logging.getLogger("podcast")


class OutputError(PodcastError):
    pass


def _old(out: Path) -> Path:
    return out.with_name(f".{out.name}.old")


def _staging_glob(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.staging-*"))


def recover(out: Path) -> None:
    """Bring `out` back to a consistent state after an interrupted run."""
    old = _old(out)
    if old.exists():
        if out.exists():
            # the swap finished (new site in place); only the old one was left behind
            shutil.rmtree(old, ignore_errors=True)
        else:
            # killed between the two renames: put the previous site back
            os.replace(old, out)
            log.warning("%s: restored the previous site after an interrupted publish", out)
    for stale in _staging_glob(out):
        shutil.rmtree(stale, ignore_errors=True)


class Staging:
    """A writer that owns the new site while it is built; refuses to write a path twice."""

    def __init__(self, out: Path):
        self.out = out
        self.dir = out.with_name(f".{out.name}.staging-{os.getpid()}")
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self._written: set[str] = set()

    def path(self, relative: str) -> Path:
        """Claim `relative` for writing and return its absolute path."""
        rel = Path(relative).as_posix()
        if rel in self._written:
            raise OutputError(f"{self.out.name}/{rel}: two things tried to write this file")
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise OutputError(f"{rel}: output paths must stay inside {self.out.name}/")
        self._written.add(rel)
        target = self.dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def link(self, source: Path, relative: str) -> Path:
        """Place a finished file (e.g. from the cache) without copying its bytes when possible."""
        target = self.path(relative)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        return target

    def write_text(self, relative: str, text: str) -> Path:
        target = self.path(relative)
        target.write_text(text, encoding="utf-8", newline="\n")
        return target

    def adopt(self, relative: str) -> None:
        """Record a file a renderer wrote itself under the staging folder."""
        rel = Path(relative).as_posix()
        if rel in self._written:
            raise OutputError(f"{self.out.name}/{rel}: two things tried to write this file")
        self._written.add(rel)

    @property
    def files(self) -> frozenset[str]:
        return frozenset(self._written)

    def commit(self) -> None:
        """Swap the new site in: two renames, the previous site removed afterwards."""
        old = _old(self.out)
        if old.exists():
            shutil.rmtree(old)
        if self.out.exists():
            os.replace(self.out, old)
        os.replace(self.dir, self.out)
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
