"""Property tests: every valid NHS number, however it is written, is redacted; invariants of
the rebuilt transcript hold for any input."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from podcast.models import Segment, Transcript, Word
from podcast.redact import apply_redactions, find_redactions, nhs_number_valid

SPOKEN = {
    "0": ("zero", "oh", "nought"),
    "1": ("one",),
    "2": ("two",),
    "3": ("three",),
    "4": ("four",),
    "5": ("five",),
    "6": ("six",),
    "7": ("seven",),
    "8": ("eight",),
    "9": ("nine",),
}
FILLER = "we talked about the ward and how she felt after the visit it was good".split()
SAFE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_digit(nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    c = 11 - total % 11
    return None if c == 10 else (0 if c == 11 else c)


@st.composite
def nhs_numbers(draw: st.DrawFn, valid: bool = True) -> str:
    nine = draw(st.text("0123456789", min_size=9, max_size=9).filter(lambda s: s[0] != "0"))
    c = check_digit(nine)
    assume(c is not None)
    if valid:
        return nine + str(c)
    wrong = draw(st.sampled_from([d for d in "0123456789" if d != str(c)]))
    return nine + wrong


@st.composite
def written(draw: st.DrawFn, number: str) -> list[str]:
    """The number as Whisper might write it: grouped digits, or spoken digit by digit."""
    style = draw(st.sampled_from(["grouped", "dashed", "solid", "spoken", "mixed"]))
    if style == "grouped":
        return [number[:3], number[3:6], number[6:]]
    if style == "dashed":
        return [f"{number[:3]}-{number[3:6]}-{number[6:]}"]
    if style == "solid":
        return [number]
    words = [draw(st.sampled_from(SPOKEN[d])) for d in number]
    if style == "mixed":
        return [number[:3], *words[3:6], number[6:]]
    return words


def transcript_of(words: list[str], step: float = 0.4) -> Transcript:
    ws = tuple(Word(i * step, i * step + step * 0.8, " " + w, 0.9) for i, w in enumerate(words))
    return Transcript(
        (Segment(0.0, len(words) * step, "".join(w.text for w in ws), words=ws),),
        "en",
        duration=len(words) * step + 1,
    )


@SAFE
@given(
    data=st.data(),
    before=st.lists(st.sampled_from(FILLER), max_size=6),
    after=st.lists(st.sampled_from(FILLER), max_size=6),
)
def test_every_valid_nhs_number_is_redacted(
    data: st.DataObject, before: list[str], after: list[str]
) -> None:
    number = data.draw(nhs_numbers())
    assert nhs_number_valid(number)
    said = data.draw(written(number))
    t = transcript_of(before + said + after)
    out = apply_redactions(t, find_redactions(t, terms=(), speakers_unnamed=()))
    text = out.text
    assert "[redacted]" in text
    digits = "".join(ch for ch in text if ch.isdigit())
    assert number not in digits
    assert all(w in text.split() for w in before + after)


@SAFE
@given(data=st.data(), before=st.lists(st.sampled_from(FILLER), max_size=6))
def test_invalid_numbers_without_context_are_left(data: st.DataObject, before: list[str]) -> None:
    number = data.draw(nhs_numbers(valid=False))
    said = [number[:3], number[3:6], number[6:]]
    t = transcript_of([*before, "code", *said, "today"])
    assert find_redactions(t, terms=(), speakers_unnamed=()) == ()


TOKENS = st.one_of(
    st.sampled_from(FILLER),
    st.sampled_from(
        [
            "Jo",
            "Bloggs",
            "Ward",
            "7",
            "LS1",
            "4AP",
            "born",
            "on",
            "12/03/1956",
            "number",
            "phone",
            "07700",
            "900123",
            "at",
            "dot",
            "net",
            "nhs",
            "jo.b@nhs.net",
            "three",
            "oh",
            "double",
            "+44",
            "-",
            "Mary's,",
            "St.",
            "of",
            "March",
        ]
    ),
    st.text("0123456789", min_size=1, max_size=5),
)


@SAFE
@given(segments=st.lists(st.lists(TOKENS, min_size=1, max_size=12), min_size=1, max_size=4))
def test_rebuilt_transcript_invariants(segments: list[list[str]]) -> None:
    segs = []
    t = 0.0
    for words in segments:
        ws = []
        for w in words:
            ws.append(Word(round(t, 3), round(t + 0.3, 3), " " + w, 0.8))
            t += 0.4
        segs.append(Segment(ws[0].start, ws[-1].end, "".join(w.text for w in ws), words=tuple(ws)))
        t += 1.0
    tr = Transcript(tuple(segs), "en", duration=t)
    found = find_redactions(tr, terms=["Ward 7", "St Mary's"], speakers_unnamed=["Jo Bloggs"])
    for r in found:
        assert 0.0 <= r.start < r.end <= tr.duration
    out = apply_redactions(tr, found)
    assert len(out.segments) == len(tr.segments)
    for before, seg in zip(tr.segments, out.segments, strict=True):
        assert seg.text == "".join(w.text for w in seg.words)
        assert all(a.start <= b.start for a, b in zip(seg.words, seg.words[1:], strict=False))
        assert ("redacted" in seg.flags) == (seg != before)
        # every word of the original either survives or lies under a redaction
        kept = {(w.start, w.text) for w in seg.words}
        for w in before.words:
            if (w.start, w.text) not in kept:
                assert any(r.start <= w.start and w.end <= r.end for r in found)
    # nothing identifiable is left for a second pass to find
    again = find_redactions(out, terms=["Ward 7", "St Mary's"], speakers_unnamed=["Jo Bloggs"])
    assert again == ()


@SAFE
@given(data=st.data(), before=st.lists(st.sampled_from(FILLER), max_size=5))
def test_every_uk_mobile_and_london_number_is_redacted(
    data: st.DataObject, before: list[str]
) -> None:
    rest = data.draw(st.text("0123456789", min_size=9, max_size=9))
    number = data.draw(st.sampled_from(["07", "020"])) + rest[: 9 if len(rest) else 0]
    number = number[:11]
    style = data.draw(st.sampled_from(["mobile", "solid", "spoken", "plus"]))
    if style == "mobile":
        said = [number[:5], number[5:]]
    elif style == "solid":
        said = [number]
    elif style == "plus":
        said = ["+44", number[1:4], number[4:]]
    else:
        said = [data.draw(st.sampled_from(SPOKEN[d])) for d in number]
    t = transcript_of([*before, *said, "thanks"])
    found = find_redactions(t, terms=(), speakers_unnamed=())
    text = apply_redactions(t, found).text
    assert [r.reason for r in found] == ["phone"], (said, found)
    assert not any(ch.isdigit() for ch in text) and text.endswith("thanks")
