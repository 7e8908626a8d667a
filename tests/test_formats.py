"""Transcript writers, checked with real parsers (webvtt-py, lxml, json) and by measuring."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import lxml.html
import pytest
import webvtt

from podcast.models import Segment, Transcript, Word
from podcast.transcribe import formats
from podcast.transcribe.paragraphs import Paragraph, paragraphs

NAMES = {"host": "Dr Amy Ng", "guest": "Patient"}


def seg(start, text, speaker="host", step=0.4, kind="speech", words=True):
    """A segment whose words are `step` seconds apart (each lasting 90% of that)."""
    toks = text.split()
    ws = tuple(
        Word(start + i * step, start + i * step + step * 0.9, " " + t) for i, t in enumerate(toks)
    )
    end = start + max(len(toks), 1) * step
    return Segment(
        start, end, " " + text, speaker, ws if words and kind == "speech" else (), kind=kind
    )


LONG = (
    "Welcome to the Trust podcast. Today we hear how the new discharge lounge works "
    "and why patients & families asked for it <script>alert('x')</script> in the first place, "
    "and what the ward team learned from running it over a whole winter season."
)
HEB = "שלום, זה בסדר גמור 👋 thank you"


def sample() -> Transcript:
    return Transcript(
        (
            seg(0.0, LONG, "host"),
            seg(20.0, "[Music]", "", kind="nonspeech"),
            seg(23.0, 'Thanks for having me. It\'s a "great" place > the old one.', "guest"),
            seg(30.0, HEB, "SPEAKER_00"),
            seg(33.0, "Yes. And after a long pause, more.", "host"),
            seg(40.0, "Still me, after another pause.", "host"),
        ),
        "en",
    )


def all_words(t: Transcript) -> list[str]:
    out = []
    for s in t.segments:
        out += s.text.split() if s.kind == "speech" else ["[Music]"]
    return out


def test_vtt_parses_strictly_with_voices_and_short_lines(tmp_path):
    text = formats.to_vtt(sample(), NAMES)
    assert text.startswith("WEBVTT\n\n")
    path = tmp_path / "t.vtt"
    path.write_text(text, encoding="utf-8")
    captions = webvtt.read(str(path), strict=True).captions
    assert len(captions) >= 8  # the long segment was split into several cues
    for line in text.splitlines():
        assert len(line) <= formats.VTT_LINE, line
    voices = [c.voice for c in captions]
    assert "Dr Amy Ng" in voices and "Patient" in voices
    assert "SPEAKER_00" not in text and "Speaker" in voices
    assert voices[[c.text for c in captions].index("[Music]")] is None
    # webvtt-py leaves entities as written: unescape and compare the words
    import html

    words = " ".join(html.unescape(c.text) for c in captions).split()
    assert words == all_words(sample())


def test_vtt_cues_are_ordered_and_never_overlap():
    overlapping = Transcript(
        (
            seg(0.0, "one two three four five", "host"),
            seg(1.0, "six seven eight", "guest"),
            seg(1.0, "nine ten", "host"),
            seg(5.0, "eleven", "guest"),
        ),
        "en",
    )
    cues = webvtt.from_string(formats.to_vtt(overlapping, NAMES), strict=True).captions
    times = [(c.start_in_seconds, c.end_in_seconds) for c in cues]
    stamps = [(c.start_time.in_milliseconds(), c.end_time.in_milliseconds()) for c in cues]
    for (s0, e0), (s1, e1) in zip(stamps, stamps[1:], strict=False):
        assert s0 < s1 and e0 <= s1 and s1 < e1, times
    assert all(s < e for s, e in stamps)


def test_vtt_escapes_markup_and_ampersands():
    text = formats.to_vtt(sample(), {"host": "A&B <Ltd>", "guest": "Patient"})
    assert "<script" not in text and "&lt;script&gt;" in text
    assert not re.search(r"&(?!amp;|lt;|gt;)", text)  # every & is escaped
    assert "<v A&amp;B &lt;Ltd&gt;>" in text
    assert "&gt;" in text
    for line in text.split("\n"):  # no raw < or > in cue text outside the voice tag
        payload = re.sub(r"^<v [^<>]*>", "", line)
        assert "<" not in payload and ">" not in payload.replace("-->", ""), line
    assert "-->" not in "".join(ln for ln in text.splitlines() if not re.match(r"\d\d:", ln))


def test_srt_cards_have_two_short_lines_and_names_at_speaker_changes():
    text = formats.to_srt(sample(), NAMES)
    cards = text.strip("\n").split("\n\n")
    names_seen = []
    for n, card in enumerate(cards, start=1):
        lines = card.split("\n")
        assert lines[0] == str(n)
        assert re.fullmatch(r"\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d", lines[1])
        assert 1 <= len(lines[2:]) <= 2
        assert all(len(line) <= 42 for line in lines[2:]), lines
        m = re.match(r"(Dr Amy Ng|Patient|Speaker): ", lines[2])
        names_seen.append(m.group(1) if m else None)
    # name on the first card of each speaker turn, not on continuation cards
    assert names_seen[0] == "Dr Amy Ng" and names_seen[1] is None
    music = [i for i, c in enumerate(cards) if "[Music]" in c][0]
    assert names_seen[music] is None and names_seen[music + 1] == "Patient"
    assert names_seen[music + 2] == "Speaker"
    turns = [x for x in names_seen if x]
    assert turns == ["Dr Amy Ng", "Patient", "Speaker", "Dr Amy Ng"]  # 33 s and 40 s: same speaker
    # webvtt-py reads it too, and the words survive in order
    caps = webvtt.from_srt(_tmp_write(text, "t.srt")).captions
    assert len(caps) == len(cards)
    # SRT has no escaping: the text is kept as said (raw_text; players may treat <...> as tags)
    body = " ".join(c.raw_text.replace("\n", " ") for c in caps)
    for name in ("Dr Amy Ng: ", "Patient: ", "Speaker: "):
        body = body.replace(name, "")
    assert body.split() == all_words(sample())


def _tmp_write(text, name):
    import tempfile
    from pathlib import Path

    p = Path(tempfile.mkdtemp()) / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_json_is_word_level_podcasting20_when_words_are_known():
    doc = json.loads(formats.to_json(sample(), NAMES, offset=10.0))
    assert doc["version"] == "1.0.0"
    segs = doc["segments"]
    assert [s["body"] for s in segs] == all_words(sample())
    for s in segs:
        assert set(s) <= {"speaker", "startTime", "endTime", "body"}
        assert s["startTime"] <= s["endTime"]
        assert ("speaker" in s) == (s["body"] != "[Music]")
    assert segs[0] == {
        "speaker": "Dr Amy Ng",
        "startTime": 10.0,
        "endTime": 10.36,
        "body": "Welcome",
    }
    starts = [s["startTime"] for s in segs]
    assert starts == sorted(starts)
    assert {s.get("speaker") for s in segs} == {"Dr Amy Ng", "Patient", "Speaker", None}


def test_json_is_segment_level_without_word_timings():
    t = Transcript(
        (seg(1.0, "Hello there.", words=False), seg(3.0, "Hi.", "guest", words=False)), "en"
    )
    doc = json.loads(formats.to_json(t, NAMES))
    assert doc["segments"] == [
        {"speaker": "Dr Amy Ng", "startTime": 1.0, "endTime": 1.8, "body": "Hello there."},
        {"speaker": "Patient", "startTime": 3.0, "endTime": 3.4, "body": "Hi."},
    ]


def test_text_has_header_names_and_paragraphs_with_every_word_once():
    text = formats.to_text(
        sample(), NAMES, title="Episode  1: Discharge", note="Checked by a person."
    )
    lines = text.split("\n")
    assert lines[0] == "Transcript: Episode 1: Discharge" and lines[2] == "Checked by a person."
    paras = [p for p in text.split("\n\n")[2:] if p.strip()]
    assert [p.split(": ", 1)[0] for p in paras] == [
        "Dr Amy Ng",
        "[Music]",
        "Patient",
        "Speaker",
        "Dr Amy Ng",
        "Dr Amy Ng",
    ]
    words = []
    for p in paras:
        words += (p.split(": ", 1)[1] if not p.startswith("[") else p).split()
    assert words == all_words(sample())
    assert "\r" not in text and text.endswith("\n")


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.stack, self.errors = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in ("meta", "link", "br"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def test_html_is_a_valid_small_document_in_the_spec_shape():
    names = {"host": 'Dr <b>Amy</b> & "Co"', "guest": "Patient"}
    doc = formats.to_html(sample(), names, offset=65.0, title="Ep <1> & more")
    assert doc.startswith('<!DOCTYPE html>\n<html lang="en">')
    check = _Collect()
    check.feed(doc)
    assert not check.errors and not check.stack  # every element closed, properly nested
    assert "script" not in check.tags and "b" not in check.tags
    tree = lxml.html.document_fromstring(doc)
    assert tree.findtext(".//title") == "Transcript: Ep <1> & more"
    body = [el for el in tree.find(".//main") if el.tag in ("cite", "time", "p")]
    assert [el.tag for el in body[:3]] == ["cite", "time", "p"]
    assert body[0].text == names["host"] + ":"
    assert body[1].text == "1:05" and body[1].get("datetime") == "PT1M5S"
    for el in body:
        if el.tag == "time":
            assert re.fullmatch(r"PT(\d+H)?(\d+M)?\d+S", el.get("datetime"))
    words = " ".join(el.text_content() for el in body if el.tag == "p").split()
    assert words == all_words(sample())
    assert HEB in doc  # RTL text and emoji kept as characters
    assert tree.find(".//p[@dir='auto']") is not None


def test_html_marks_right_to_left_languages():
    t = Transcript((seg(0.0, HEB, "host"),), "he")
    assert '<html lang="he" dir="rtl">' in formats.to_html(t, NAMES)


def test_no_raw_speaker_id_ever_shows():
    t = Transcript((seg(0.0, "Hello.", "SPEAKER_00"), seg(2.0, "Hi.", "")), "en")
    for kind, text in formats.render_all(t, {}, title="T"):
        assert "SPEAKER_00" not in text, kind
        assert "Speaker" in text, kind


def test_redacted_text_wins_over_word_timings():
    """Redaction rewrites segment text; the old words must not leak into any format."""
    words = tuple(
        Word(i * 0.5, i * 0.5 + 0.4, " " + w)
        for i, w in enumerate("call me on 07700 900123 please".split())
    )
    red = Segment(0.0, 3.0, " call me on [redacted] please", "guest", words, flags=("redacted",))
    t = Transcript((red,), "en")
    out = dict(formats.render_all(t, NAMES, title="T"))
    for kind, text in out.items():
        assert "07700" not in text and "900123" not in text, kind
        assert "[redacted]" in text, kind
    doc = json.loads(out["json"])
    red_entry = [s for s in doc["segments"] if s["body"] == "[redacted]"][0]
    assert red_entry["startTime"] == 1.5 and red_entry["endTime"] == pytest.approx(2.4)


def test_offset_moves_every_time():
    t = Transcript((seg(1.0, "Hello there."),), "en")
    assert "00:00:13.000 --> " in formats.to_vtt(t, NAMES, offset=12.0)
    assert "00:00:13,000 --> " in formats.to_srt(t, NAMES, offset=12.0)
    assert json.loads(formats.to_json(t, NAMES, offset=12.0))["segments"][0]["startTime"] == 13.0
    assert paragraphs(t, NAMES, offset=12.0)[0].start == 13.0


def test_output_is_deterministic_utf8_with_newlines():
    a = dict(formats.render_all(sample(), NAMES, title="T", offset=3.5))
    b = dict(formats.render_all(sample(), dict(reversed(NAMES.items())), title="T", offset=3.5))
    assert a == b
    assert set(a) == set(formats.MEDIA_TYPES)
    assert tuple(a) == formats.KINDS
    for text in a.values():
        assert "\r" not in text
        text.encode("utf-8")
    assert "👋" in a["json"]  # not \\u-escaped


def test_nonspeech_always_in_square_brackets():
    t = Transcript(
        (
            seg(0.0, "laughter", "", kind="nonspeech"),
            seg(2.0, "(Applause)", "", kind="nonspeech"),
            seg(4.0, "♪", "", kind="nonspeech"),
        ),
        "en",
    )
    for kind, text in formats.render_all(t, NAMES):
        for marker in ("[Laughter]", "[Applause]", "[Music]"):
            assert marker in text, (kind, marker)


def test_paragraphs_split_at_speakers_pauses_and_chapters():
    paras = paragraphs(sample(), NAMES, chapter_starts=(0.0, 5.0, 38.0), words=True, offset=1.0)
    assert all(isinstance(p, Paragraph) for p in paras)
    with pytest.raises(AttributeError):
        paras[0].text = "x"  # frozen
    assert [p.chapter for p in paras] == [0, 1, 1, 1, 1, 1, 2]
    assert paras[0].speaker == "Dr Amy Ng" and paras[0].speaker_id == "host"
    assert paras[0].end <= paras[1].start + 1e-9  # split at the 5 s chapter start, in order
    assert paras[1].words[0].start >= 6.0  # chapter starts are before offset, times after it
    assert [p.kind for p in paras].count("nonspeech") == 1 and paras[2].speaker == ""
    assert [p.speaker_id for p in paras] == ["host", "host", "", "guest", "", "host", "host"]
    text = " ".join(p.text for p in paras).split()
    assert text == all_words(sample())
    assert [w.text.strip() for p in paras for w in p.words] == text
    assert paragraphs(sample(), NAMES)[0].words == ()
    # long monologues break at a sentence end once max_words is reached
    long = Transcript((seg(0.0, " ".join(["word."] * 50)),), "en")
    assert len(paragraphs(long, NAMES, max_words=10)) == 5
