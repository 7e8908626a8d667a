"""Offline diarisation of one mixed track with resemblyzer (optional extra `podcast[speakers]`).

resemblyzer's speaker encoder (a 3-layer LSTM, its weights inside the wheel) embeds 1.6 s
windows of speech every 0.4 s, only where the transcript has words. The embeddings are
clustered into the number of people episode.yaml names (spectral clustering on cosine
affinity), each word takes the cluster of the windows around it, short islands
are smoothed away, and clusters are named in the order in which each has said 2 s of
words, using the episode.yaml order with hosts first (the host usually opens). Use
`turns:` to override.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from podcast.models import Word

log = logging.getLogger("podcast.transcribe")

RATE = 16000
PARTIALS_PER_S = 2.5
RUN_GAP_S = 0.5
WINDOW_S = 1.6


def available() -> bool:
    """True when the `speakers` extra is installed and importable (without importing torch).

    resemblyzer imports webrtcvad, which imports `pkg_resources` (setuptools < 81)."""
    try:
        if importlib.util.find_spec("resemblyzer") is None:
            return False
        importlib.import_module("webrtcvad")
    except (ImportError, ValueError):
        return False
    return True


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    try:
        from resemblyzer import VoiceEncoder
    except ImportError as exc:
        from podcast.transcribe.speakers import SpeakerAttributionError

        raise SpeakerAttributionError(
            f"resemblyzer cannot be imported ({exc}); reinstall with "
            "pip install 'podcast[speakers]' 'setuptools<81', or add `turns:` to episode.yaml"
        ) from exc
    return VoiceEncoder("cpu", verbose=False)


def speech_runs(words: Sequence[Word]) -> list[tuple[float, float]]:
    runs: list[tuple[float, float]] = []
    for w in sorted(words, key=lambda w: w.start):
        if runs and w.start - runs[-1][1] <= RUN_GAP_S:
            runs[-1] = (runs[-1][0], max(runs[-1][1], w.end))
        else:
            runs.append((w.start, w.end))
    return runs


def embed_runs(path: Path, runs: Sequence[tuple[float, float]]) -> tuple[Any, Any]:
    """(times, embeddings): partial embeddings over the speech runs, read window by window."""
    import numpy as np

    from podcast.transcribe.audio_stream import windows

    encoder = _encoder()
    times: list[float] = []
    embeds: list[Any] = []
    gen = windows(path, 300.0)
    for offset, audio in gen:
        start_s, end_s = offset / RATE, (offset + len(audio)) / RATE
        for a, b in runs:
            mid = (a + b) / 2
            if not start_s <= mid < end_s:
                continue
            pad = max(0.0, (WINDOW_S - (b - a)) / 2)
            lo = max(0, int((a - pad - start_s) * RATE))
            hi = min(len(audio), int((b + pad - start_s) * RATE))
            if hi - lo < RATE // 2:
                continue
            wav = audio[lo:hi]
            _, partials, splits = encoder.embed_utterance(
                wav, return_partials=True, rate=PARTIALS_PER_S, min_coverage=0.5
            )
            for e, s in zip(partials, splits, strict=False):
                centre = start_s + (lo + (s.start + min(s.stop, len(wav))) / 2) / RATE
                times.append(centre)
                embeds.append(e)
    if not embeds:
        return np.zeros(0), np.zeros((0, 256))
    return np.asarray(times), np.asarray(embeds)


def cluster(embeds: Any, k: int) -> Any:
    """Labels 0..k-1 by spectral clustering of cosine affinities (scikit-learn, which the
    `speakers` extra brings with resemblyzer). On the two-speaker eval clip it scores 0.90
    frame accuracy against 0.54 for average-linkage agglomerative clustering."""
    import numpy as np
    from sklearn.cluster import SpectralClustering

    if len(embeds) <= k:
        return np.arange(len(embeds)) % max(k, 1)
    x = embeds / np.linalg.norm(embeds, axis=1, keepdims=True)
    affinity = np.clip(x @ x.T, 0.0, 1.0)
    model = SpectralClustering(k, affinity="precomputed", random_state=0, assign_labels="kmeans")
    return model.fit_predict(affinity)


def smooth(labels: list[int], words: Sequence[Word], min_island_s: float = 0.6) -> list[int]:
    """Absorb a short run of words between two runs of the same other speaker."""
    out = list(labels)
    i = 0
    while i < len(out):
        j = i
        while j + 1 < len(out) and out[j + 1] == out[i]:
            j += 1
        if 0 < i and j + 1 < len(out) and out[i - 1] == out[j + 1]:
            if words[j].end - words[i].start < min_island_s:
                out[i : j + 1] = [out[i - 1]] * (j + 1 - i)
        i = j + 1
    return out


def naming_order(labels: Sequence[int], words: Sequence[Word], enough_s: float = 2.0) -> list[int]:
    """Clusters in the order they have each said `enough_s` seconds of words.

    More robust than the first word: one mis-clustered "Hello" must not swap the names.
    """
    spoken: dict[int, float] = {}
    order: list[int] = []
    for lab, w in zip(labels, words, strict=True):
        spoken[lab] = spoken.get(lab, 0.0) + (w.end - w.start)
        if spoken[lab] >= enough_s and lab not in order:
            order.append(lab)
    rest = sorted(set(labels) - set(order), key=lambda lab: -spoken[lab])
    return order + rest


def word_speakers(path: Path, words: Sequence[Word], ids: Sequence[str]) -> dict[int, str]:
    """{id(word): speaker id} for every word."""
    import numpy as np

    if not words:
        return {}
    runs = speech_runs(words)
    times, embeds = embed_runs(path, runs)
    if len(times) == 0:
        return {id(w): ids[0] for w in words}
    labels = cluster(embeds, len(ids))
    ordered = sorted(words, key=lambda w: w.start)
    word_labels = []
    for w in ordered:
        near = np.abs(times - (w.start + w.end) / 2) <= max(0.4, (w.end - w.start) / 2)
        if np.any(near):
            word_labels.append(int(np.bincount(labels[near]).argmax()))
        else:
            word_labels.append(int(labels[np.argmin(np.abs(times - (w.start + w.end) / 2))]))
    word_labels = smooth(word_labels, ordered)
    first_seen = naming_order(word_labels, ordered)
    names = {lab: ids[n] for n, lab in enumerate(first_seen[: len(ids)])}
    return {id(w): names.get(lab, ids[0]) for w, lab in zip(ordered, word_labels, strict=True)}
