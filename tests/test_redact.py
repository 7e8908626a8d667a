"""Redaction on hand-built transcripts: every way Whisper writes identifiers, and what it must not touch."""

from __future__ import annotations

import re

import pytest

from podcast.models import Redaction, Segment, Transcript, Word
from podcast.redact import (
    GAP_S,
    MIN_S,
    PAD_S,
    apply_redactions,
    find_redactions,
    nhs_number_valid,
    redact,
    redact_text,
    uk_phone,
    unused_terms,
)

STEP = 0.5  # each word lasts 0.4 s, one every 0.5 s


def make(text: str, t0: float = 0.0, speaker: str = "") -> Segment:
    words = []
    t = t0
    for w in text.split(" "):
        words.append(Word(round(t, 3), round(t + STEP * 0.8, 3), " " + w, 0.9))
        t += STEP
    return Segment(t0, round(t, 3), "".join(w.text for w in words), speaker, tuple(words))


def transcript(*texts: str) -> Transcript:
    segs = []
    t = 0.0
    for text in texts:
        seg = make(text, t)
        segs.append(seg)
        t = seg.end + 1.0
    return Transcript(tuple(segs), "en", duration=t)


def run(*texts: str, terms=(), names=()) -> tuple[str, tuple[Redaction, ...]]:
    t = transcript(*texts)
    found = find_redactions(t, terms=terms, speakers_unnamed=names)
    return apply_redactions(t, found).text, found


def word_span(text: str, first: int, last: int, t0: float = 0.0) -> tuple[float, float]:
    """Unpadded start/end of words first..last (0-based) of a segment made by make()."""
    return t0 + first * STEP, t0 + last * STEP + STEP * 0.8


# ---------------------------------------------------------------- NHS numbers


def test_mod11_check_digit() -> None:
    assert nhs_number_valid("9434765919")
    assert nhs_number_valid("4857773457")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("4857773456")
    assert not nhs_number_valid("943476591")
    # remainder 1 gives check value 10, which no valid number has
    bad = next(
        f"{n:09d}"
        for n in range(100000000, 100001000)
        if (11 - sum(int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1), strict=True)) % 11)
        == 10
    )
    assert not any(nhs_number_valid(bad + str(d)) for d in range(10))


@pytest.mark.parametrize(
    "said",
    [
        "943 476 5919",
        "9434765919",
        "943-476-5919",
        "943-476-5919.",
        "(943) 476 5919,",
        "nine four three four seven six five nine one nine",
        "nine four three, four seven six, five nine one nine.",
        "Nine. Four. Three. Four. Seven. Six. Five. Nine. One. Nine.",
        "nine-four-three four-seven-six five-nine-one-nine",
        "943 four seven six 5919",
        "94 34 76 59 19",
        "nine forty three four seven six five nine one nine",
        "9 4 3 4 7 6 5 9 1 9",
        "943 476 - 5919",
    ],
)
def test_nhs_number_written_every_way(said: str) -> None:
    text, found = run(f"my NHS number is {said} thanks")
    assert re.fullmatch(r"my NHS number is \[redacted\][.,]? thanks", text), text
    assert [r.reason for r in found] == ["nhs_number"]


def test_nhs_number_with_zeros_and_doubles() -> None:
    assert nhs_number_valid("4010232137")
    for said in (
        "four oh one oh two three two one three seven",
        "four zero one zero two three two one three seven",
        "four nought one nought two three two one three seven",
        "401 023 2137",
    ):
        text, found = run(f"it is {said} ok")
        assert text == "it is [redacted] ok", said
        assert found[0].reason == "nhs_number"
    assert nhs_number_valid("4857773457")
    text, _ = run("four eight five triple seven three four five seven now")
    assert text == "[redacted] now".rjust(len("[redacted] now")) or text.endswith("[redacted] now")
    assert "seven" not in text


def test_nhs_number_split_across_segments() -> None:
    text, found = run("the number is nine four three four", "seven six five nine one nine right")
    assert "nine" not in text and "seven" not in text
    assert text == "the number is [redacted] [redacted] right"
    assert len(found) == 1 and found[0].reason == "nhs_number"


@pytest.mark.parametrize(
    "said", ["943 476 5918", "9434765918", "nine four three four seven six five nine one eight"]
)
def test_invalid_check_digit_is_not_flagged(said: str) -> None:
    text, found = run(f"the code {said} is wrong")
    assert found == ()
    assert text == f"the code {said} is wrong"


