"""The preview server, with real HTTP requests on 127.0.0.1."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from podcast.errors import PodcastError
from podcast.site.serve import make_server, parse_range


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, bytes, Path]]:
    body = bytes(range(256)) * 40  # 10240 bytes
    (tmp_path / "ep").mkdir()
    (tmp_path / "ep" / "ep.mp3").write_bytes(body)
    (tmp_path / "ep" / "index.html").write_text(
        "<!DOCTYPE html><title>ep</title>\n", encoding="utf-8"
    )
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>home</title>\n", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("outside\n", encoding="utf-8")
    server = make_server(tmp_path, port=0)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server.server_address[1], body, tmp_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def get(
    port: int, path: str, headers: dict | None = None, method: str = "GET"
) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_binds_to_localhost_by_default(tmp_path: Path) -> None:
    server = make_server(tmp_path, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_whole_file_says_it_accepts_ranges(served) -> None:
    port, body, _ = served
    status, headers, data = get(port, "/ep/ep.mp3")
    assert status == 200 and data == body
    assert headers["accept-ranges"] == "bytes" and headers["content-type"] == "audio/mpeg"
    assert int(headers["content-length"]) == len(body)


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 10239),
        ("bytes=-100", 10140, 10239),
        ("bytes=10000-99999", 10000, 10239),
        ("bytes=5000-5000", 5000, 5000),
    ],
)
def test_range_gives_206_with_content_range(served, header: str, first: int, last: int) -> None:
    port, body, _ = served
    status, headers, data = get(port, "/ep/ep.mp3", {"Range": header})
    assert status == 206
    assert headers["content-range"] == f"bytes {first}-{last}/{len(body)}"
    assert int(headers["content-length"]) == last - first + 1
    assert data == body[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=20000-30000", "bytes=-0"])
def test_unsatisfiable_range_gives_416(served, header: str) -> None:
    port, body, _ = served
    status, headers, data = get(port, "/ep/ep.mp3", {"Range": header})
    assert status == 416
    assert headers["content-range"] == f"bytes */{len(body)}"
    assert data == b""


@pytest.mark.parametrize("header", ["bytes=5-2", "items=0-1", "bytes=0-1,5-6", "nonsense"])
def test_malformed_range_is_ignored(served, header: str) -> None:
    port, body, _ = served
    status, _, data = get(port, "/ep/ep.mp3", {"Range": header})
    assert status == 200 and data == body


def test_head_with_range_and_keep_alive(served) -> None:
    port, body, _ = served
    status, headers, data = get(port, "/ep/ep.mp3", {"Range": "bytes=0-9"}, method="HEAD")
    assert status == 206 and data == b"" and headers["content-range"] == f"bytes 0-9/{len(body)}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:  # two requests on one connection: the range response must not overrun its length
        for first in (0, 5000):
            conn.request("GET", "/ep/ep.mp3", headers={"Range": f"bytes={first}-{first + 9}"})
            resp = conn.getresponse()
            assert resp.status == 206 and resp.read() == body[first : first + 10]
    finally:
        conn.close()


def test_folders_serve_their_index_and_nothing_outside(served) -> None:
    port, _, _ = served
    status, headers, data = get(port, "/ep/")
    assert status == 200 and b"<title>ep</title>" in data and "text/html" in headers["content-type"]
    assert get(port, "/")[0] == 200
    assert get(port, "/../secret.txt")[0] == 404
    assert get(port, "/ep/missing.mp3", {"Range": "bytes=0-1"})[0] == 404


def test_parse_range_rules() -> None:
    assert parse_range("bytes=0-0", 1) == (0, 0)
    assert parse_range("bytes=0-", 0) == "unsatisfiable"
    assert parse_range("bytes=-5", 3) == (0, 2)
    assert parse_range("bytes=-", 10) is None


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PodcastError, match="no such folder"):
        make_server(tmp_path / "nope", port=0)
