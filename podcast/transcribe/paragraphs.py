"""Timed words and paragraphs: the text model every transcript output is built from.

A segment's *text* is the authority for what was said (a redaction or a human correction
changes it); its `words` only give timings. `timed_tokens` reconciles the two: each
whitespace-separated token of the text gets a start and end, taken from the matching word
when there is one and interpolated otherwise. `paragraphs` groups segments into the
paragraphs a reader sees on the web page, in the plain-text and in the HTML transcript.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from podcast.models import Segment, Speaker, Transcript, Word

UNKNOWN_SPEAKER = "Speaker"
"""Label for speech whose speaker id has no display name: never a raw id like SPEAKER_00."""


@dataclass(frozen=True)
class Token:
    """One whitespace-separated piece of a segment's text, with its time."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the transcript as a reader sees it (times include the offset)."""

    speaker: str  # display name ("" for non-speech such as "[Music]")
    speaker_id: str  # "" when the id has no display name (a raw id is never exposed)
    start: float
    end: float
    text: str
    chapter: int  # index into the chapter starts of the chapter holding `start`; -1 if none
    kind: str = "speech"  # "speech" | "nonspeech"
    words: tuple[Word, ...] = ()  # filled when paragraphs(..., words=True)


def display_names(speakers: Sequence[Speaker]) -> dict[str, str]:
    """speaker id -> the name the public may see (name, or role without consent)."""
    return {s.id: s.display_name for s in speakers}


def speaker_label(speaker_id: str, names: Mapping[str, str]) -> str:
    """The display name for a speaker id; "Speaker" when unknown (never the raw id)."""
    name = names.get(speaker_id, "").strip()
    return name or UNKNOWN_SPEAKER


def nonspeech_label(text: str) -> str:
    """'music', '(Laughter)', '♪' or '[Music]' -> '[Music]'-style square-bracket text."""
    inner = text.strip().strip("[]()♪*").strip()
    if not inner:
        return "[Music]" if "♪" in text else "[Non-speech]"
    return f"[{inner[:1].upper()}{inner[1:]}]"


def segment_tokens(seg: Segment) -> tuple[str, ...]:
    """The displayed tokens of a segment (non-speech becomes one bracketed token run)."""
    if seg.kind == "nonspeech":
        return tuple(nonspeech_label(seg.text).split())
    return tuple(seg.text.split())


_NORM = re.compile(r"[\W_]+", re.UNICODE)


def normalise_token(token: str) -> str:
    """Case- and punctuation-blind form of a token used to align two wordings."""
    return _NORM.sub("", token.casefold())


def _word_tokens(words: Sequence[Word]) -> list[Token]:
    """Split each word into its whitespace tokens, sharing the word's time between them."""
    out: list[Token] = []
    for w in words:
        parts = w.text.split()
        if not parts:
            continue
        step = (w.end - w.start) / len(parts)
        for i, part in enumerate(parts):
            out.append(Token(part, w.start + i * step, w.start + (i + 1) * step))
    return out


def spread(texts: Sequence[str], start: float, end: float) -> list[Token]:
    """Share [start, end] between texts in proportion to their length (plus one for the gap)."""
    if not texts:
        return []
    end = max(end, start)
    weights = [len(t) + 1 for t in texts]
    total = float(sum(weights))
    out, acc = [], 0.0
    for text, wgt in zip(texts, weights, strict=True):
        t0 = start + (end - start) * acc / total
        acc += wgt
        out.append(Token(text, t0, start + (end - start) * acc / total))
    return out


