"""Property checks over generated transcripts: every format, every time."""

from __future__ import annotations

import html
import json

import lxml.html
import webvtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podcast.models import Segment, Speaker, Transcript, Word
from podcast.transcribe import formats
from podcast.transcribe.corrections import retime
from podcast.transcribe.vtt import ids_by_name, parse_srt, parse_vtt

SPEAKERS = (
    Speaker("amy", "Amy Ng", "Host", "Amy Ng"),
    Speaker("p1", "Jo Bloggs", "Patient", "Patient", named=False),
)
NAMES = {s.id: s.display_name for s in SPEAKERS}
IDS = ids_by_name(SPEAKERS)
ALPHABET = "abcXYZé'\"&<>.,?!0ש👋ü"
token = st.text(alphabet=ALPHABET, min_size=1, max_size=8)


@st.composite
def transcripts(draw) -> Transcript:
    segs, t = [], 0.0
    for _ in range(draw(st.integers(1, 8))):
        t += draw(st.sampled_from([0.0, 0.2, 1.0, 2.5]))
        if draw(st.integers(0, 9)) == 0:
            label = draw(st.sampled_from(["Music", "Laughter", "[Applause]"]))
            segs.append(Segment(t, t + 1.0, label, kind="nonspeech"))
            t += 1.0
            continue
        toks = draw(st.lists(token, min_size=1, max_size=30))
        step = draw(st.sampled_from([0.1, 0.35, 0.8]))
        words = tuple(
            Word(t + i * step, t + i * step + step * 0.8, " " + w) for i, w in enumerate(toks)
        )
        speaker = draw(st.sampled_from(["amy", "p1", "SPEAKER_00", ""]))
        keep_words = draw(st.booleans())
        segs.append(
            Segment(
                t,
                words[-1].end,
                "".join(w.text for w in words),
                speaker,
                words if keep_words else (),
            )
        )
        t = words[-1].end
    return Transcript(tuple(segs), "en")


def expected(t: Transcript) -> list[tuple[str, str]]:
    """(speaker id as read back, token) for every displayed token."""
    out = []
    for s in t.segments:
        if s.kind == "nonspeech":
            out.append(("", "[" + s.text.strip("[]") + "]"))
        else:
            out += [(s.speaker if s.speaker in NAMES else "", w) for w in s.text.split()]
    return out


def read_back(t: Transcript) -> list[tuple[str, str]]:
    return [(s.speaker, w) for s in t.segments for w in s.text.split()]


PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(transcripts())
def test_vtt_always_valid_short_ordered_and_round_trips(t):
    text = formats.to_vtt(t, NAMES)
    captions = webvtt.from_string(text, strict=True).captions
    assert all(len(line) <= formats.VTT_LINE for line in text.split("\n"))
    stamps = [(c.start_time.in_milliseconds(), c.end_time.in_milliseconds()) for c in captions]
    assert all(s < e for s, e in stamps)
    assert all(e0 <= s1 and s0 < s1 for (s0, e0), (s1, _) in zip(stamps, stamps[1:], strict=False))
    assert " ".join(html.unescape(c.text) for c in captions).split() == [w for _, w in expected(t)]
    assert read_back(parse_vtt(text, path="t.vtt", names_to_ids=IDS)) == expected(t)


@PROPS
@given(transcripts())
def test_srt_always_two_short_lines_and_round_trips(t):
    text = formats.to_srt(t, NAMES)
    for n, card in enumerate(text.strip("\n").split("\n\n"), start=1):
        lines = card.split("\n")
        assert lines[0] == str(n) and 1 <= len(lines) - 2 <= 2
        assert all(len(line) <= formats.SRT_LINE for line in lines[2:])
    assert read_back(parse_srt(text, path="t.srt", names_to_ids=IDS)) == expected(t)


@PROPS
@given(transcripts())
def test_text_html_json_hold_every_word_once_in_order(t):
    words = [w for _, w in expected(t)]
    out = dict(formats.render_all(t, NAMES, title="Ep & <1>", offset=5.0))
    assert out == dict(formats.render_all(t, NAMES, title="Ep & <1>", offset=5.0))
    txt = []
    for para in out["txt"].split("\n\n")[1:]:
        if para.strip():
            txt += (para if para.startswith("[") else para.split(": ", 1)[1]).split()
    assert txt == words
    tree = lxml.html.document_fromstring(out["html"])
    assert not tree.findall(".//script")
    assert " ".join(p.text_content() for p in tree.findall(".//main/p")).split() == words
    segs = json.loads(out["json"])["segments"]
    assert " ".join(s["body"] for s in segs).split() == words
    assert all(s["startTime"] >= 5.0 and s["startTime"] <= s["endTime"] for s in segs)
    assert "SPEAKER_00" not in "".join(out.values())


@PROPS
@given(transcripts())
def test_retime_of_an_unedited_read_back_restores_machine_times(t):
    back = parse_vtt(formats.to_vtt(t, NAMES), path="t.vtt", names_to_ids=IDS)
    fixed = retime(back, t)
    assert read_back(fixed) == read_back(back)
    machine = [w for s in t.segments if s.kind == "speech" and s.words for w in s.words]
    if all(s.words for s in t.segments if s.kind == "speech"):
        got = [w for s in fixed.segments if s.kind == "speech" for w in s.words]
        assert [(w.start, w.end) for w in got] == [(w.start, w.end) for w in machine]
    for s in fixed.segments:
        assert all(s.start <= w.start <= w.end <= s.end for w in s.words)