@pytest.mark.parametrize(
    "said",
    [
        "my NHS number is 943 476 591 I'm",  # real tiny.en output: a digit dropped
        "my NHS number is 943-476-599.",
        "her NHS no. is 943 476 5918",  # check digit misheard
        "the number is 41, 0, 2, 3, 2, 1, 3, and",
        "her mobile is 0-7-7-0-0-0-0, I'm 0-0-0-1-2-3, and",
        "her mobile is 0.07, 0.00, 0.090, 0.01, 2.3, and",
    ],
)
def test_misheard_numbers_read_out_after_number_or_phone_are_redacted(said: str) -> None:
    """Whisper drops or mishears digits; 9 of 10 right digits still identify a patient."""
    text, found = run(said)
    assert not any(ch.isdigit() for ch in text), text
    assert found and {r.reason for r in found} <= {"nhs_number", "phone"}


def test_number_context_leaves_years_and_small_numbers() -> None:
    said = "a number of wards in 2019, 2020 and 2021 had 12 beds and 40 staff"
    text, found = run(said)
    assert found == () and text == said
    said = "call 999 or 111 if you are worried"
    text, found = run(said)
    assert found == () and text == said


def test_to_and_for_between_digits_are_two_and_four() -> None:
    text, found = run("phone 0 to 0 794 6 0 1 2 3. thanks")  # real tiny.en output
    assert text == "phone [redacted]. thanks" and found[0].reason == "phone"
    text, found = run("nine for three for seven six five nine one nine ok")
    assert text == "nine for three for seven six five nine one nine ok" or "[redacted]" in text
    assert run("I went to 2 wards for 3 days")[1] == ()


def test_ordinary_numbers_are_left_alone() -> None:
    said = "in 1998, 2003 and 2024 we saw 40 patients on 3 wards for 12 weeks"
    text, found = run(said)
    assert found == () and text == said


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "said",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123.",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)20 7946 0123",
        "0044 20 7946 0123",
        "020 7946 0123",
        "0113 496 0000",
        "0800 123 4567",
        "zero seven seven zero zero nine zero zero one two three",
        "oh seven seven oh oh, nine oh oh, one two three",
        "oh seven seven double oh nine double oh one two three",
        "plus four four seven seven zero zero nine zero zero one two three",
        "zero two zero, seven nine four six, zero one two three.",
    ],
)
def test_uk_phone_numbers(said: str) -> None:
    text, found = run(f"call me on {said} tomorrow")
    assert re.fullmatch(r"call me on \[redacted\][.,]? tomorrow", text), text
    assert [r.reason for r in found] == ["phone"]


def test_phone_shapes() -> None:
    assert uk_phone("07700900123") and uk_phone("+447700900123") and uk_phone("01134960000")
    assert uk_phone("+4402079460123")  # +44 (0)20 ...
    assert not uk_phone("0770090012")  # too short for a mobile
    assert not uk_phone("077009001234")  # too long
    assert not uk_phone("06700900123")  # no 06 numbers
    assert not uk_phone("17700900123")
    assert not uk_phone("+337700900123")


def test_two_numbers_in_a_row_are_both_found() -> None:
    text, found = run("numbers 943 476 5919 07700 900123 done")
    assert text == "numbers [redacted] done"
    assert [r.reason for r in found] == ["nhs_number"]  # one run of number words, all of it
    text, found = run("numbers 943 476 5919 and 07700 900123 done")
    assert text == "numbers [redacted] and [redacted] done"
    assert [r.reason for r in found] == ["nhs_number", "phone"]


def test_the_whole_run_of_digits_goes_when_whisper_hears_one_too_many() -> None:
    """Real tiny.en output for "07700 900123" said slowly: an extra zero. The first eleven
    digits already look like a mobile number; the last digits said must not survive."""
    text, found = run("her mobile is 077, 0 0 0 9 0 0 0, 1 2 3, and that is all")
    assert text == "her mobile is [redacted], and that is all"
    assert [r.reason for r in found] == ["phone"]


# ---------------------------------------------------------------- emails