DIFF_LIMIT = 250_000  # largest len(a) * len(b) handed to difflib in one piece


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest run of pairs increasing in both i and j (pairs come sorted by i)."""
    tails: list[int] = []  # tails[k]: j of the smallest tail of an increasing run of length k+1
    owner: list[int] = []  # index into pairs of that tail
    back: list[int] = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        back[n] = owner[k - 1] if k else -1
        if k == len(tails):
            tails.append(j)
            owner.append(n)
        else:
            tails[k], owner[k] = j, n
    out, n = [], owner[-1] if owner else -1
    while n >= 0:
        out.append(pairs[n])
        n = back[n]
    return out[::-1]


def match_pairs(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs (i, j) where a[i] corresponds to b[j], increasing in both.

    Small inputs go to difflib (equal runs, and one-for-one replacements). Large ones are
    first anchored on tokens that occur exactly once in each (patience diff), and the
    stretches between anchors are matched the same way, so an hour of speech aligns in
    well under a second instead of difflib's quadratic time.
    """
    if not a or not b:
        return []
    if len(a) * len(b) <= DIFF_LIMIT:
        out = []
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
                out += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        return out
    count_a: dict[str, int] = {}
    count_b: dict[str, int] = {}
    for x in a:
        count_a[x] = count_a.get(x, 0) + 1
    for x in b:
        count_b[x] = count_b.get(x, 0) + 1
    where_b = {x: j for j, x in enumerate(b) if count_b[x] == 1}
    unique = [(i, where_b[x]) for i, x in enumerate(a) if x and count_a[x] == 1 and x in where_b]
    anchors = _lis(unique)
    if not anchors:  # nothing unique to anchor on: split both in proportion and recurse
        ma = len(a) // 2
        mb = round(len(b) * ma / len(a))
        tail = match_pairs(a[ma:], b[mb:])
        return match_pairs(a[:ma], b[:mb]) + [(i + ma, j + mb) for i, j in tail]
    out, pi, pj = [], -1, -1
    for i, j in [*anchors, (len(a), len(b))]:
        out += [(pi + 1 + x, pj + 1 + y) for x, y in match_pairs(a[pi + 1 : i], b[pj + 1 : j])]
        if i < len(a):
            out.append((i, j))
        pi, pj = i, j
    return out


def align(texts: Sequence[str], timed: Sequence[Token], start: float, end: float) -> list[Token]:
    """Give every text token a time from `timed` (a possibly different wording of the same
    speech): matching and one-for-one replaced tokens take the timed token's time; the rest
    are interpolated between their matched neighbours (or within [start, end] at the edges)."""
    if not texts:
        return []
    if not timed:
        return spread(texts, start, end)
    a = [normalise_token(t) for t in texts]
    b = [normalise_token(t.text) for t in timed]
    times: list[tuple[float, float] | None] = [None] * len(texts)
    pairs = match_pairs(a, b)
    for i, j in pairs:
        times[i] = (timed[j].start, timed[j].end)
    # a run of new words that replaces a run of timed words takes the replaced words' span
    for (i0, j0), (i1, j1) in zip([(-1, -1), *pairs], [*pairs, (len(a), len(b))], strict=True):
        if i1 - i0 > 1 and j1 - j0 > 1:
            span = spread(texts[i0 + 1 : i1], timed[j0 + 1].start, timed[j1 - 1].end)
            for k, tok in enumerate(span):
                times[i0 + 1 + k] = (tok.start, tok.end)
    return _fill_gaps(texts, times, start, end)


def _fill_gaps(
    texts: Sequence[str], times: list[tuple[float, float] | None], start: float, end: float
) -> list[Token]:
    """Interpolate runs of untimed tokens between their timed neighbours."""
    i, n = 0, len(texts)
    while i < n:
        if times[i] is not None:
            i += 1
            continue
        j = i
        while j < n and times[j] is None:
            j += 1
        prev, nxt = times[i - 1] if i else None, times[j] if j < n else None
        lo = prev[1] if prev else min(start, nxt[0] if nxt else start)
        hi = nxt[0] if nxt else max(end, lo)
        if hi - lo < 0.05 * (j - i):  # no room: share the neighbours' time with them
            if prev:
                lo = (prev[0] + prev[1]) / 2
                times[i - 1] = (prev[0], lo)
            if nxt:
                hi = max((nxt[0] + nxt[1]) / 2, lo)
                times[j] = (hi, max(nxt[1], hi))
        for k, tok in enumerate(spread(texts[i:j], lo, hi)):
            times[i + k] = (tok.start, tok.end)
        i = j
    out = []
    for text, span in zip(texts, times, strict=True):
        s, e = span if span is not None else (start, start)  # every run was filled above
        out.append(Token(text, s, max(s, e)))
    return out


