"""Value and gradient tests for KL divergence, LCE and ApproxNDCG."""

from __future__ import annotations

import math

import pytest
import torch

from lir_core.loss import ApproxNDCG, KLDivergence, LocalizedContrastiveEstimation

NEG_INF = float("-inf")
LN2, LN3 = math.log(2.0), math.log(3.0)


def test_kl_divergence_value_with_padding() -> None:
    scores = torch.tensor([[0.0, 0.0, NEG_INF], [1.0, 1.0, 1.0]])
    teacher = torch.tensor([[LN3, 0.0, NEG_INF], [2.0, 2.0, 2.0]])
    mask = torch.tensor([[True, True, False], [True, True, True]])
    # Query 1: teacher p = (3/4, 1/4), student q = (1/2, 1/2):
    # KL = 3/4 ln(1.5) + 1/4 ln(0.5) = 0.75 * 0.4054651 - 0.25 * 0.6931472 = 0.1308120.
    # Query 2: identical uniform distributions, KL = 0. Mean over 2 queries.
    expected = 0.1308120 / 2
    assert KLDivergence()(scores, teacher, mask).item() == pytest.approx(expected, abs=1e-6)


def test_kl_divergence_teacher_scale_sharpens_the_teacher() -> None:
    scores = torch.tensor([[0.0, 0.0]])
    # teacher (ln 3 / 2, 0) at scale 2 is p = (3/4, 1/4), as (ln 3, 0) at scale 1
    sharpened = KLDivergence(teacher_scale=2.0)(scores, torch.tensor([[LN3 / 2, 0.0]]))
    assert sharpened.item() == pytest.approx(KLDivergence()(scores, torch.tensor([[LN3, 0.0]])).item(), abs=1e-6)
    with pytest.raises(ValueError, match="teacher_scale"):
        KLDivergence(teacher_scale=0.0)


def test_kl_divergence_gradient(gradient_check) -> None:
    teacher = torch.tensor([[4.0, 0.0, 0.0]])
    gradient_check(lambda s: KLDivergence()(s, teacher), torch.tensor([[0.0, 0.0, 0.0]]))


def test_lce_value_with_padding() -> None:
    scores = torch.tensor([[LN2, 0.0, 0.0], [0.0, LN3, NEG_INF]])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    # Query 1: p_pos = 2 / (2 + 1 + 1) = 1/2 -> ln 2. Query 2: p_pos = 1 / (1 + 3) -> ln 4.
    expected = (LN2 + 2 * LN2) / 2
    loss = LocalizedContrastiveEstimation()(scores, torch.zeros_like(scores), mask)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_lce_gradient(gradient_check) -> None:
    scores = torch.tensor([[0.0, 1.0, 2.0]])
    gradient_check(lambda s: LocalizedContrastiveEstimation()(s, torch.zeros_like(s)), scores)


def test_lce_padded_positive_raises() -> None:
    mask = torch.tensor([[False, True]])
    with pytest.raises(ValueError, match="first document"):
        LocalizedContrastiveEstimation()(torch.zeros(1, 2), torch.zeros(1, 2), mask)


def test_approx_ndcg_value_with_padding_and_unjudged_query() -> None:
    scores = torch.tensor([[1.0, 0.0, NEG_INF], [0.3, 0.1, 0.2]])
    labels = torch.tensor([[1.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    mask = torch.tensor([[True, True, False], [True, True, True]])
    # Query 1: gains (2^1 - 1, 2^0 - 1) = (1, 0); the padded doc is ignored.
    # Approximate rank of doc 0: 1 + sigmoid(0 - 1) = 1 + 1 / (1 + e) = 1.2689414.
    # DCG = 1 / log2(1 + 1.2689414) = 1 / 1.1820194 = 0.8460100; ideal DCG = 1 / log2(2) = 1.
    # Query 2 has no relevant document and is left out of the mean.
    expected = 1.0 - 0.8460100
    loss = ApproxNDCG(temperature=1.0)(scores, labels, mask)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_approx_ndcg_low_temperature_approaches_exact_ndcg() -> None:
    scores = torch.tensor([[1.0, 0.0, 2.0]])
    labels = torch.tensor([[1.0, 0.0, 2.0]])
    # Perfect order: exact nDCG is 1, so the loss tends to 0 as the temperature shrinks.
    assert ApproxNDCG(temperature=0.01)(scores, labels).item() == pytest.approx(0.0, abs=1e-6)


def test_approx_ndcg_gradient(gradient_check) -> None:
    labels = torch.tensor([[1.0, 0.0, 0.0]])
    gradient_check(lambda s: ApproxNDCG()(s, labels), torch.tensor([[0.0, 0.5, 1.0]]))


def test_approx_ndcg_rejects_non_positive_temperature() -> None:
    with pytest.raises(ValueError, match="temperature"):
        ApproxNDCG(temperature=0.0)


def test_lce_scale_sharpens_the_softmax() -> None:
    # Cosine scores 0.1 (positive) and 0.0 with scale 20: p_pos = e^2 / (e^2 + 1), loss = ln(1 + e^-2).
    scores = torch.tensor([[0.1, 0.0]])
    loss = LocalizedContrastiveEstimation(scale=20.0)(scores, torch.zeros_like(scores))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-2.0)), abs=1e-6)
    with pytest.raises(ValueError, match="scale"):
        LocalizedContrastiveEstimation(scale=0.0)
