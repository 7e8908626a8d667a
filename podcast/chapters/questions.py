"""Find where the interviewer asked each planned question.

Each question is reduced to its content stems (stopwords removed), each weighted by its
inverse document frequency over the transcript's sentences: a word said everywhere tells
us little. At every word, a window of about 1.5 times the question's length that stays
inside one sentence is scored two ways, and the better counts:

* the share of the question's weight whose stems occur in the window (a word Whisper
  spelled slightly differently counts at 70 %);
* the share of all the question's words (stopwords too) said in order, at 90 %.

The best windows, one per sentence, are a question's candidates; one spoken by a host or
in a sentence ending with '?' ranks higher, one spoken by someone else lower. Dynamic
programming then picks at most one candidate per question so that the questions keep their
planned order and the total rank is highest. A question with no candidate at or above the
threshold is reported, never guessed.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from podcast.chapters.text import TimedWord, content_stems, split_words, stopwords

THRESHOLD = 0.4
"""Lowest share of a question's weighted content words that must be found together."""
HOST_BONUS = 0.15
"""Added to a candidate's rank when its first matching word is spoken by a host."""
NON_HOST_PENALTY = 0.25
"""Taken off a candidate's rank when speakers are known and it is spoken by someone else."""
QUESTION_BONUS = 0.08
"""Added when the matching words are in a sentence that ends with '?'."""
MIN_GAP = 3.0
"""Two question chapters start at least this many seconds apart."""
FUZZY_RATIO = 0.8
FUZZY_WEIGHT = 0.7
CANDIDATES = 6
LEAD_INS = frozenset("so and but now okay ok well right then also finally next lastly alright "
                     "um uh er erm oh great thanks".split())
"""Words a question may start with before the planned wording: the chapter includes them."""
SEQUENCE_WEIGHT = 0.9
"""The in-order share of all the question's words counts at this weight."""
SEQUENCE_RANK = 0.2
"""...and ranks candidates a little higher: the planned wording said in order."""
SEQUENCE_GATE = 0.15
SHORT_SEQUENCE = 0.7
"""A question with fewer than two content words needs this share of its words in order."""
FEW_WORDS_FACTOR = 0.5
SEQUENCE_POSITIONS = 400


@dataclass(frozen=True)
class Candidate:
    index: int  # index of the chapter's first word in the word list
    start: float  # content timeline
    score: float  # share of the question's weight found (0..1)
    rank: float  # score adjusted for speaker and question mark


@dataclass(frozen=True)
class Placement:
    question: int  # index into the questions
    start: float | None  # None: not found
    score: float  # best score seen (of the chosen candidate, or the best rejected one)
    # not placed although it matched here: the match was out of the planned order
    out_of_order: float | None = None


def idf_weights(words: Sequence[TimedWord]) -> dict[str, float]:
    """stem -> idf over the transcript's sentences (log((N + 1) / (df + 1)) + 1)."""
    docs: list[set[str]] = []
    current: set[str] = set()
    for w in words:
        if w.sentence_start and current:
            docs.append(current)
            current = set()
        current.add(w.stem)
    if current:
        docs.append(current)
    df: dict[str, int] = {}
    for doc in docs:
        for s in doc:
            df[s] = df.get(s, 0) + 1
    n = len(docs)
    return {s: math.log((n + 1) / (c + 1)) + 1.0 for s, c in df.items()}


def _variants(q_stem: str, vocab: Sequence[str]) -> dict[str, float]:
    """Transcript stems that stand for a question stem: itself (1.0), near spellings (less)."""
    out = {q_stem: 1.0}
    if len(q_stem) < 4:
        return out
    for v in vocab:
        if v == q_stem or abs(len(v) - len(q_stem)) > 3 or len(v) < 4:
            continue
        m = difflib.SequenceMatcher(None, q_stem, v)
        if m.real_quick_ratio() >= FUZZY_RATIO and m.quick_ratio() >= FUZZY_RATIO:
            if m.ratio() >= FUZZY_RATIO:
                out[v] = FUZZY_WEIGHT
    return out


