"""Words with times, normalised for matching: the text model the chapter finders share.

`timed_words` turns a Transcript into a flat tuple of `TimedWord`s (speech only), taking
times from each segment's `words` when it has them and spreading the segment's time over
its tokens otherwise (a human VTT has no word times). `stem` is a deliberately light
suffix stripper: it only has to make "nurses", "nursing" and "nurse" meet, and it is
applied the same way to the questions and to the transcript.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from podcast.models import Segment, Transcript

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NUMBERS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11",
    "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16",
    "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
    "ninety": "90", "hundred": "100",
}
SENTENCE_END = (".", "?", "!")
SENTENCE_PAUSE = 1.0
_MARKER = re.compile(r"[\[(][^\])]*[\])][.,;:?!]*")


@dataclass(frozen=True)
class TimedWord:
    text: str  # the word as written in the transcript, stripped
    norm: str  # lower-case, apostrophes kept, punctuation removed
    stem: str
    start: float
    end: float
    speaker: str = ""
    segment: int = 0  # index of the segment in the transcript
    sentence_start: bool = False  # first word of a sentence or a segment
    question: bool = False  # the sentence this word belongs to ends with '?'


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped English stopword list (podcast/data/stopwords-en.txt)."""
    text = resources.files("podcast").joinpath("data/stopwords-en.txt").read_text("utf-8")
    words = {w.strip().lower() for w in text.splitlines()}
    words |= {w.replace("'", "") for w in words}
    return frozenset(w for w in words if w and not w.startswith("#"))


def normalise(token: str) -> str:
    """'Nurses,' -> 'nurses'; "Don't" -> "don't"; 'twenty' -> '20'; '' when nothing is left."""
    token = token.lower().replace("\u2019", "'").replace("\u2018", "'")
    found = _TOKEN.findall(token)
    word = "".join(found)
    return _NUMBERS.get(word, word)


def split_words(text: str) -> list[str]:
    """Normalised words of a text; hyphens and slashes separate words."""
    out = []
    for piece in re.split(r"[\s\-\u2013\u2014/]+", text):
        norm = normalise(piece)
        if norm:
            out.append(norm)
    return out


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stemmer: plurals, -ing, -ed, -ly, -ation, final e, -ise/-ize.

    'nursing' 'nurses' 'nurse' -> 'nurs'; 'decided' 'decide' -> 'decid';
    'organisation' 'organize' -> 'organis'; 'studies' 'study' -> 'study'.
    """
    w = word.replace("'", "")
    if len(w) <= 3 or w.isdigit():
        return w
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ss", "ss"), ("us", "us"), ("is", "is")):
        if w.endswith(suffix):
            w = w[: -len(suffix)] + repl
            break
    else:
        if w.endswith("s"):
            w = w[:-1]
    for suffix in ("ations", "ation", "ingly", "ing", "edly", "ed", "ly", "ment"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # running -> run, stopped -> stop
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if w.endswith("iz"):
        w = w[:-1] + "s"
    return w


def _segment_tokens(seg: Segment) -> list[tuple[str, float, float]]:
    """(raw token, start, end) for one segment: word times when present, else spread."""
    if seg.words:
        return [(w.text.strip(), w.start, w.end) for w in seg.words if w.text.strip()]
    pieces = seg.text.split()
    if not pieces:
        return []
    span = max(seg.end - seg.start, 0.0)
    weights = [max(len(p), 1) for p in pieces]
    total = sum(weights)
    out, t = [], seg.start
    for piece, weight in zip(pieces, weights, strict=True):
        dur = span * weight / total
        out.append((piece, t, t + dur))
        t += dur
    return out


def timed_words(transcript: Transcript | None) -> tuple[TimedWord, ...]:
    """Every spoken word of the transcript, in time order, normalised and stemmed.

    Sentences run across segment boundaries (Whisper often cuts a sentence in two); a new
    sentence starts after . ? or !, when the speaker changes, or after a pause of a second.
    """
    if transcript is None:
        return ()
    raw: list[tuple[str, float, float, str, int]] = []
    for index, seg in enumerate(transcript.segments):
        if seg.kind != "speech":
            continue
        raw += [(text, start, end, seg.speaker, index) for text, start, end in _segment_tokens(seg)]
    raw.sort(key=lambda r: r[1])
    starts = [i == 0 or _ends_sentence(raw[i - 1][0]) or raw[i][3] != raw[i - 1][3]
              or raw[i][1] - raw[i - 1][2] >= SENTENCE_PAUSE for i in range(len(raw))]
    questions = [False] * len(raw)
    end = len(raw)
    for i in range(len(raw) - 1, -1, -1):  # a sentence is a question if it ends with '?'
        questions[i] = raw[end - 1][0].rstrip("\"')]").endswith("?")
        if starts[i]:
            end = i
    out: list[TimedWord] = []
    pending = False  # a sentence start on a token with no word in it ("-") moves on
    for i, (text, start, end_, speaker, index) in enumerate(raw):
        pending = pending or starts[i]
        if _MARKER.fullmatch(text.strip()):  # "[redacted]", "[Music]": not words anyone said
            continue
        for norm in split_words(text):
            out.append(TimedWord(text, norm, stem(norm), float(start), float(end_), speaker,
                                 index, pending, questions[i]))
            pending = False
    return tuple(out)


def _ends_sentence(token: str) -> bool:
    return token.rstrip("\"')]").endswith(SENTENCE_END)


def content_stems(words: Iterable[str]) -> list[str]:
    """Stems of the normalised words that are not stopwords (nor single characters)."""
    stop = stopwords()
    return [stem(w) for w in words if w not in stop and len(w) > 1]
