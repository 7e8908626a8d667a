"""The only place that runs ffmpeg: the binary bundled by imageio-ffmpeg, never one found on PATH."""

from __future__ import annotations

import functools
import io
import logging
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, cast

from podcast.errors import ToolError

log = logging.getLogger("podcast.audio")

_STDERR_TAIL = 1500  # characters of stderr kept in error messages


@functools.cache
def ffmpeg_exe() -> str:
    """Path of imageio-ffmpeg's ffmpeg binary (downloaded with the wheel, no system ffmpeg needed)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - dependency is mandatory
        raise ToolError(
            "ffmpeg: the 'imageio-ffmpeg' package is not installed (pip install imageio-ffmpeg)"
        ) from exc
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise ToolError(f"ffmpeg: imageio-ffmpeg has no binary for this platform: {exc}") from exc
    if not Path(exe).is_file():
        raise ToolError(f"ffmpeg: binary {exe} does not exist; reinstall imageio-ffmpeg")
    return exe


@functools.cache
def ffmpeg_version() -> str:
    """Version string of the bundled ffmpeg (for cache keys), e.g. 'ffmpeg n9.0.2-...'."""
    out = run(["-version"], quiet=False).stdout.decode("utf-8", "replace")
    first = out.splitlines()[0] if out else "unknown"
    return first.replace(" Copyright", "|").split("|")[0].strip()


def command(args: Sequence[str], *, quiet: bool = True) -> list[str]:
    """Full argv: the bundled binary, no banner, no stdin interaction, then `args`."""
    head = [ffmpeg_exe(), "-hide_banner", "-nostdin"]
    if quiet:
        head += ["-loglevel", "error"]
    return head + list(args)


def run(
    args: Sequence[str], *, quiet: bool = True, input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg to completion (optionally feeding `input` on stdin); ToolError with the
    command and stderr tail on failure."""
    cmd = command(args, quiet=quiet)
    log.debug("run: %s", shlex.join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False, input=input)
    except OSError as exc:
        raise ToolError(f"ffmpeg: cannot start {cmd[0]}: {exc}") from exc
    if proc.returncode != 0:
        raise ToolError(failure_message(cmd, proc.returncode, proc.stderr))
    return proc


class Process:
    """A streaming ffmpeg process. stderr goes to a temporary file (no pipe deadlock);
    `finish()` waits and raises ToolError with the command and stderr tail on failure."""

    def __init__(self, args: Sequence[str], *, stdin: bool = False, stdout: bool = True):
        self.cmd = command(args)
        log.debug("run: %s", shlex.join(self.cmd))
        self._err = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                self.cmd,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
                stderr=self._err,
            )
        except OSError as exc:
            self._err.close()
            raise ToolError(f"ffmpeg: cannot start {self.cmd[0]}: {exc}") from exc

    @property
    def stdin(self) -> IO[bytes]:
        assert self.proc.stdin is not None
        return self.proc.stdin

    @property
    def stdout(self) -> io.BufferedReader:
        assert self.proc.stdout is not None
        return cast(io.BufferedReader, self.proc.stdout)  # Popen's default buffered pipe

    def stderr_text(self) -> str:
        self._err.seek(0)
        return self._err.read().decode("utf-8", "replace")

    def finish(self) -> str:
        """Close pipes, wait, return stderr text; ToolError if ffmpeg failed."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        code = self.proc.wait()
        text = self.stderr_text()
        self._err.close()
        if code != 0:
            raise ToolError(failure_message(self.cmd, code, text))
        return text

    def kill(self) -> None:
        """Stop the process (after an error on our side) and release its resources."""
        if self.proc.poll() is None:
            self.proc.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        self.proc.wait()
        self._err.close()

    def __enter__(self) -> Process:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None:
            self.kill()


def failure_message(cmd: Sequence[str], returncode: int, stderr: bytes | str) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    tail = text.strip()[-_STDERR_TAIL:]
    return f"ffmpeg failed (exit {returncode}): {shlex.join(cmd)}\n{tail}"