def timed_tokens(seg: Segment) -> tuple[Token, ...]:
    """The segment's displayed tokens, each with a start and end time."""
    texts = segment_tokens(seg)
    if seg.kind == "nonspeech" or not seg.words:
        return tuple(spread(texts, seg.start, seg.end))
    wt = _word_tokens(seg.words)
    if [t.text for t in wt] == list(texts):
        return tuple(wt)
    return tuple(align(texts, wt, seg.start, seg.end))


def _chapter_of(t: float, chapter_starts: Sequence[float]) -> int:
    return bisect.bisect_right(chapter_starts, t + 1e-9) - 1


@dataclass
class _Draft:
    speaker_id: str
    kind: str
    tokens: list[Token]
    chapter: int


def _drafts(
    transcript: Transcript, chapter_starts: Sequence[float], pause: float, max_words: int
) -> list[_Draft]:
    drafts: list[_Draft] = []
    for seg in transcript.segments:
        tokens = list(timed_tokens(seg))
        if not tokens:
            continue
        for tok in tokens:
            chapter = _chapter_of(tok.start, chapter_starts)
            last = drafts[-1] if drafts else None
            if last is None or not _continues(last, seg, tok, chapter, pause, max_words):
                drafts.append(_Draft(seg.speaker, seg.kind, [], chapter))
            drafts[-1].tokens.append(tok)
        if seg.kind == "nonspeech":  # a marker is a paragraph of its own
            drafts.append(_Draft("", "end", [], -2))
    return [d for d in drafts if d.tokens]


def _continues(
    last: _Draft, seg: Segment, tok: Token, chapter: int, pause: float, max_words: int
) -> bool:
    if last.kind != seg.kind or last.speaker_id != seg.speaker or last.chapter != chapter:
        return False
    if not last.tokens:
        return True
    if tok.start - last.tokens[-1].end >= pause:
        return False
    long_enough = len(last.tokens) >= max_words
    return not (long_enough and last.tokens[-1].text[-1:] in ".?!")


def paragraphs(
    transcript: Transcript,
    names: Mapping[str, str],
    *,
    offset: float = 0.0,
    chapter_starts: Sequence[float] = (),
    pause: float = 2.0,
    max_words: int = 120,
    words: bool = False,
) -> tuple[Paragraph, ...]:
    """Group the transcript into paragraphs for the page, the search index and text files.

    A new paragraph starts at each change of speaker, after a pause of `pause` seconds,
    at a sentence end once a paragraph has `max_words` words, at each chapter start
    (`chapter_starts`, sorted, on the transcript's own timeline, i.e. before `offset`),
    and around every non-speech marker. Times in the result have `offset` added.
    """
    starts = sorted(chapter_starts)
    out = []
    for d in _drafts(transcript, starts, pause, max_words):
        speech = d.kind == "speech"
        ws = tuple(Word(offset + t.start, offset + t.end, " " + t.text) for t in d.tokens)
        out.append(
            Paragraph(
                speaker=speaker_label(d.speaker_id, names) if speech else "",
                speaker_id=d.speaker_id if speech and d.speaker_id in names else "",
                start=offset + d.tokens[0].start,
                end=offset + max(t.end for t in d.tokens),
                text=" ".join(t.text for t in d.tokens),
                chapter=d.chapter,
                kind=d.kind,
                words=ws if words else (),
            )
        )
    return tuple(out)
