"""Padded positions may hold -inf: every scoring loss must keep values and gradients finite."""

from __future__ import annotations

import pytest
import torch

from lir_core.loss import (
    ApproxNDCG,
    ConstantMarginMSE,
    KLDivergence,
    LocalizedContrastiveEstimation,
    RankNet,
    ScoringLoss,
    SupervisedMarginMSE,
)

LOSSES = [
    RankNet(),
    ConstantMarginMSE(),
    SupervisedMarginMSE(),
    KLDivergence(),
    LocalizedContrastiveEstimation(),
    ApproxNDCG(),
]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: type(loss).__name__)
def test_padding_is_ignored(loss: ScoringLoss) -> None:
    mask = torch.tensor([[True, True, True], [True, True, False]])
    targets = torch.tensor([[2.0, 1.0, 0.0], [1.0, 0.0, float("-inf")]])
    scores = torch.tensor([[0.5, 0.2, 0.1], [0.3, 0.4, float("-inf")]], requires_grad=True)
    value = loss(scores, targets, mask)
    value.backward()
    assert torch.isfinite(value)
    assert torch.isfinite(scores.grad).all()
    assert scores.grad[1, 2] == 0.0
    # Any other padded value gives the same loss.
    other = scores.detach().clone()
    other[1, 2] = 123.0
    assert loss(other, targets.nan_to_num(neginf=7.0), mask).item() == pytest.approx(value.item())
