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
