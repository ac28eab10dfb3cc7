"""Exact MaxSim late interaction between query tokens and ragged document token vectors.

``score(q, d) = sum over query tokens of the max dot product with any token of d``. Token
similarities come from one BLAS matrix product per block; ``np.maximum.reduceat`` then takes
the per-document maxima over each document's contiguous run of token columns.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lir_core.retrieve.plaid.records import QueryTokens


def segment_max(values: np.ndarray, lengths: np.ndarray, empty: float = 0.0) -> np.ndarray:
    """Maxima over consecutive column segments: ``[rows, sum(lengths)]`` -> ``[rows, len(lengths)]``.

    Segments of length 0 get ``empty``.
    """
    result = np.full((values.shape[0], len(lengths)), empty, dtype=values.dtype)
    filled = lengths > 0
    if not filled.any():
        return result
    starts = (np.cumsum(lengths) - lengths)[filled]
    result[:, filled] = np.maximum.reduceat(values, starts, axis=1)
    return result


def doc_blocks(offsets: np.ndarray, max_tokens: int) -> Iterator[tuple[int, int]]:
    """Split documents into runs ``[start, end)`` of at most ``max_tokens`` tokens (at least one doc)."""
    num_docs = len(offsets) - 1
    start = 0
    while start < num_docs:
        end = int(np.searchsorted(offsets, offsets[start] + max_tokens, side="right")) - 1
        end = min(max(end, start + 1), num_docs)
        yield start, end
        start = end


def exhaustive_maxsim_top_k(
    queries: QueryTokens,
    vectors: np.ndarray,
    offsets: np.ndarray,
    k: int,
    block_elements: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k documents of every query by exact MaxSim over all documents.

    All queries' tokens are scored together against blocks of documents whose similarity
    matrix has at most about ``block_elements`` entries (memory stays bounded), and a
    running top-k per query is merged after each block.

    Returns:
        ``[Q, min(k, num_docs)]`` document ordinals and scores, best first.
    """
    num_docs = len(offsets) - 1
    k = min(k, num_docs)
    lengths = np.diff(offsets)
    rows = queries.vectors.astype(np.float32, copy=False)
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_ordinals = np.zeros((len(queries), k), dtype=np.int64)
    max_tokens = max(1, block_elements // len(rows))
    for start, end in doc_blocks(offsets, max_tokens):
        block = np.asarray(vectors[offsets[start] : offsets[end]], dtype=np.float32)
        block_lengths = lengths[start:end]
        token_maxima = np.maximum.reduceat(rows @ block.T, np.cumsum(block_lengths) - block_lengths, axis=1)
        block_scores = np.add.reduceat(token_maxima, queries.offsets[:-1], axis=0)
        merged_scores = np.concatenate([best_scores, block_scores], axis=1)
        merged_ordinals = np.concatenate(
            [best_ordinals, np.broadcast_to(np.arange(start, end), block_scores.shape)], axis=1
        )
        keep = np.argpartition(-merged_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, keep, axis=1)
        best_ordinals = np.take_along_axis(merged_ordinals, keep, axis=1)
    order = np.lexsort((best_ordinals, -best_scores))
    return np.take_along_axis(best_ordinals, order, axis=1), np.take_along_axis(best_scores, order, axis=1)
