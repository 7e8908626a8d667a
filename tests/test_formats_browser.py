"""The WebVTT we publish, loaded by a real browser's own WebVTT parser (Chromium <track>)."""

from __future__ import annotations

import functools
import html
import http.server
import shutil
import threading

import pytest
import webvtt

from podcast.models import Segment, Transcript, Word
from podcast.transcribe import formats

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NAMES = {"host": "Dr Amy Ng", "guest": "Patient"}


def _seg(start, text, speaker):
    ws = tuple(
        Word(start + i * 0.4, start + i * 0.4 + 0.3, " " + t) for i, t in enumerate(text.split())
    )
    return Segment(start, ws[-1].end, "".join(w.text for w in ws), speaker, ws)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


def test_chromium_parses_every_cue_with_its_voice(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip(
            "SKIPPED LOUDLY: Debian's chromium is not installed; the browser check did not run"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    t = Transcript(
        (
            _seg(
                0.0,
                "Welcome & hello <b>not bold</b> to the ward podcast, where patients "
                "and staff talk about the care they give and get every day.",
                "host",
            ),
            Segment(20.0, 21.0, "[Music]", kind="nonspeech"),
            _seg(22.0, "Thanks — שלום 👋 a > b and --> arrows.", "guest"),
            _seg(26.0, "Who is this?", "SPEAKER_03"),
        ),
        "en",
    )
    text = formats.to_vtt(t, NAMES)
    (tmp_path / "t.vtt").write_text(text, encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<!doctype html><title>t</title><video id="v"><track id="t" kind="captions" '
        'src="t.vtt" default></video>',
        encoding="utf-8",
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    def read_cues() -> tuple:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            page.wait_for_function("document.getElementById('t').readyState >= 2", timeout=20000)
            found = page.evaluate(
                """() => { const el = document.getElementById('t'); el.track.mode = 'hidden';
                return [el.readyState, Array.from(el.track.cues).map(c => {
                  const frag = c.getCueAsHTML(); const v = frag.querySelector('span[title]');
                  return [c.startTime, c.endTime, frag.textContent, v ? v.title : null]; })]; }"""
            )
            browser.close()
            return found

    try:
        # its own thread: another test module may hold a Playwright session (an asyncio loop)
        # open in the main thread, and the sync API refuses to start inside a running loop
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            state, cues = pool.submit(read_cues).result()
    finally:
        server.shutdown()
    assert state == 2, "the browser reported an error loading the track"
    reference = webvtt.from_string(text, strict=True).captions
    assert len(cues) == len(reference) >= 5
    for (start, end, shown, voice), cap in zip(cues, reference, strict=True):
        assert start == pytest.approx(cap.start_time.in_milliseconds() / 1000)
        assert start < end
        assert shown == html.unescape(cap.text)
        assert voice == cap.voice
    shown_words = " ".join(c[2] for c in cues).split()
    assert "<b>not" in shown_words and "-->" in shown_words and "👋" in shown_words
    assert {c[3] for c in cues} == {"Dr Amy Ng", "Patient", "Speaker", None}
