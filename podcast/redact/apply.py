"""Replace redacted words with one marker per run and rebuild the segments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..models import Redaction, Segment, Transcript, Word
from .words import WordRedaction, tokens


def _trail(text: str) -> str:
    m = re.search(r"[.,;:!?]+$", text.strip())
    return m.group() if m else ""


def _ends_sentence(text: str) -> bool:
    """A run of redacted words is split after a full stop, so sentences stay sentences."""
    return bool(re.search(r"[.!?][\"')\]]*$", text.strip()))


Marks = dict[int, tuple[str, int]]  # word index -> (replacement, which redaction)


def _joins(marks: Marks, j: int, text_j: str) -> bool:
    """Word j+1 continues the run ending at word j: redacted too, and not a new sentence of
    another redaction."""
    nxt = marks.get(j + 1)
    return nxt is not None and (nxt[1] == marks[j][1] or not _ends_sentence(text_j))


def _rebuild_words(seg: Segment, marks: Marks) -> Segment:
    words: list[Word] = []
    i = 0
    while i < len(seg.words):
        if i not in marks:
            words.append(seg.words[i])
            i += 1
            continue
        j = i
        while j + 1 < len(seg.words) and _joins(marks, j, seg.words[j].text):
            j += 1
        first, last = seg.words[i], seg.words[j]
        lead = first.text[: len(first.text) - len(first.text.lstrip())]
        words.append(Word(first.start, last.end, lead + marks[i][0] + _trail(last.text), 1.0))
        i = j + 1
    return replace(seg, words=tuple(words), text="".join(w.text for w in words))


def _rebuild_text(seg: Segment, marks: Marks) -> Segment:
    pieces = list(re.finditer(r"\S+", seg.text))
    out = ""
    pos = 0
    i = 0
    while i < len(pieces):
        m = pieces[i]
        out += seg.text[pos : m.start()]
        if i not in marks:
            out += m.group()
            pos = m.end()
            i += 1
            continue
        j = i
        while j + 1 < len(pieces) and _joins(marks, j, pieces[j].group()):
            j += 1
        out += marks[i][0] + _trail(pieces[j].group())
        pos = pieces[j].end()
        i = j + 1
    return replace(seg, text=out + seg.text[pos:])


def _marks(transcript: Transcript, redactions: Sequence[Redaction]) -> dict[int, Marks]:
    marks: dict[int, Marks] = {}
    toks = None
    for n, r in enumerate(redactions):
        if isinstance(r, WordRedaction) and r.words:
            for si, wi in r.words:
                marks.setdefault(si, {})[wi] = (r.replacement, n)
            continue
        toks = toks if toks is not None else tokens(transcript)
        for t in toks:  # a plain Redaction (e.g. from a cache): words inside its interval
            inside = t.start >= r.start - 1e-6 and t.end <= r.end + 1e-6
            if inside or (not t.timed and t.start < r.end and t.end > r.start):
                marks.setdefault(t.seg, {})[t.idx] = (r.replacement, n)
    return marks


def apply_redactions(transcript: Transcript, redactions: Sequence[Redaction]) -> Transcript:
    """The transcript with each redacted run of words replaced by one "[redacted]" marker.

    Segment text is rebuilt from the words (text == "".join(word texts)); changed segments gain
    the "redacted" flag. Works the same on machine and human transcripts."""
    marks = _marks(transcript, redactions)
    segments = []
    for si, seg in enumerate(transcript.segments):
        m = marks.get(si)
        if not m:
            segments.append(seg)
            continue
        new = _rebuild_words(seg, m) if seg.words else _rebuild_text(seg, m)
        flags = seg.flags if "redacted" in seg.flags else (*seg.flags, "redacted")
        segments.append(replace(new, flags=flags))
    return replace(transcript, segments=tuple(segments))
