"""The output folder: built whole in a staging folder, then swapped in atomically.

    feed/            the published site (never written in place)
    .feed.staging-*  a build in progress (after an exchange: the previous site, being removed)
    .feed.old        the previous site during a two-rename swap
    .feed.lock       held (flock) by the publish that owns the output; released on any exit
    .feed.trash-*    the previous site after the swap, being deleted in the background

The swap is one atomic exchange of the two folders where the system has it (Linux
renameat2 RENAME_EXCHANGE: `feed/` is the old site or the new one at every instant), else
two renames (`feed` -> `.feed.old`, staging -> `feed`). `recover()` runs before every
publish: it finishes or undoes a swap that was interrupted, so a run killed at any point
leaves the previous `feed/` (or the complete new one) and never a half-built site.

Test hooks (environment, never set in normal use): PODCAST_TEST_SWAP_PAUSE=<seconds> sleeps
at the swap point (before the exchange, or between the two renames) and says so on stderr,
so a test can kill the process exactly there; PODCAST_TEST_SWAP_RENAMES=1 forces the
two-rename swap.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator
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
    for trash in sorted(out.parent.glob(f".{out.name}.trash-*")):
        # the previous run's background deletion, unfinished or still running
        if not _rm_in_background(trash):
            shutil.rmtree(trash, ignore_errors=True)


class Staging:
    """A writer that owns the new site while it is built; refuses to write a path twice."""

    def __init__(self, out: Path):
        self.out = out
        self.dir = out.with_name(f".{out.name}.staging-{os.getpid()}")
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self._written: set[str] = set()
        self._folders: set[Path] = {self.dir}

    def path(self, relative: str) -> Path:
        """Claim `relative` for writing and return its absolute path."""
        rel = Path(relative).as_posix()
        if rel in self._written:
            raise OutputError(f"{self.out.name}/{rel}: two things tried to write this file")
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise OutputError(f"{rel}: output paths must stay inside {self.out.name}/")
        self._written.add(rel)
        target = self.dir / rel
        if target.parent not in self._folders:  # one mkdir per folder, not per file
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
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

    def commit(self, *, background: bool = False) -> None:
        """Swap the new site in (atomic exchange, else two renames); remove the previous one
        (with `background`, by a detached process: see _remove_later)."""
        old = _old(self.out)
        if old.exists():
            shutil.rmtree(old)
        if (
            self.out.exists()
            and not os.environ.get("PODCAST_TEST_SWAP_RENAMES")
            and _exchange(self.dir, self.out)
        ):
            _remove(self.dir, self.out, background)  # now holds the previous site
            return
        if self.out.exists():
            os.replace(self.out, old)
        _test_pause()
        os.replace(self.dir, self.out)
        if old.exists():
            _remove(old, self.out, background)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _remove(folder: Path, out: Path, background: bool) -> None:
    """Delete the previous site. In the background, so the user need not wait: renamed to
    `.feed.trash-*` and removed by a detached `rm -rf` (deleting thousands of files is the
    slowest part of a no-op publish on a busy disk). Inline where there is no `rm`; a trash
    folder left by an interrupted `rm` is handed to a new one by the next recover()."""
    if background:
        trash = out.with_name(f".{out.name}.trash-{os.getpid()}-{time.monotonic_ns()}")
        try:
            os.replace(folder, trash)
        except OSError:
            trash = folder
        if _rm_in_background(trash):
            return
        folder = trash
    shutil.rmtree(folder, ignore_errors=True)


def _rm_in_background(folder: Path) -> bool:
    """Start a detached `rm -rf folder`; False where that is not possible."""
    rm = shutil.which("rm") if os.name == "posix" else None
    if not rm:
        return False
    import subprocess

    try:
        subprocess.Popen(
            [rm, "-rf", "--", str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2 RENAME_EXCHANGE). False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    _test_pause()
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    log.debug(
        "atomic exchange unavailable (%s); swapping with two renames",
        os.strerror(ctypes.get_errno()),
    )
    return False


def _test_pause() -> None:
    """PODCAST_TEST_SWAP_PAUSE: a test hook to be killed at the swap point (see module doc)."""
    seconds = os.environ.get("PODCAST_TEST_SWAP_PAUSE")
    if seconds:
        sys.stderr.write(f"PODCAST_TEST_SWAP_PAUSE: pausing {seconds} s at the swap\n")
        sys.stderr.flush()
        time.sleep(float(seconds))


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold `.<out>.lock` (flock) while publishing, so two runs never share an output
    folder or its staging. The lock goes with the process, however it ends."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking
        yield
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out.with_name(f".{out.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise OutputError(f"{out}: cannot write beside the output folder ({e})") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"{out}: another publish is writing this folder; wait for it to finish"
            ) from None
        yield
    finally:
        os.close(fd)


def recover_if_idle(out: Path) -> None:
    """For commands that read the output (check, serve): finish or undo an interrupted swap,
    unless a publish is running right now (then leave it alone)."""
    if not (out.exists() or _old(out).exists()):
        return
    try:
        with locked(out):
            recover(out)
    except OutputError:
        log.debug("%s: a publish is running; not recovering", out)
