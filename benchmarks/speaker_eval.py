"""Speaker-attribution accuracy against an RTTM: the share of transcribed words (timed by
their midpoint, inside the scored region) given to a speaker who is talking at that moment.

`mapping` None = the best one-to-one mapping of our ids to RTTM ids (Hungarian), which is
how diarisation error is scored; pass an explicit mapping to score names as published.
"""

from __future__ import annotations

from pathlib import Path

from podcast.models import Transcript


def read_rttm(path: Path) -> list[tuple[float, float, str]]:
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            turns.append((start, start + dur, parts[7]))
    return turns


def word_accuracy(
    transcript: Transcript,
    rttm: Path,
    mapping: dict[str, str] | None = None,
    region: tuple[float, float] = (0.0, float("inf")),
) -> tuple[float, int, dict[str, str]]:
    """(accuracy, number of scored words, mapping used)."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    turns = read_rttm(rttm)
    scored = []
    for seg in transcript.segments:
        for w in seg.words:
            t = (w.start + w.end) / 2
            if not region[0] <= t < region[1]:
                continue
            active = {sp for a, b, sp in turns if a <= t < b}
            if active:
                scored.append((seg.speaker, active))
    if not scored:
        return 0.0, 0, {}
    if mapping is None:
        ours = sorted({s for s, _ in scored})
        refs = sorted({r for _, act in scored for r in act})
        gain = np.zeros((len(ours), len(refs)))
        for s, act in scored:
            for r in act:
                gain[ours.index(s), refs.index(r)] += 1
        rows, cols = linear_sum_assignment(-gain)
        mapping = {ours[i]: refs[j] for i, j in zip(rows, cols, strict=True)}
    correct = sum(1 for s, act in scored if mapping.get(s) in act)
    return correct / len(scored), len(scored), mapping
