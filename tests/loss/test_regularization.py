"""Value, warmup and gradient tests for the sparsity regularizers."""

from __future__ import annotations

import pytest
import torch

from lir_core.loss import FLOPSRegularization, L1Regularization

EMBEDDINGS = torch.tensor([[1.0, 0.0, 2.0], [3.0, 0.0, 0.0]])


def test_flops_value() -> None:
    # Mean activation per term: (1+3)/2 = 2, 0, (2+0)/2 = 1 -> 2^2 + 0^2 + 1^2 = 5.
    assert FLOPSRegularization(weight=1.0)(EMBEDDINGS, step=0).item() == pytest.approx(5.0)


def test_l1_value() -> None:
    # Row L1 norms 3 and 3 -> mean 3.
    assert L1Regularization(weight=1.0)(EMBEDDINGS, step=0).item() == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("step", "expected"),
    # weight 0.5, warmup 10: 0.5 * min(1, (step / 10)^2) * 5
    [(0, 0.0), (5, 0.5 * 0.25 * 5.0), (10, 2.5), (20, 2.5)],
)
def test_quadratic_warmup(step: int, expected: float) -> None:
    regularizer = FLOPSRegularization(weight=0.5, warmup_steps=10)
    assert regularizer(EMBEDDINGS, step=step).item() == pytest.approx(expected)


def test_no_warmup_gives_full_weight() -> None:
    assert L1Regularization(weight=0.1).weight_at(0) == 0.1


@pytest.mark.parametrize("regularizer", [FLOPSRegularization(1.0), L1Regularization(1.0)])
def test_gradient_pushes_activations_down(regularizer) -> None:
    embeddings = EMBEDDINGS.clone().requires_grad_(True)
    regularizer(embeddings, step=0).backward()
    active = EMBEDDINGS > 0
    assert torch.all(embeddings.grad[active] > 0)
    assert regularizer(EMBEDDINGS * 0.5, step=0) < regularizer(EMBEDDINGS, step=0)


@pytest.mark.parametrize(("weight", "warmup"), [(-1.0, 0), (1.0, -1)])
def test_invalid_schedule_raises(weight: float, warmup: int) -> None:
    with pytest.raises(ValueError):
        L1Regularization(weight, warmup)


def test_non_matrix_embeddings_raise() -> None:
    with pytest.raises(ValueError, match="batch, vocab"):
        L1Regularization(1.0)(torch.zeros(2, 3, 4), step=0)
