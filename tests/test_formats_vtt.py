"""Reading corrected WebVTT/SRT back: round trips, real spec examples, line-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from podcast.errors import TranscriptError
from podcast.models import Segment, Speaker, Transcript, Word
from podcast.transcribe import formats
from podcast.transcribe.vtt import AMBIGUOUS, ids_by_name, parse_srt, parse_vtt, read_transcript

EXAMPLES = Path(__file__).resolve().parents[2] / "shared/eval/podcast-namespace/transcripts"
SPEAKERS = (
    Speaker("amy", "Amy Ng", "Host", "Amy Ng"),
    Speaker("p1", "Jo Bloggs", "Patient", "Patient", named=False),
)
NAMES = {s.id: s.display_name for s in SPEAKERS}
IDS = ids_by_name(SPEAKERS)
P = "episodes/x/transcript.vtt"


def seg(start, text, speaker, step=0.5):
    toks = text.split()
    ws = tuple(
        Word(start + i * step, start + (i + 0.8) * step, " " + t) for i, t in enumerate(toks)
    )
    return Segment(start, start + len(toks) * step, " " + text, speaker, ws)


def speaker_words(t: Transcript) -> list[tuple[str, str]]:
    return [(s.speaker, w) for s in t.segments for w in s.text.split()]


def vtt(body: str) -> str:
    return "WEBVTT\n\n" + body


def test_round_trip_keeps_text_speakers_and_times():
    t = Transcript(
        (
            seg(
                0.0,
                "Hello & welcome <everyone> to the ward podcast, where we talk about care. " * 2,
                "amy",
            ),
            Segment(12.0, 14.0, "[Laughter]", kind="nonspeech"),
            seg(14.5, "Thanks. I'm glad — مرحبا 🎉 — to be here.", "p1"),
            seg(20.0, "Who else?", "stranger"),
        ),
        "en",
    )
    back = parse_vtt(formats.to_vtt(t, NAMES), path=P, names_to_ids=IDS, language="en")
    assert back.source == "human" and back.language == "en"
    original = [
        (s.speaker if s.speaker in NAMES else "", w)
        for s, w in [(s, w) for s in t.segments for w in s.text.split()]
    ]
    assert speaker_words(back) == original
    assert [s.kind for s in back.segments].count("nonspeech") == 1
    for s in back.segments:
        assert s.text == "".join(w.text for w in s.words) or s.kind == "nonspeech"
        assert all(s.start <= w.start <= w.end <= s.end + 1e-9 for w in s.words)
    assert back.segments[0].start == 0.0
    # writing it again gives the same file
    assert formats.to_vtt(back, NAMES) == formats.to_vtt(
        parse_vtt(formats.to_vtt(back, NAMES), path=P, names_to_ids=IDS), NAMES
    )


def test_srt_round_trip():
    t = Transcript(
        (
            seg(0.0, "One two three four five six seven eight nine ten eleven twelve.", "amy"),
            seg(8.0, "Yes, Amy: quite.", "p1"),
            seg(10.0, "Indeed.", "p1"),
        ),
        "en",
    )
    back = parse_srt(formats.to_srt(t, NAMES), path="t.srt", names_to_ids=IDS)
    assert speaker_words(back) == speaker_words(t)


def test_reads_the_podcasting20_spec_examples():
    if not (EXAMPLES / "example.vtt").exists():
        pytest.skip(f"spec examples missing at {EXAMPLES}")
    ids = {"sarah": "sarah", "gillian": "gillian", "travis": "travis", "gilon": "gilon"}
    t = read_transcript(EXAMPLES / "example.vtt", ids)
    assert t.segments[0].speaker == "sarah" and t.segments[-1].speaker == "gillian"
    assert "Podcasting Q&A, where" in t.text
    s = read_transcript(EXAMPLES / "example.srt", ids)
    assert s.segments[0].speaker == "travis" and "Sarah:" not in s.text
    assert {x.speaker for x in s.segments} >= {"travis", "sarah", "gilon"}


def test_voice_inheritance_classes_entities_crlf_bom_and_multiple_voices():
    text = (
        "\ufeffWEBVTT - corrected\r\nKind: captions\r\n\r\n"
        "intro\r\n00:01.000 --> 00:02.000 align:start\r\n<v.loud Host>Caf&eacute; &amp; <i>tea</i>\r\n\r\n"
        "00:00:02.000 --> 00:00:03.000\r\ncontinues <00:00:02.500>here\r\n\r\n"
        "NOTE a reviewer's remark\r\n\r\n"
        "00:00:03.000 --> 00:00:05.000\r\n<v Patient>Yes.</v> <v amy ng>No.\r\n\r\n"
        "00:00:05.000 --> 00:00:06.000\r\n[Music]\r\n\r\n"
        "00:00:06.000 --> 00:00:07.000\r\n\r\n"
    )
    t = parse_vtt(text, path=P, names_to_ids=IDS)
    assert speaker_words(t) == [
        ("amy", "Café"),
        ("amy", "&"),
        ("amy", "tea"),
        ("amy", "continues"),
        ("amy", "here"),
        ("p1", "Yes."),
        ("amy", "No."),
        ("", "[Music]"),
    ]
    yes, no = t.segments[2], t.segments[3]
    assert 3.0 == yes.start < yes.end == no.start < no.end == 5.0
    assert t.segments[-1].kind == "nonspeech"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("WEBVT\n\n", 1, "must start with 'WEBVTT'"),
        ("WEBVTT\n00:00.000 --> 00:01.000\nhi\n", 2, "blank line is missing after the 'WEBVTT'"),
        (
            vtt(
                "00:00:00.000 --> 00:00:01.000\n<v Host>Hi\n\n00:00:01.000 --> 00:00:02.000\n"
                "second\n\nstray words\n"
            ),
            9,
            "text outside a cue: 'stray words'",
        ),
        (
            vtt("\n\n00:01.000 --> 00:00.500\nhi\n"),
            5,
            "cue timing '00:01.000 --> 00:00.500' ends before it starts",
        ),
        (vtt("00:00:01.5 --> 00:00:02.000\nhi\n"), 3, "'00:00:01.5' is not a valid time"),
        (vtt("00:00:01,500 --> 00:00:02.000\nhi\n"), 3, "'00:00:01,500' is not a valid time"),
        (vtt("00:00:61.000 --> 00:01:02.000\nhi\n"), 3, "'00:00:61.000' is not a valid time"),
        (vtt("00:00:01.000 -> 00:00:02.000\nhi\n"), 3, "text outside a cue"),
        (vtt("00:00:01.000 --> 00:00:01.000\nhi\n"), 3, "has zero length"),
        (
            vtt("00:00:05.000 --> 00:00:06.000\nhi\n\n00:00:01.000 --> 00:00:02.000\nho\n"),
            6,
            "starts before the previous cue (line 3)",
        ),
        (
            vtt("00:00:01.000 --> 00:00:02.000\nhi\n00:00:02.000 --> 00:00:03.000\nho\n"),
            5,
            "is a blank line missing",
        ),
        (
            vtt("00:00:01.000 --> 00:00:02.000\n<v Host>a < b\n"),
            4,
            "'<' in cue text must be written as &lt;",
        ),
        (
            vtt("00:00:01.000 --> 00:00:02.000\n<v Host>hi\n<script>x</script>\n"),
            5,
            "unknown tag '<script>'",
        ),
        (vtt("00:00:01.000 --> 00:00:02.000\n<v >hi\n"), 4, "has no speaker name"),
        (
            vtt("00:00:01.000 --> 00:00:02.000\n<v Dr Who>hi\n"),
            4,
            "unknown speaker 'Dr Who' (known: ",
        ),
        (
            vtt("NOTE bad --> note\n\n00:00:01.000 --> 00:00:02.000\nhi\n"),
            3,
            "a NOTE must not contain",
        ),
        (
            vtt("00:00:01.000 --> 00:00:02.000\nhi\n\nSTYLE\n::cue { color: red }\n"),
            6,
            "must come before the first cue",
        ),
    ],
)
def test_broken_vtt_names_file_and_line(text, line, message):
    with pytest.raises(TranscriptError) as err:
        parse_vtt(text, path=P, names_to_ids=IDS)
    assert str(err.value).startswith(f"{P}:{line}: "), str(err.value)
    assert message in str(err.value)


def test_the_issue_example_message_exactly():
    text = (
        "WEBVTT\n\nNOTE checked by Sam\n\n00:00:00.000 --> 00:00:00.900\n<v Host>line one\n\n"
        "00:00:00.900 --> 00:00:00.950\nline two\nline three\n\n00:01.000 --> 00:00.500\nbad\n"
    )
    assert text.splitlines()[11] == "00:01.000 --> 00:00.500"
    with pytest.raises(TranscriptError) as err:
        parse_vtt(text, path="episodes/x/transcript.vtt", names_to_ids=IDS)
    assert str(err.value) == (
        "episodes/x/transcript.vtt:12: cue timing '00:01.000 --> 00:00.500' ends before it starts"
    )


def test_ambiguous_and_fallback_names():
    two = (
        Speaker("a", "Ann Real", "Patient", "Patient", named=False),
        Speaker("b", "Bob Real", "Patient", "Patient", named=False),
    )
    ids = ids_by_name(two)
    assert ids["Patient"] == AMBIGUOUS and ids["a"] == "a" and "Ann Real" not in ids  # not named
    with pytest.raises(TranscriptError, match=r":4: speaker 'Patient' is ambiguous"):
        parse_vtt(vtt("00:00:01.000 --> 00:00:02.000\n<v Patient>hi\n"), path=P, names_to_ids=ids)
    # the writers' fallback label reads back as "unknown speaker"
    t = parse_vtt(vtt("00:00:01.000 --> 00:00:02.000\n<v Speaker>hi\n"), path=P, names_to_ids=ids)
    assert t.segments[0].speaker == ""


def test_read_transcript_reports_encoding_and_missing_files(tmp_path):
    bad = tmp_path / "t.vtt"
    bad.write_bytes(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\ncaf\xe9\n")
    with pytest.raises(TranscriptError, match=r"^shown\.vtt:4: not UTF-8"):
        read_transcript(bad, IDS, display="shown.vtt")
    with pytest.raises(TranscriptError, match="cannot be read"):
        read_transcript(tmp_path / "missing.vtt", IDS)


def test_srt_errors_name_the_line():
    with pytest.raises(TranscriptError, match=r"^t\.srt:6: .*ends before it starts"):
        parse_srt(
            "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:03,000 --> 00:00:02,000\nx\n",
            path="t.srt",
            names_to_ids=IDS,
        )
    with pytest.raises(TranscriptError, match=r"^t\.srt:2: .*'00:00:01\.000' is not a valid time"):
        parse_srt("1\n00:00:01.000 --> 00:00:02,000\nhi\n", path="t.srt", names_to_ids=IDS)
