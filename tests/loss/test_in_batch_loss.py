"""Value and gradient tests for the in-batch cross-entropy."""

from __future__ import annotations

import math

import pytest
import torch

from lir_core.loss import InBatchCrossEntropy

LN3, LN5 = math.log(3.0), math.log(5.0)
# Two queries with two documents each, concatenated: positives at columns 0 and 2.
SCORES = torch.tensor([[LN3, 0.0, 0.0, 0.0], [0.0, 0.0, LN5, 0.0]])
POSITIVES = torch.tensor([0, 2])


def test_in_batch_cross_entropy_value() -> None:
    # Query 1: p_pos = 3 / (3 + 1 + 1 + 1) = 1/2 -> ln 2 = 0.6931472.
    # Query 2: p_pos = 5 / (1 + 1 + 5 + 1) = 5/8 -> ln 1.6 = 0.4700036.
    expected = (0.6931472 + 0.4700036) / 2
    loss = InBatchCrossEntropy()(SCORES, POSITIVES)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_in_batch_cross_entropy_masks_padded_columns() -> None:
    mask = torch.tensor([True, True, True, False])
    # Column 3 is padding: p_pos = 3/5 -> ln(5/3) = 0.5108256 and 5/7 -> ln(1.4) = 0.3364722.
    expected = (0.5108256 + 0.3364722) / 2
    loss = InBatchCrossEntropy()(SCORES, POSITIVES, mask)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_in_batch_cross_entropy_gradient(gradient_check) -> None:
    scores = torch.zeros(1, 4)
    gradient_check(lambda s: InBatchCrossEntropy()(s, torch.tensor([0])), scores)


def test_in_batch_cross_entropy_rejects_padded_positive() -> None:
    with pytest.raises(ValueError, match="positive column"):
        InBatchCrossEntropy()(SCORES, POSITIVES, torch.tensor([False, True, True, True]))


def test_in_batch_cross_entropy_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="positive_columns"):
        InBatchCrossEntropy()(SCORES, torch.tensor([0, 2, 4]))


def test_in_batch_cross_entropy_scale_multiplies_scores() -> None:
    # Scale 2 on SCORES: query 1 p_pos = 9 / (9 + 3) = 3/4 -> ln(4/3); query 2 p_pos = 25 / 28 -> ln(28/25).
    expected = (math.log(4 / 3) + math.log(28 / 25)) / 2
    assert InBatchCrossEntropy(scale=2.0)(SCORES, POSITIVES).item() == pytest.approx(expected, abs=1e-6)
    with pytest.raises(ValueError, match="scale"):
        InBatchCrossEntropy(scale=-1.0)
