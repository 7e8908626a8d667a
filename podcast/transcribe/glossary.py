"""Glossary: names and clinical terms the model should spell the show's way.

The terms go to the model as its prompt (hotwords), and afterwards every word or run of
words that nearly matches a term (case-insensitive, similarity >= 0.84, same first letter)
is rewritten to the term's spelling. Timings and probabilities are kept; a multi-word
match becomes one Word spanning the run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from podcast.models import Segment, Word

MIN_SIMILARITY = 0.84
MIN_LENGTH = 4  # shorter terms are only fixed when they match exactly (case is corrected)
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def prompt(terms: Sequence[str]) -> str | None:
    return ", ".join(terms) or None


def correct(segments: Sequence[Segment], terms: Sequence[str]) -> tuple[Segment, ...]:
    if not terms:
        return tuple(segments)
    ordered = sorted(terms, key=lambda t: -len(t.split()))
    return tuple(_correct_segment(s, ordered) for s in segments)


def _correct_segment(seg: Segment, terms: Sequence[str]) -> Segment:
    if not seg.words or seg.kind != "speech":
        return seg
    words = list(seg.words)
    out: list[Word] = []
    i = 0
    while i < len(words):
        match = _match_at(words, i, terms)
        if match is None:
            out.append(words[i])
            i += 1
            continue
        n, term = match
        run = words[i : i + n]
        lead = re.match(r"^\s*", run[0].text).group(0)  # type: ignore[union-attr]
        tail = _EDGE.match(run[-1].text.strip()).group(3)  # type: ignore[union-attr]
        out.append(
            Word(
                start=run[0].start,
                end=run[-1].end,
                text=f"{lead}{term}{tail}",
                probability=min(w.probability for w in run),
            )
        )
        i += n
    if out == words:
        return seg
    return replace(seg, words=tuple(out), text="".join(w.text for w in out))


def _match_at(words: Sequence[Word], i: int, terms: Sequence[str]) -> tuple[int, str] | None:
    for term in terms:
        size = len(term.split())
        for n in (size, size + 1):  # "Oz empic" is two words for one term
            if i + n > len(words):
                continue
            spoken = " ".join(_core(w.text) for w in words[i : i + n])
            if spoken == term:
                break  # already right
            if similar(spoken, term):
                return n, term
    return None


def _core(text: str) -> str:
    return _EDGE.match(text.strip()).group(2)  # type: ignore[union-attr]


def similar(spoken: str, term: str) -> bool:
    a, b = spoken.lower(), term.lower()
    if not a or not b:
        return False
    if a == b:
        return True
    if a.startswith(b) and len(a) - len(b) <= 2:  # "Sheila's", plural: already right
        return False
    if len(b) < MIN_LENGTH or a[0] != b[0]:
        return False
    a_flat, b_flat = a.replace(" ", "").replace("-", ""), b.replace(" ", "").replace("-", "")
    if a_flat == b_flat:
        return True
    return SequenceMatcher(None, a_flat, b_flat).ratio() >= MIN_SIMILARITY