@pytest.mark.parametrize(
    "said",
    [
        "jo.bloggs@nhs.net",
        "jo.bloggs@nhs.net.",
        "<Jo.Bloggs@NHS.net>",
        "jo dot bloggs at nhs dot net",
        "jo.bloggs at nhs.net",
        "jo underscore bloggs at example dot co dot uk",
        "jo at nhs dot net",
        "jo.bloggs@nhs dot net",
    ],
)
def test_emails(said: str) -> None:
    text, found = run(f"write to {said} please")
    assert re.fullmatch(r"write to \[redacted\][.,]? please", text), text
    assert [r.reason for r in found] == ["email"]


def test_at_and_dot_in_ordinary_speech_are_not_emails() -> None:
    for said in ("we met at nine dot thirty", "look at the dot on the x-ray", "at home"):
        text, found = run(said)
        assert found == () and text == said


# ---------------------------------------------------------------- postcodes


@pytest.mark.parametrize(
    "said,expected",
    [
        ("I live in LS1 4AP now", "I live in [redacted] now"),
        ("I live in SW1A 1AA, now", "I live in [redacted], now"),
        ("I live in sw1a1aa now", "I live in [redacted] now"),
        ("I live in M1 1AE. now", "I live in [redacted]. now"),
        ("I live in B33 8TH now", "I live in [redacted] now"),
        ("postcode L S one, four A P thanks", "postcode [redacted] thanks"),
    ],
)
def test_postcodes(said: str, expected: str) -> None:
    text, found = run(said)
    assert text == expected
    assert [r.reason for r in found] == ["postcode"]


def test_partial_postcodes_and_codes_are_left() -> None:
    said = "the LS1 area and vitamin B12 and the M1 motorway"
    text, found = run(said)
    assert found == () and text == said


# ---------------------------------------------------------------- dates of birth


@pytest.mark.parametrize(
    "said,expected",
    [
        ("I was born on the 3rd of March 1956, in Leeds", "I was born on the [redacted], in Leeds"),
        ("date of birth is 12/03/1956 ok", "date of birth is [redacted] ok"),
        ("DOB: 12.03.56 ok", "DOB: [redacted] ok"),
        (
            "her date of birth twelfth of March nineteen fifty six ok",
            "her date of birth [redacted] ok",
        ),
        ("born March 12th 1956 ok", "born [redacted] ok"),
        ("my birthday is the fifth of May ok", "my birthday is the [redacted] ok"),
        ("born in 1956 ok", "born in [redacted] ok"),
    ],
)
def test_dates_of_birth_in_context(said: str, expected: str) -> None:
    text, found = run(said)
    assert text == expected
    assert [r.reason for r in found] == ["date_of_birth"]


def test_dates_without_birth_context_are_left() -> None:
    said = "the clinic opened on the 3rd of March 1956 and the baby was born two weeks early"
    text, found = run(said)
    assert found == () and text == said


# ---------------------------------------------------------------- listed terms and names


def test_listed_terms_whole_words_case_and_punctuation() -> None:
    said = "we went to St. Mary's, then ward 7; Marylebone is fine. ST MARY'S again"
    text, found = run(said, terms=["St Mary's", "Ward 7"])
    assert text == "we went to [redacted], then [redacted]; Marylebone is fine. [redacted] again"
    assert [r.reason for r in found] == ["listed"] * 3


def test_listed_multi_word_across_segments() -> None:
    text, found = run(
        "she works at Leeds", "General Infirmary now", terms=["Leeds General Infirmary"]
    )
    assert text == "she works at [redacted] [redacted] now"
    assert len(found) == 1


def test_unnamed_speaker_full_given_and_surname() -> None:
    said = "Thanks Jo. Jo Bloggs's notes, Mrs Bloggs said. Joanne is someone else"
    text, found = run(said, names=["Jo Bloggs"])
    assert (
        text == "Thanks [redacted]. [redacted] notes, Mrs [redacted] said. Joanne is someone else"
    )
    assert {r.reason for r in found} == {"speaker_name"}


def test_titles_are_not_redacted_alone() -> None:
    text, _ = run("Dr Smith met Dr Jo Patel", names=["Dr Jo Patel"])
    assert text == "Dr Smith met [redacted]"


