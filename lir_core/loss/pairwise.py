"""Pairwise losses: RankNet and the Margin-MSE family."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from lir_core.loss.base import ScoringLoss, check_same_shape, resolve_mask


class RankNet(ScoringLoss):
    """RankNet (Burges et al., 2005): logistic loss on every ordered pair of a query.

    For each pair ``(i, j)`` of real documents of the same query with
    ``targets[i] > targets[j]`` the loss is ``log(1 + exp(-(s_i - s_j)))``; the result is
    the mean over all such pairs in the batch (0 when there are none).
    """

    def __call__(self, scores: Tensor, targets: Tensor, mask: Tensor | None = None) -> Tensor:
        check_same_shape(scores, targets)
        mask = resolve_mask(scores, mask)
        scores = scores.masked_fill(~mask, 0.0)
        targets = targets.masked_fill(~mask, 0.0)
        # [q, i, j]: i should rank above j.
        pairs = (targets[:, :, None] > targets[:, None, :]) & mask[:, :, None] & mask[:, None, :]
        pair_losses = F.softplus(scores[:, None, :] - scores[:, :, None])
        return pair_losses[pairs].sum() / pairs.sum().clamp(min=1)


def _margins(values: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Return margins of the first document over each other real document, and their mask."""
    return values[:, :1] - values[:, 1:], mask[:, 1:]


class ConstantMarginMSE(ScoringLoss):
    """MSE between the positive's score margins and a constant margin.

    The first document of each query is the positive; every other real document is a
    negative. The loss is the mean over (query, negative) of ``(s_0 - s_j - margin) ** 2``.
    ``targets`` is only checked for its shape: the positive is known by position.

    Args:
        margin: Desired margin between positive and negative scores.
    """

    def __init__(self, margin: float = 1.0) -> None:
        self.margin = margin

    def __call__(self, scores: Tensor, targets: Tensor, mask: Tensor | None = None) -> Tensor:
        check_same_shape(scores, targets)
        mask = resolve_mask(scores, mask)
        margins, negatives = _margins(scores.masked_fill(~mask, 0.0), mask)
        return F.mse_loss(margins[negatives], torch.full_like(margins[negatives], self.margin))


class SupervisedMarginMSE(ScoringLoss):
    """Margin-MSE (Hofstätter et al., 2020): match the teacher's score margins.

    The first document of each query is the positive. The loss is the mean over
    (query, negative) of ``((s_0 - s_j) - (t_0 - t_j)) ** 2`` with teacher scores ``t``
    given as ``targets``.
    """

    def __call__(self, scores: Tensor, targets: Tensor, mask: Tensor | None = None) -> Tensor:
        check_same_shape(scores, targets)
        mask = resolve_mask(scores, mask)
        margins, negatives = _margins(scores.masked_fill(~mask, 0.0), mask)
        teacher_margins, _ = _margins(targets.masked_fill(~mask, 0.0), mask)
        return F.mse_loss(margins[negatives], teacher_margins[negatives])