def candidates(question: str, words: Sequence[TimedWord], idf: dict[str, float],
               interviewer_ids: Sequence[str] = ()) -> tuple[tuple[Candidate, ...], float]:
    """The best non-overlapping windows for one question, and the best score seen."""
    import numpy as np

    q_words = split_words(question)
    q_stems = list(dict.fromkeys(content_stems(q_words)))
    if not words or (not q_stems and len(q_words) < 3):
        return (), 0.0
    max_idf = max(idf.values(), default=1.0)
    weights = {s: idf.get(s, max_idf) for s in q_stems}
    total = sum(weights.values()) or 1.0
    few = len(q_stems) < 2  # "What helped most?", "How are you now?"
    n = len(words)
    width = min(max(8, round(1.5 * len(q_words))), 60)
    sentence, ends = _sentences(words)
    index = np.arange(n)
    stop = np.minimum(index + width, ends)  # windows [i, stop[i]) stay inside a sentence
    vocab = sorted(idf)
    stems = np.array([w.stem for w in words], dtype=object)
    score = np.zeros(n)
    hit = np.zeros(n, dtype=bool)
    for q_stem, weight in weights.items():
        best = np.zeros(n)
        for variant, factor in _variants(q_stem, vocab).items():
            at = np.flatnonzero(stems == variant)
            if not len(at):
                continue
            hit[at] = True
            nxt = np.searchsorted(at, index)  # next occurrence at or after i
            present = (nxt < len(at)) & (at[np.minimum(nxt, len(at) - 1)] < stop)
            best = np.maximum(best, present * factor)
        score += weight * best
    score /= total
    if few:  # one content word is weak evidence on its own
        score *= FEW_WORDS_FACTOR
    seq, seq_first = _sequence_scores(q_words, words, score, stop, anchored=few)
    if few:  # ...and so are a few common words: most of them must be said in order
        seq = np.where(seq >= (1.0 if len(q_words) <= 3 else SHORT_SEQUENCE), seq, 0.0)
    combined = np.maximum(score, SEQUENCE_WEIGHT * seq)
    best_seen = float(combined.max())
    known_speakers = any(w.speaker for w in words) and bool(interviewer_ids)
    out: list[Candidate] = []
    used: set[int] = set()  # one candidate per sentence
    for i in np.lexsort((-seq, -combined)):  # best first; ties: more words in order
        if combined[i] < THRESHOLD or len(out) >= CANDIDATES:
            break
        # the earliest matching word: a content word, or the start of the question's words
        # said in order ("what made you ... district nurse")
        first = int(i + np.argmax(hit[i:stop[i]])) if hit[i:stop[i]].any() else int(i)
        if seq[i] >= SEQUENCE_GATE * 2 or not hit[i:stop[i]].any():
            first = min(first, int(seq_first[i]))
        if sentence[first] in used:
            continue
        used.add(int(sentence[first]))
        start_index = _sentence_start(words, first)
        w = words[first]
        rank = float(combined[i]) + SEQUENCE_RANK * float(seq[i])
        if known_speakers and w.speaker:
            rank += HOST_BONUS if w.speaker in interviewer_ids else -NON_HOST_PENALTY
        if w.question:
            rank += QUESTION_BONUS
        out.append(Candidate(start_index, words[start_index].start, float(combined[i]), rank))
    return tuple(out), best_seen


def _sentences(words: Sequence[TimedWord], short: int = 5) -> tuple[Any, Any]:
    """Sentence number of each word, and the index just past each word's sentence.
    A sentence of fewer than `short` words ("Right.", "Thank you.") joins the next one."""
    import numpy as np

    n = len(words)
    sentence = np.zeros(n, dtype=int)
    number, length = 0, 0
    for i, w in enumerate(words):
        if i and w.sentence_start and length >= short:
            number += 1
            length = 0
        sentence[i] = number
        length += 1
    ends = np.zeros(n, dtype=int)
    end = n
    for i in range(n - 1, -1, -1):
        if i + 1 < n and sentence[i + 1] != sentence[i]:
            end = i + 1
        ends[i] = end
    return sentence, ends


