"""Score interpolation of two runs (e.g. a re-ranker with its first stage).

Hand-written: ranx has fusion methods but pulls in numba; a weighted sum of min-max
normalised scores is a few lines.
"""

from __future__ import annotations

from collections.abc import Mapping

Run = Mapping[str, Mapping[str, float]]


def min_max(scores: Mapping[str, float]) -> dict[str, float]:
    """Scale one query's scores to [0, 1] (all 1.0 when they are equal)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:
        return {doc_id: 1.0 for doc_id in scores}
    return {doc_id: (score - low) / (high - low) for doc_id, score in scores.items()}


def interpolate(primary: Run, secondary: Run, weight: float) -> dict[str, dict[str, float]]:
    """``weight * primary + (1 - weight) * secondary`` per query, each min-max normalised.

    Args:
        primary: The run whose documents are kept (e.g. a re-ranked top 100).
        secondary: The run it is interpolated with (e.g. the first stage that produced the
            top 100); a document it lacks contributes 0, its lowest normalised score.
        weight: Weight of ``primary`` in [0, 1].

    Returns:
        ``{query_id: {doc_id: score}}`` over ``primary``'s queries and documents.

    Raises:
        ValueError: If ``weight`` is outside [0, 1].
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"interpolation weight must be in [0, 1], got {weight}")
    fused: dict[str, dict[str, float]] = {}
    for query_id, scores in primary.items():
        first, second = min_max(scores), min_max(secondary.get(query_id, {}))
        fused[query_id] = {doc_id: weight * score + (1.0 - weight) * second.get(doc_id, 0.0)
                           for doc_id, score in first.items()}
    return fused