def test_unused_listed_term_warns_with_episode_and_term() -> None:
    t = transcript("nothing to hide here")
    warnings = unused_terms(t, ["Ward 7", "here"], "ep-1")
    assert len(warnings) == 1
    assert warnings[0].startswith("episodes/ep-1/episode.yaml: redact[0]: 'Ward 7'")
    result = redact(t, slug="ep-1", terms=["Ward 7"], speakers_unnamed=[])
    assert result.warnings == tuple(warnings) and result.redactions == ()


# ---------------------------------------------------------------- timing and rebuilding


def test_times_are_padded_word_times() -> None:
    t = transcript("call 07700 900123 now")
    (r,) = find_redactions(t, terms=(), speakers_unnamed=())
    start, end = word_span("", 1, 2)
    assert r.start == pytest.approx(start - PAD_S) and r.end == pytest.approx(end + PAD_S)
    # the neighbours keep most of their sound
    assert r.start > t.segments[0].words[0].start
    assert r.end < t.segments[0].words[3].end


def test_pauses_next_to_a_redaction_are_muted_up_to_the_next_word() -> None:
    """Whisper often ends the last word of a phrase early; the pause after it is muted too."""
    w = (
        Word(0.0, 0.4, " call"),
        Word(0.5, 1.5, " 07700"),
        Word(1.6, 2.4, " 900123."),
        Word(3.2, 3.5, " Thanks"),
        Word(8.0, 8.4, " bye"),
        Word(8.5, 8.9, " Bloggs"),
        Word(12.0, 12.3, " end"),
    )
    t = Transcript((Segment(0.0, 12.3, "".join(x.text for x in w), words=w),), "en", duration=13)
    phone, name = find_redactions(t, terms=["Bloggs"], speakers_unnamed=())
    assert phone.end == pytest.approx(3.2)  # up to "Thanks", beyond the 0.3 s pad
    assert phone.start == pytest.approx(0.5 - PAD_S)  # the gap before is shorter than the pad
    assert name.start == pytest.approx(8.5 - PAD_S)
    assert name.end == pytest.approx(8.9 + GAP_S)  # a long pause is muted for GAP_S at most


def test_short_words_get_a_minimum_mute() -> None:
    w = (
        Word(1.0, 1.0, " hi", 0.9),
        Word(1.0, 1.02, " Bloggs", 0.9),
        Word(1.02, 1.3, " there", 0.9),
    )
    t = Transcript((Segment(1.0, 1.3, "".join(x.text for x in w), words=w),), "en", duration=5)
    (r,) = find_redactions(t, terms=["Bloggs"], speakers_unnamed=())
    assert r.end - r.start == pytest.approx(MIN_S + 2 * PAD_S)
    assert r.start <= 1.0 and r.end >= 1.02


def test_padding_never_goes_below_zero_or_past_the_end() -> None:
    t = transcript("07700 900123")
    (r,) = find_redactions(t, terms=(), speakers_unnamed=())
    assert r.start == 0.0 and r.end <= t.duration


def test_rebuilt_segments_keep_the_invariants() -> None:
    t = transcript("Hello. My NHS number is 943 476 5919. Thanks Jo Bloggs!", "And ward 7 too.")
    found = find_redactions(t, terms=["ward 7"], speakers_unnamed=["Jo Bloggs"])
    out = apply_redactions(t, found)
    for seg in out.segments:
        assert seg.text == "".join(w.text for w in seg.words)
        assert "redacted" in seg.flags
        assert all(a.end <= b.start + 1e-9 for a, b in zip(seg.words, seg.words[1:], strict=False))
    assert out.segments[0].text == " Hello. My NHS number is [redacted]. Thanks [redacted]!"
    assert out.segments[1].text == " And [redacted] too."
    marker = [w for w in out.segments[0].words if "[redacted]" in w.text]
    assert marker[0].start == t.segments[0].words[5].start
    assert marker[0].end == t.segments[0].words[7].end
    # untouched segments and fields stay as they were
    assert out.language == t.language and out.duration == t.duration


def test_untouched_transcript_is_unchanged() -> None:
    t = transcript("nothing here", "or here")
    assert apply_redactions(t, find_redactions(t, terms=(), speakers_unnamed=())) == t


def test_plain_redactions_from_a_cache_still_apply_by_time() -> None:
    t = transcript("call 07700 900123 now")
    found = find_redactions(t, terms=(), speakers_unnamed=())
    plain = tuple(Redaction(r.start, r.end, r.reason, r.replacement) for r in found)
    assert apply_redactions(t, plain) == apply_redactions(t, found)


