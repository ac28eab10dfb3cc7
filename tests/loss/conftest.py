"""Shared helpers for loss tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import Tensor


def positive_gradient_and_step(
    loss_of: Callable[[Tensor], Tensor], scores: Tensor, column: int = 0
) -> tuple[Tensor, float, float]:
    """Return d loss / d scores[:, column], the loss, and the loss after raising that column."""
    scores = scores.clone().requires_grad_(True)
    loss = loss_of(scores)
    loss.backward()
    raised = scores.detach().clone()
    raised[:, column] += 0.5
    return scores.grad[:, column], loss.item(), loss_of(raised).item()


@pytest.fixture
def gradient_check() -> Callable[..., None]:
    """Assert that raising the positive's score lowers the loss and its gradient is < 0."""

    def check(loss_of: Callable[[Tensor], Tensor], scores: Tensor, column: int = 0) -> None:
        grad, before, after = positive_gradient_and_step(loss_of, scores, column)
        assert torch.all(grad < 0), grad
        assert torch.isfinite(grad).all()
        assert after < before

    return check
