"""Words of a transcript as one stream across segments, and the Redaction that knows its words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Redaction, Segment, Transcript


@dataclass(frozen=True)
class WordRedaction(Redaction):
    """A Redaction that also knows which words it covers: (segment index, word index).

    For a segment without word timings the word index counts whitespace-separated pieces of the
    segment's text. It never holds the redacted text itself."""

    words: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Tok:
    """One word of the transcript, wherever it is."""

    seg: int
    idx: int
    raw: str
    start: float
    end: float
    timed: bool
    estimated: bool = False  # a word whose time was interpolated, not heard (probability 0)


def tokens(transcript: Transcript) -> list[Tok]:
    """Every word of every segment, in order. A segment without words is split on whitespace
    and its pieces get times shared out by length (marked untimed)."""
    out = []
    for si, seg in enumerate(transcript.segments):
        if seg.words:
            spread = _spread_times(seg)
            out += [
                Tok(si, wi, w.text, w.start, w.end, True, spread or w.probability == 0.0)
                for wi, w in enumerate(seg.words)
            ]
            continue
        pieces = list(re.finditer(r"\S+", seg.text))
        n = max(len(seg.text), 1)
        span = seg.end - seg.start
        for wi, m in enumerate(pieces):
            a = seg.start + span * m.start() / n
            b = seg.start + span * m.end() / n
            out.append(Tok(si, wi, m.group(), a, b, False))
    return out


def _spread_times(seg: Segment) -> bool:
    """Word times shared out over a cue by length (a transcript file without word times) rather
    than heard: the words tile the cue exactly, all with probability 1."""
    w = seg.words
    if len(w) < 2 or any(x.probability != 1.0 for x in w):
        return False
    eps = 1e-6
    return (
        abs(w[0].start - seg.start) < eps
        and abs(w[-1].end - seg.end) < eps
        and all(abs(a.end - b.start) < eps for a, b in zip(w, w[1:], strict=False))
    )


EDGE = "\"'“”‘’()[]{}<>,.;:!?…*"


def clean(raw: str) -> str:
    """Lower case, curly quotes straightened, punctuation around the word removed."""
    return raw.strip().lower().replace("’", "'").replace("‘", "'").strip(EDGE)