def test_segments_without_word_times_mute_the_whole_cue() -> None:
    """A human transcript with cue times only: text redacted exactly, audio muted whole."""
    seg = Segment(10.0, 14.0, "My number is 07700 900123, Jo.", "p1")
    other = Segment(14.0, 16.0, "Fine.", "p2")
    t = Transcript((seg, other), "en", source="human", duration=20.0)
    found = find_redactions(t, terms=(), speakers_unnamed=["Jo Bloggs"])
    out = apply_redactions(t, found)
    assert out.segments[0].text == "My number is [redacted]."
    assert out.segments[0].words == ()
    assert out.segments[1] == other
    for r in found:
        assert r.start <= 10.0 - PAD_S + 1e-9 and r.end >= 14.0 + PAD_S - 1e-9


def test_redact_text_for_titles() -> None:
    assert (
        redact_text("Jo Bloggs on Ward 7", terms=["ward 7"], speakers_unnamed=["Jo Bloggs"])
        == "[redacted] on [redacted]"
    )
    assert redact_text("Nothing here", terms=["ward 7"], speakers_unnamed=[]) == "Nothing here"


def test_the_original_text_is_not_kept_in_redactions() -> None:
    t = transcript("call 07700 900123 now Jo")
    for r in find_redactions(t, terms=(), speakers_unnamed=["Jo"]):
        assert "07700" not in repr(r) and "Jo" not in repr(r)


def test_interpolated_word_times_widen_to_the_heard_neighbours() -> None:
    """A corrected word with no machine counterpart carries a guessed time (probability 0)."""
    w = (
        Word(0.0, 0.4, " I", 0.9),
        Word(0.5, 0.9, " saw", 0.9),
        Word(2.0, 2.2, " Jo", 0.0),  # guessed
        Word(2.2, 2.4, " today", 0.0),  # guessed
        Word(4.0, 4.4, " then", 0.9),
    )
    t = Transcript((Segment(0.0, 4.4, "".join(x.text for x in w), words=w),), "en", duration=5)
    (r,) = find_redactions(t, terms=[], speakers_unnamed=["Jo Bloggs"])
    assert r.start <= 0.9 - PAD_S + 1e-9 and r.end >= 4.0 + PAD_S - 1e-9
    assert apply_redactions(t, (r,)).segments[0].text == " I saw [redacted] today then"


def test_word_times_shared_out_over_a_cue_count_as_guesses() -> None:
    """A VTT file without word times: the reader shares the cue out by length, probability 1.
    Those times are guesses, so the whole cue is muted."""
    texts = ["My", "number", "is", "07700", "900123", "and", "more", "words", "after", "it"]
    t0, t1 = 10.0, 16.0
    total = sum(len(x) + 1 for x in texts)
    words, acc = [], 0
    for x in texts:
        a = t0 + (t1 - t0) * acc / total
        acc += len(x) + 1
        words.append(Word(a, t0 + (t1 - t0) * acc / total, " " + x))
    seg = Segment(t0, t1, "".join(w.text for w in words), words=tuple(words))
    t = Transcript((Segment(0.0, 9.0, " Before."), seg), "en", duration=20.0)
    (r,) = find_redactions(t, terms=(), speakers_unnamed=())
    assert r.start <= t0 - PAD_S + 1e-9 and r.end >= t1 + PAD_S - 1e-9
    assert (
        apply_redactions(t, (r,)).segments[1].text
        == " My number is [redacted] and more words after it"
    )


def test_times_are_plain_floats_even_from_numpy_word_times() -> None:
    """faster-whisper gives numpy floats; redactions must serialise to JSON."""
    import json

    import numpy as np

    w = tuple(
        Word(np.float64(a), np.float64(a + 0.4), " " + x, 0.9)  # type: ignore[arg-type]
        for a, x in zip((0.0, 0.5, 1.0), ("call", "07700900123", "now"), strict=True)
    )
    t = Transcript((Segment(0.0, 1.4, "".join(x.text for x in w), words=w),), "en")
    (r,) = find_redactions(t, terms=(), speakers_unnamed=())
    assert type(r.start) is float and type(r.end) is float
    json.dumps([r.start, r.end])
