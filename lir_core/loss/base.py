"""Base classes shared by every loss and the padding helpers they use.

Three families share no call signature, so each has its own base class:

* :class:`ScoringLoss`: scores of each query's own document list against targets
  (relevance labels or teacher scores), ``[num_queries, num_docs]``, with an optional
  boolean ``mask`` (True = real document) for ragged lists.
* :class:`InBatchLoss`: scores of every query against every document of the batch.
* :class:`RegularizationLoss`: a penalty on (sparse) embeddings with a warmed-up weight.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch
from torch import Tensor

from lir_core.loss.schedule import WeightSchedule


def resolve_mask(scores: Tensor, mask: Tensor | None) -> Tensor:
    """Return a boolean mask of real documents shaped like ``scores``.

    Args:
        scores: Scores ``[num_queries, num_docs]``.
        mask: Boolean mask broadcastable to ``scores`` (True = real document) or None
            when every position holds a real document.

    Returns:
        Boolean tensor with the shape of ``scores``.

    Raises:
        ValueError: If the mask is not boolean or some query has no real document.
    """
    if mask is None:
        return torch.ones_like(scores, dtype=torch.bool)
    if mask.dtype != torch.bool:
        raise ValueError(f"mask must be a bool tensor, got {mask.dtype}")
    mask = mask.expand_as(scores)
    if not mask.any(dim=-1).all():
        raise ValueError("every query needs at least one real document in mask")
    return mask


def check_same_shape(scores: Tensor, targets: Tensor) -> None:
    """Raise a ValueError unless scores and targets are 2-D and of equal shape."""
    if scores.dim() != 2 or scores.shape != targets.shape:
        raise ValueError(
            "scores and targets must both be [num_queries, num_docs], got "
            f"{tuple(scores.shape)} and {tuple(targets.shape)}"
        )


class ScheduledLoss(ABC):
    """A ranking or distillation loss whose weight may follow a :class:`WeightSchedule` (1 without one)."""

    schedule: WeightSchedule | None = None

    def scheduled(self, schedule: WeightSchedule | dict[str, Any]) -> ScheduledLoss:
        """Give this loss a weight schedule (a ``WeightSchedule`` or its fields); returns the loss."""
        self.schedule = schedule if isinstance(schedule, WeightSchedule) else WeightSchedule(**schedule)
        return self

    def weight_at(self, step: int) -> float:
        """The loss's weight at training ``step``."""
        return 1.0 if self.schedule is None else self.schedule.at(step)


class ScoringLoss(ScheduledLoss):
    """A loss over each query's own list of documents."""

    @abstractmethod
    def __call__(self, scores: Tensor, targets: Tensor, mask: Tensor | None = None) -> Tensor:
        """Compute the loss.

        Args:
            scores: Model scores ``[num_queries, num_docs]``.
            targets: Relevance labels (ranking losses) or teacher scores (distillation
                losses), same shape as ``scores``.
            mask: Boolean ``[num_queries, num_docs]``, True for real documents, False for
                padding of queries with fewer documents; None means no padding. Padded
                scores and targets may hold any value, ``-inf`` included.

        Returns:
            A scalar tensor.
        """


class InBatchLoss(ScheduledLoss):
    """A loss over the scores of every query against every document in the batch."""

    @abstractmethod
    def __call__(
        self, scores: Tensor, positive_columns: Tensor, mask: Tensor | None = None
    ) -> Tensor:
        """Compute the loss.

        Args:
            scores: ``[num_queries, num_batch_docs]`` scores of each query against every
                document in the batch.
            positive_columns: ``[num_queries]`` long tensor, the column of each query's
                positive document in ``scores``.
            mask: Boolean mask broadcastable to ``scores`` (True = real document), or None.

        Returns:
            A scalar tensor.
        """


class RegularizationLoss(ABC):
    """A penalty on embeddings whose weight is 0 for ``delay_steps``, then grows quadratically
    over ``warmup_steps`` (:class:`WeightSchedule`).

    Args:
        weight: Weight reached after warmup.
        warmup_steps: Steps until the full weight is reached; 0 means no warmup.
        delay_steps: Steps before the warmup starts (the penalty is off until then).
    """

    def __init__(self, weight: float, warmup_steps: int = 0, delay_steps: int = 0) -> None:
        self.schedule = WeightSchedule(weight, delay_steps, warmup_steps, "quadratic")
        self.weight, self.warmup_steps, self.delay_steps = weight, warmup_steps, delay_steps

    def weight_at(self, step: int) -> float:
        """The weight at ``step``: ``weight * min(1, ((step - delay_steps) / warmup_steps) ** 2)`` after the delay."""
        return self.schedule.at(step)

    def __call__(self, embeddings: Tensor, step: int) -> Tensor:
        """Return the weighted penalty of ``embeddings`` ``[batch, vocab]`` at training ``step``."""
        if embeddings.dim() != 2:
            raise ValueError(f"embeddings must be [batch, vocab], got {tuple(embeddings.shape)}")
        return self.weight_at(step) * self.penalty(embeddings)

    @abstractmethod
    def penalty(self, embeddings: Tensor) -> Tensor:
        """Return the unweighted scalar penalty of ``embeddings`` ``[batch, vocab]``."""
