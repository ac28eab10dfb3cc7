"""Vectorised helpers for ragged (CSR-like) arrays and top-k selection, shared by index families."""

from __future__ import annotations

import numpy as np


def ragged_arange(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(start, start + length)`` for each pair, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    row_starts = np.cumsum(lengths) - lengths
    return np.repeat(np.asarray(starts, dtype=np.int64) - row_starts, lengths) + np.arange(total)


def top_k(ordinals: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best (ordinal, score) pairs, best first; ties broken by lower ordinal."""
    if len(scores) > k:
        keep = np.argpartition(-scores, k - 1)[:k]
        ordinals, scores = ordinals[keep], scores[keep]
    order = np.lexsort((ordinals, -scores))
    return ordinals[order], scores[order]


def top_k_of_many(ordinals: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``top_k`` for long arrays, with the same result, found from a few candidates.

    The ``k``-th best score of a strided sample (about ``sqrt(k * n)`` scores) is a lower
    bound of the ``k``-th best overall, so the scores at or above it (about ``sqrt(k * n)``
    as well) hold the top ``k``. ``top_k`` of those candidates is the result when the ``k``
    best scores are unique as a set (no tie with a score outside them at the boundary);
    otherwise, to pick among boundary ties exactly as ``top_k`` does, ``top_k`` of all.
    """
    count = len(scores)
    sample_size = max(4 * k, int((k * count) ** 0.5))
    if count < 8 * sample_size:
        return top_k(ordinals, scores, k)
    sample = scores[:: count // sample_size]
    bound = np.partition(sample, len(sample) - k)[len(sample) - k]
    candidates = np.flatnonzero(scores >= bound)
    best_ordinals, best_scores = top_k(ordinals[candidates], scores[candidates], k)
    if np.count_nonzero(scores[candidates] >= best_scores[-1]) == k:
        return best_ordinals, best_scores
    return top_k(ordinals, scores, k)