def _sequence_scores(q_words: Sequence[str], words: Sequence[TimedWord], content: Any,
                     stop: Any, anchored: bool = False) -> tuple[Any, Any]:
    """Share of the question's words (stopwords too) found in order in the window of the
    same length starting at each word (inside its sentence), and where the match starts.
    Only computed where some content word matched (or, `anchored`, where one of the
    question's words is said): 'tell me about a typical name on your own' still matches
    'tell me about a typical day on your rounds' though Whisper misheard two words."""
    import numpy as np

    n = len(words)
    seq = np.zeros(n)
    first = np.arange(n)
    size = len(q_words)
    if size < 3:
        return seq, first
    norms = [w.norm for w in words]
    if anchored:  # every place one of the question's words is said (short questions)
        wanted = set(q_words)
        where = np.flatnonzero([w in wanted for w in norms])
    else:  # the places with the most content words of the question
        where = np.flatnonzero(content >= SEQUENCE_GATE)
        if len(where) > SEQUENCE_POSITIONS:
            where = where[np.argsort(-content[where], kind="stable")[:SEQUENCE_POSITIONS]]
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(list(q_words))
    for i in where:
        matcher.set_seq1(norms[int(i) : min(int(i) + size, int(stop[i]))])
        blocks = [b for b in matcher.get_matching_blocks() if b.size]
        if blocks:
            seq[i] = sum(b.size for b in blocks) / size
            runs = [b for b in blocks if b.size >= 2] or blocks  # not a stray "the"
            first[i] = i + runs[0].a
    return seq, first


def _sentence_start(words: Sequence[TimedWord], first: int, max_back: int = 6,
                    max_seconds: float = 3.0) -> int:
    """Move back from the first matching word to the start of its sentence when only
    stopwords lie between ("Tell me about [a typical day]"), else over discourse markers
    only ("So, finally, [what]..."); never across a pause or another speaker, and never far,
    because Whisper sometimes runs the answer before into the question's sentence."""
    passable = stopwords() | LEAD_INS
    w0 = words[first]
    j, lead = first, first
    while j > 0 and not words[j].sentence_start and first - j < max_back:
        prev = words[j - 1]
        if (prev.speaker != w0.speaker or words[j].start - prev.end > 0.4
                or w0.start - prev.start > max_seconds or prev.norm not in passable):
            break
        j -= 1
        if lead == j + 1 and prev.norm in LEAD_INS:
            lead = j
    return j if words[j].sentence_start else lead


def place(questions: Sequence[str], words: Sequence[TimedWord],
          interviewer_ids: Sequence[str] = ()) -> tuple[Placement, ...]:
    """Where each question was asked, in planned order (dynamic programming over candidates)."""
    idf = idf_weights(words)
    found = [candidates(q, words, idf, interviewer_ids) for q in questions]
    items = [(qi, c) for qi, (cands, _) in enumerate(found) for c in cands]
    items.sort(key=lambda item: (item[0], item[1].start))
    best = [0.0] * len(items)
    back = [-1] * len(items)
    for k, (qi, c) in enumerate(items):
        best[k] = c.rank
        for j in range(k):
            qj, cj = items[j]
            if qj < qi and cj.start + MIN_GAP <= c.start and best[j] + c.rank > best[k]:
                best[k] = best[j] + c.rank
                back[k] = j
    chosen: dict[int, Candidate] = {}
    if items:
        k = max(range(len(items)), key=lambda i: (best[i], -i))
        while k >= 0:
            chosen[items[k][0]] = items[k][1]
            k = back[k]
    out = []
    for qi, (cands, best_seen) in enumerate(found):
        picked = chosen.get(qi)
        if picked is not None:
            out.append(Placement(qi, picked.start, picked.score))
        else:
            top = max(cands, key=lambda x: x.rank, default=None)
            out.append(Placement(qi, None, best_seen, top.start if top else None))
    return tuple(out)


_LEAD_INS = [
    r"(so|and|now|okay|ok|well|right|first|firstly|finally|lastly)\b[,]?\s+",
    r"(can|could|would|will) you (please )?(tell|talk|walk|take) (us|me|listeners|our listeners)?\s*"
    r"(through )?(a (little )?bit |a little )?(more )?(about )?",
    r"(i'd|i would|we'd) (like|love) to (ask|hear|know) (you )?(a bit |a little )?(more )?(about )?",
    r"tell (us|me) (a (little )?bit |a little )?(more )?(about )?",
    r"talk (us|me) through ",
]
MAX_TITLE = 60


def title_from_question(text: str, max_chars: int = MAX_TITLE) -> str:
    """A short chapter title from a question's text.

    'Can you tell us about your first week on the ward?' -> 'Your first week on the ward';
    'What does a district nurse do?' stays as it is.
    """
    title = " ".join(text.split())
    for _ in range(3):
        for pattern in _LEAD_INS:
            title = re.sub(r"^" + pattern, "", title, flags=re.IGNORECASE)
    if title != " ".join(text.split()):
        title = title.rstrip("?").strip()
    if not title:
        title = " ".join(text.split())
    if len(title) > max_chars:
        cut = title[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:-")
        title = cut + "\u2026"
    return title[:1].upper() + title[1:]
