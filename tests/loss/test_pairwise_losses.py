"""Value and gradient tests for RankNet and the Margin-MSE losses."""

from __future__ import annotations

import pytest
import torch

from lir_core.loss import ConstantMarginMSE, RankNet, SupervisedMarginMSE

NEG_INF = float("-inf")


def test_ranknet_value_with_padding() -> None:
    scores = torch.tensor([[2.0, 1.0, 0.0], [0.0, 1.0, NEG_INF]])
    targets = torch.tensor([[2.0, 1.0, 0.0], [0.0, 1.0, 5.0]])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    # Query 1 pairs (0,1), (0,2), (1,2): score differences 1, 2, 1.
    # Query 2 pair (1,0): difference 1; the padded doc (target 5) forms no pair.
    # log(1 + e^-1) = 0.3132616875, log(1 + e^-2) = 0.1269280110
    expected = (3 * 0.3132616875 + 0.1269280110) / 4
    assert RankNet()(scores, targets, mask).item() == pytest.approx(expected, abs=1e-7)


def test_ranknet_without_pairs_is_zero_and_differentiable() -> None:
    scores = torch.tensor([[1.0, 2.0]], requires_grad=True)
    loss = RankNet()(scores, torch.tensor([[1.0, 1.0]]))
    loss.backward()
    assert loss.item() == 0.0
    assert torch.equal(scores.grad, torch.zeros_like(scores))


def test_ranknet_gradient(gradient_check) -> None:
    targets = torch.tensor([[1.0, 0.0, 0.0]])
    gradient_check(lambda s: RankNet()(s, targets), torch.tensor([[0.0, 1.0, -1.0]]))


def test_constant_margin_mse_value_with_padding() -> None:
    scores = torch.tensor([[3.0, 1.0, 2.5], [1.0, 0.5, NEG_INF]])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    # Margins 2, 0.5 and 0.5 against margin 1: errors 1, -0.5, -0.5.
    expected = (1.0 + 0.25 + 0.25) / 3
    loss = ConstantMarginMSE(margin=1.0)(scores, torch.zeros_like(scores), mask)
    assert loss.item() == pytest.approx(expected)


def test_constant_margin_mse_gradient(gradient_check) -> None:
    scores = torch.tensor([[1.0, 0.5, 0.8]])
    gradient_check(lambda s: ConstantMarginMSE()(s, torch.zeros_like(s)), scores)


def test_supervised_margin_mse_value_with_padding() -> None:
    scores = torch.tensor([[2.0, 1.0, 0.0], [0.0, 1.0, 7.0]])
    teacher = torch.tensor([[5.0, 3.0, 4.0], [1.0, 0.0, 9.0]])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    # Student margins 1, 2, -1; teacher margins 2, 1, 1: errors -1, 1, -2.
    expected = (1.0 + 1.0 + 4.0) / 3
    assert SupervisedMarginMSE()(scores, teacher, mask).item() == pytest.approx(expected)


def test_supervised_margin_mse_gradient(gradient_check) -> None:
    teacher = torch.tensor([[3.0, 0.0, 1.0]])
    gradient_check(lambda s: SupervisedMarginMSE()(s, teacher), torch.tensor([[0.0, 0.0, 0.0]]))


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="num_queries, num_docs"):
        RankNet()(torch.zeros(2, 3), torch.zeros(2, 2))


def test_all_padding_query_raises() -> None:
    mask = torch.tensor([[True, True], [False, False]])
    with pytest.raises(ValueError, match="at least one real document"):
        SupervisedMarginMSE()(torch.zeros(2, 2), torch.zeros(2, 2), mask)

