"""Automatic chapters: topic shifts, pauses and the host's questions; titles from the words.

Boundaries may fall only where a sentence starts. At each one the TF-IDF vectors of the
content words just before and just after are compared, at three block sizes (TextTiling's
"block comparison"); a dip in that similarity, measured as TextTiling's depth score, is a
topic shift. A long pause before the sentence and a question add to the score. When the
speakers are known, only the places where a host takes the floor are candidates, scored by
how far the similarity there falls below its typical value. The strongest boundaries are
kept, at least `min_length` apart and no more than one per `seconds_per_chapter`. Each
chapter's title is its most distinctive key phrase (two content words said together at
least twice) or keywords, in Title Case.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from podcast.chapters.text import TimedWord, stopwords

MAX_TITLE_CHARS = 48
BLOCK_MIN, BLOCK_MAX, BLOCK_DIVISOR = 20, 80, 8
"""Content words compared on each side of a boundary: total/8, kept within 20..80."""
SCALES = (0.5, 1.0, 1.5)
TURN_THRESHOLD = 0.75
"""Score a host turn needs to start a chapter: the turn itself gives 0.15 to 0.6, so
some fall in the similarity of the words either side is always needed."""


@dataclass(frozen=True)
class AutoOptions:
    min_length: float = 60.0
    """Shortest chapter, seconds; grows to content/25 on long episodes."""
    seconds_per_chapter: float = 150.0
    """At most one chapter per this many seconds of content."""
    pause_seconds: float = 1.5
    """A pause this long before a sentence counts fully towards a boundary."""
    pause_weight: float = 0.25
    turn_weight: float = 0.15
    """A host starting to speak after someone else."""
    question_weight: float = 0.2
    """...with a question (a sentence ending in '?')."""
    snap_seconds: float = 12.0
    """A topic shift moves to the strongest pause/turn/question cue this near."""


DEFAULT_OPTIONS = AutoOptions()


@dataclass(frozen=True)
class Unit:
    """A sentence: the places a chapter may start."""

    first: int  # index of its first word
    start: float
    end: float
    speaker: str
    question: bool


@dataclass(frozen=True)
class Boundary:
    unit: int
    start: float
    similarity: float
    depth: float
    cue: float  # the part of the score from the pause, the turn and the question
    score: float
    turn: bool = False  # a host taking the floor (speakers known)


def units(words: Sequence[TimedWord]) -> tuple[Unit, ...]:
    out: list[Unit] = []
    for i, w in enumerate(words):
        if i == 0 or w.sentence_start or w.speaker != words[i - 1].speaker:
            out.append(Unit(i, w.start, w.end, w.speaker, w.question))
        else:
            last = out[-1]
            out[-1] = Unit(last.first, last.start, w.end, last.speaker, last.question)
    return tuple(out)


def _content_indices(words: Sequence[TimedWord]) -> list[int]:
    stop = stopwords()
    return [i for i, w in enumerate(words) if w.norm not in stop and len(w.norm) > 1
            and not w.norm.isdigit()]


def _cosine(a: Counter[str], b: Counter[str], idf: dict[str, float]) -> float:
    dot = sum(a[s] * b[s] * idf[s] ** 2 for s in a.keys() & b.keys())
    na = math.sqrt(sum((c * idf[s]) ** 2 for s, c in a.items()))
    nb = math.sqrt(sum((c * idf[s]) ** 2 for s, c in b.items()))
    return dot / (na * nb) if na and nb else 0.0


def _depths(values: list[float]) -> list[float]:
    """TextTiling depth: climb to the highest point on each side, add both drops."""
    out = []
    for i, v in enumerate(values):
        left = v
        j = i
        while j > 0 and values[j - 1] >= left:
            j -= 1
            left = values[j]
        right = v
        j = i
        while j + 1 < len(values) and values[j + 1] >= right:
            j += 1
            right = values[j]
        out.append((left - v) + (right - v))
    return out


def boundaries(words: Sequence[TimedWord], interviewer_ids: Sequence[str] = (),
               options: AutoOptions = DEFAULT_OPTIONS) -> tuple[Boundary, ...]:
    """Scored candidate boundaries. When the speakers are known, topics change where a host
    takes the floor, so only those places are candidates; otherwise every sentence start."""
    import bisect

    unit_list = units(words)
    content = _content_indices(words)
    if len(unit_list) < 3 or len(content) < 10:
        return ()
    hosts = set(interviewer_ids)
    turns = [k for k in range(1, len(unit_list)) if unit_list[k].speaker in hosts
             and unit_list[k - 1].speaker not in hosts]
    by_turn = bool(hosts) and len(turns) >= 2
    places = turns if by_turn else list(range(1, len(unit_list)))
    stems = [words[i].stem for i in content]
    block = max(BLOCK_MIN, min(BLOCK_MAX, len(content) // BLOCK_DIVISOR))
    idf = _sentence_idf(words)

    def similarity(k: int) -> float:
        cut = bisect.bisect_left(content, unit_list[k].first)
        value = 0.0
        for size in SCALES:  # compare blocks of a few sizes: less noise than one size
            size = max(4, round(block * size))
            left = Counter(stems[max(0, cut - size):cut])
            right = Counter(stems[cut:cut + size])
            value += _cosine(left, right, idf) / len(SCALES)
        return value

    dense = [similarity(k) for k in range(1, len(unit_list))]
    if by_turn:
        # few candidates, each maybe a new topic: how far the similarity falls below
        # the typical similarity of neighbouring sentences (mostly within one topic)
        reference = sorted(dense)[len(dense) // 2] or 1.0
        sims = [dense[k - 1] for k in places]
        depths = [min(1.0, max(0.0, 1.0 - s / reference)) for s in sims]
    else:  # TextTiling: smooth the curve a little, then measure each dip's depth
        sims = [sum(dense[max(0, i - 1):i + 2]) / len(dense[max(0, i - 1):i + 2])
                for i in range(len(dense))]
        depths = _depths(sims)
        top = max(depths, default=0.0)
        depths = [d / top for d in depths] if top > 0 else depths  # the deepest dip scores 1
    out = []
    for n, k in enumerate(places):
        u, prev = unit_list[k], unit_list[k - 1]
        pause = max(0.0, u.start - prev.end)
        cue = options.pause_weight * min(pause / options.pause_seconds, 1.0)
        if by_turn:
            asks = any(x.question for x in unit_list[k:k + 3] if x.speaker == u.speaker)
            cue += options.turn_weight + (options.question_weight if asks else 0.0)
        elif u.question:  # speakers unknown: any question may open a topic
            cue += options.question_weight
        out.append(Boundary(k, u.start, sims[n], depths[n], cue, depths[n] + cue, by_turn))
    return tuple(out)


def choose(found: Sequence[Boundary], content: float,
           options: AutoOptions = DEFAULT_OPTIONS) -> tuple[float, ...]:
    """Chapter starts (content timeline), 0 first: the strongest boundaries that keep every
    chapter at least the minimum length, at most one per `seconds_per_chapter`."""
    min_len = max(options.min_length, content / 25)
    limit = max(1, int(content // options.seconds_per_chapter))
    if not found or limit == 1:
        return (0.0,)
    scores = [b.score for b in found]
    mean = sum(scores) / len(scores)
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
    # host turns (speakers known) are few and each may open a topic: a fixed bar; sentence
    # starts are many and mostly inside a topic: a bar relative to their distribution
    threshold = TURN_THRESHOLD if found[0].turn else mean - 0.25 * sd
    starts = [0.0]
    for b in sorted(found, key=lambda b: (-b.score, b.start)):
        if len(starts) >= limit or b.score < threshold:
            break
        b = _snap(b, found, options.snap_seconds)
        if b.start < min_len or content - b.start < min_len:
            continue
        if all(abs(b.start - s) >= min_len for s in starts):
            starts.append(b.start)
    return tuple(sorted(starts))


def _snap(chosen: Boundary, found: Sequence[Boundary], seconds: float) -> Boundary:
    """A lexical dip is only known to within a few sentences: start the chapter at the
    nearby sentence where the dip and the cues (pause, question) together are strongest,
    the cues counting double. Host turns (speakers known) are kept as they are."""
    if chosen.turn:
        return chosen
    near = [b for b in found if abs(b.start - chosen.start) <= seconds]
    return max(near, key=lambda b: (b.score + b.cue, -abs(b.start - chosen.start)))


def _surface(words: Sequence[TimedWord], indices: Sequence[int]) -> dict[str, str]:
    """stem -> its most common spelling in these words."""
    spellings: dict[str, Counter[str]] = {}
    for i in indices:
        spellings.setdefault(words[i].stem, Counter())[words[i].norm] += 1
    return {s: c.most_common(1)[0][0] for s, c in spellings.items()}


def _sentence_idf(words: Sequence[TimedWord]) -> dict[str, float]:
    docs: list[set[str]] = []
    for w in words:
        if w.sentence_start or not docs:
            docs.append(set())
        docs[-1].add(w.stem)
    df = Counter(s for d in docs for s in d)
    return {s: math.log((len(docs) + 1) / (c + 1)) + 1.0 for s, c in df.items()}


def titles(words: Sequence[TimedWord], starts: Sequence[float], *,
           exclude: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """A short Title Case title per chapter from its most distinctive words and phrases."""
    usable = [i for i in _content_indices(words) if words[i].norm not in exclude
              and words[i].stem not in exclude and "'" not in words[i].norm]
    bounds = list(starts) + [math.inf]
    parts: list[list[int]] = [[] for _ in starts]
    k = 0
    for i in usable:
        while words[i].start >= bounds[k + 1]:
            k += 1
        parts[k].append(i)
    tf = [Counter(words[i].stem for i in p) for p in parts]
    total = Counter(words[i].stem for i in usable)
    idf = _sentence_idf(words)
    out: list[str] = []
    for k, part in enumerate(parts):
        # frequent here, rare in other sentences, and said mostly in this chapter
        weight = {s: c * idf.get(s, 1.0) * (c / total[s]) for s, c in tf[k].items()}
        surface = _surface(words, part)
        terms: list[tuple[float, tuple[str, ...]]] = [(w, (s,)) for s, w in weight.items()
                                                      if tf[k][s] >= 2 or len(part) < 20]
        pairs = Counter((words[a].stem, words[b].stem) for a, b in zip(part, part[1:], strict=False)
                        if b == a + 1 and words[a].stem != words[b].stem
                        and words[a].segment == words[b].segment)
        for (a, b), c in pairs.items():
            if c >= 2:  # a key phrase: said together at least twice
                share = c / min(tf[k][a], tf[k][b])
                terms.append((0.75 * (weight[a] + weight[b]) * share, (a, b)))
        terms.sort(key=lambda t: (-t[0], t[1]))
        out.append(_compose(terms, surface, out) or f"Part {k + 1}")
    return tuple(out)


def _title_case(terms: list[tuple[str, ...]], surface: dict[str, str]) -> str:
    """[('night', 'shift'), ('sleep',)] -> 'Night Shift and Sleep'."""
    return " and ".join(" ".join(surface[s] for s in t).title() for t in terms)


def _compose(terms: list[tuple[float, tuple[str, ...]]], surface: dict[str, str],
             earlier: list[str]) -> str:
    picked: list[tuple[str, ...]] = []
    used: set[str] = set()
    for _, term in terms:
        if used & set(term):
            continue
        picked.append(term)
        used |= set(term)
        title = _title_case(picked, surface)
        if len(picked) >= 2 and title not in earlier or len(title) > MAX_TITLE_CHARS:
            break
    while picked:
        title = _title_case(picked, surface)
        if len(title) <= MAX_TITLE_CHARS:
            return title
        picked.pop()
    return ""


def auto_chapters(words: Sequence[TimedWord], content: float, *,
                  interviewer_ids: Sequence[str] = (), options: AutoOptions = DEFAULT_OPTIONS,
                  exclude: frozenset[str] = frozenset()) -> tuple[tuple[float, str], ...]:
    """(start on the content timeline, title) per automatic chapter; the first at 0."""
    starts = choose(boundaries(words, interviewer_ids, options), content, options)
    return tuple(zip(starts, titles(words, starts, exclude=exclude), strict=True))
