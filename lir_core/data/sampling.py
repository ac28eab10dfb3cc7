"""Choose documents from a ranked list and compute their targets (used by RunDataset)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch

SamplingStrategy = Literal["top", "random", "single_relevant", "top_and_random"]
TargetKind = Literal["relevance", "rank", "score"]


def sample_positions(
    relevance: Sequence[int],
    sample_size: int,
    strategy: SamplingStrategy,
    generator: torch.Generator | None = None,
) -> list[int]:
    """Pick positions (0-based ranks) from a ranked list of candidates.

    Args:
        relevance: Relevance label of each candidate in rank order (0 when unjudged).
        sample_size: Number of positions to pick; -1 for all (capped at the list length).
        strategy: ``"top"``: the best ranked; ``"random"``: uniformly at random, returned in
            rank order; ``"top_and_random"``: the best ``ceil(size / 2)`` plus random others;
            ``"single_relevant"``: the best ranked relevant candidate (relevance > 0) first,
            then the best ranked ``sample_size - 1`` non-relevant ones (all when -1).
        generator: Random source for the random strategies; torch's global one when None
            (which DataLoader seeds differently in each worker).

    Raises:
        ValueError: For ``"single_relevant"`` when no candidate is relevant.
    """
    num_candidates = len(relevance)
    size = num_candidates if sample_size < 0 else min(sample_size, num_candidates)
    if strategy == "top":
        return list(range(size))
    if strategy == "random":
        return sorted(torch.randperm(num_candidates, generator=generator)[:size].tolist())
    if strategy == "top_and_random":
        num_top = (size + 1) // 2
        rest = torch.randperm(num_candidates - num_top, generator=generator)[: size - num_top] + num_top
        return list(range(num_top)) + sorted(rest.tolist())
    relevant = [position for position, label in enumerate(relevance) if label > 0]
    if not relevant:
        raise ValueError("single_relevant sampling needs a relevant candidate, found none")
    non_relevant = [position for position, label in enumerate(relevance) if label <= 0]
    num_non_relevant = len(non_relevant) if sample_size < 0 else sample_size - 1
    return [relevant[0], *non_relevant[:num_non_relevant]]


def make_targets(
    kind: TargetKind | None,
    positions: Sequence[int],
    scores: Sequence[float],
    relevance: Sequence[int],
    normalize: bool = False,
) -> torch.Tensor | None:
    """Build the float targets of the picked positions.

    Args:
        kind: ``"relevance"`` (qrels label, 0 when unjudged), ``"rank"`` (1 = best) or
            ``"score"`` (the run's score); None for no targets.
        positions: Picked 0-based positions in the ranked list.
        scores: Score of every candidate in rank order.
        relevance: Relevance label of every candidate in rank order.
        normalize: Min-max scale the targets of this list to [0, 1] (all zeros when equal).
    """
    if kind is None:
        return None
    if kind == "relevance":
        values = [float(relevance[position]) for position in positions]
    elif kind == "rank":
        values = [float(position + 1) for position in positions]
    else:
        values = [float(scores[position]) for position in positions]
    targets = torch.tensor(values, dtype=torch.float32)
    if normalize:
        spread = targets.max() - targets.min()
        targets = targets - targets.min()
        if spread > 0:
            targets = targets / spread
    return targets
