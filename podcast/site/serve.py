"""`podcast serve`: a local preview server for the output folder.

It answers HTTP Range requests (browsers and podcast apps seek with them): one byte range
gives 206 Partial Content with Content-Range; a range that starts past the end of the file
gives 416 with `Content-Range: bytes */SIZE`; a Range header that is not a single
`bytes=` range is ignored and the whole file is sent (RFC 9110 14.2). It binds to
127.0.0.1 by default, so nothing outside this computer can reach it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from podcast.errors import PodcastError

log = logging.getLogger("podcast")

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
EXTRA_TYPES = {
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
}


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """A Range header against a file of `size` bytes.

    Returns (first, last) inclusive for a satisfiable single range, "unsatisfiable" for a
    valid range outside the file, or None when the header should be ignored.
    """
    m = _RANGE.match(header)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return None
    first_s, last_s = m.groups()
    if first_s == "":  # suffix range: the last N bytes
        length = int(last_s)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if last_s and last < first:
        return None  # invalid syntax: ignore
    if first >= size:
        return "unsatisfiable"
    return first, min(last, size - 1)


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Static files with single-range support, no caching, logs through `podcast`."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        # Podcasting 2.0 JSON chapters have a media type of their own
        if os.path.basename(os.fspath(path)) == "chapters.json":
            return "application/json+chapters"
        return super().guess_type(path)
    protocol_version = "HTTP/1.1"

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        log.info("serve: %s - %s", self.address_string(), format % args)

    def send_head(self):  # type: ignore[no-untyped-def]
        path = self.translate_path(self.path)
        if os.path.isdir(path) or "Range" not in self.headers:
            return self._whole(super().send_head())
        try:
            f = open(path, "rb")  # noqa: SIM115 (closed by copyfile/do_GET)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        size = os.fstat(f.fileno()).st_size
        wanted = parse_range(self.headers["Range"], size)
        if wanted is None:
            f.close()
            return self._whole(super().send_head())
        if wanted == "unsatisfiable":
            f.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            return None
        first, last = wanted  # type: ignore[misc]
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Content-Length", str(last - first + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        f.seek(first)
        self._remaining = last - first + 1
        return f

    def _whole(self, f):  # type: ignore[no-untyped-def]
        self._remaining = None
        return f

    def copyfile(self, source, outputfile) -> None:  # type: ignore[no-untyped-def]
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            shutil.copyfileobj(source, outputfile)
            return
        while remaining > 0:
            chunk = source.read(min(64 * 1024, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)

    def send_response(self, code: int, message: str | None = None) -> None:
        super().send_response(code, message)
        if code == HTTPStatus.OK:
            self.send_header("Accept-Ranges", "bytes")


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A ready server (not yet serving); port 0 picks a free port (see server.server_address)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PodcastError(f"{directory}: no such folder to serve (run `podcast publish` first)")
    handler = partial(RangeRequestHandler, directory=str(directory))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as e:
        raise PodcastError(f"{host}:{port}: cannot listen there: {e.strerror or e}") from e
    server.daemon_threads = True
    return server


def serve(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve `directory` until interrupted (Ctrl+C). Binds to localhost unless told otherwise."""
    server = make_server(directory, host, port)
    bound_host, bound_port = server.server_address[:2]
    log.info("Serving %s at http://%s:%s/ (Ctrl+C to stop)", directory, bound_host, bound_port)
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serve: listening on %s: other computers on the network can see the site", host)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("serve: stopped")
    finally:
        server.server_close()
