"""Listwise losses over each query's own document list."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

from lir_core.loss.base import ScoringLoss, check_same_shape, resolve_mask


def _masked_log_softmax(values: Tensor, mask: Tensor) -> Tensor:
    """Log-softmax over real documents; padded positions are set to 0 (not -inf)."""
    log_probs = torch.log_softmax(values.masked_fill(~mask, float("-inf")), dim=-1)
    return log_probs.masked_fill(~mask, 0.0)


class KLDivergence(ScoringLoss):
    """Listwise distillation: KL(softmax(teacher_scale * teacher) || softmax(student)) per query.

    ``targets`` are teacher scores. The divergence is summed over each query's real
    documents and averaged over queries.

    Args:
        teacher_scale: Multiplies the teacher scores before their softmax (an inverse
            temperature). Scores on a small range, e.g. min-max normalised fusions in [0, 1],
            give a nearly uniform distribution at 1; 10 spreads them like a cross-encoder's logits.
    """

    def __init__(self, teacher_scale: float = 1.0) -> None:
        if teacher_scale <= 0:
            raise ValueError(f"teacher_scale must be > 0, got {teacher_scale}")
        self.teacher_scale = teacher_scale

    def __call__(self, scores: Tensor, targets: Tensor, mask: Tensor | None = None) -> Tensor:
        check_same_shape(scores, targets)
        mask = resolve_mask(scores, mask)
        student = _masked_log_softmax(scores, mask)
        teacher = _masked_log_softmax(targets * self.teacher_scale, mask)
        return F.kl_div(student, teacher, reduction="batchmean", log_target=True)


class LocalizedContrastiveEstimation(ScoringLoss):
    """Softmax cross-entropy over each query's own list with the first document positive.

    Localized Contrastive Estimation (Gao et al., 2021): the loss per query is
    ``-log(exp(s_0) / sum_j exp(s_j))`` over real documents ``j``, averaged over queries.
    ``targets`` is only checked for its shape: the positive is known by position.

    Args:
        scale: Multiplies the scores before the softmax (an inverse temperature). Cosine
            scores lie in [-1, 1], too flat for a softmax: sentence-transformers'
            ``MultipleNegativesRankingLoss`` uses 20 for them; 1 suits unbounded scores.
    """

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        self.scale = scale

    def __call__(self, scores: Tensor, targets: Tensor, mask: Tensor | None = None) -> Tensor:
        check_same_shape(scores, targets)
        mask = resolve_mask(scores, mask)
        if not mask[:, 0].all():
            raise ValueError("the first document of every query must be real (the positive)")
        return -_masked_log_softmax(scores * self.scale, mask)[:, 0].mean()


class ApproxNDCG(ScoringLoss):
    """ApproxNDCG (Qin et al., 2010): ``1 - nDCG`` with smooth ranks.

    The rank of document ``i`` is approximated by
    ``1 + sum_{j != i} sigmoid((s_j - s_i) / temperature)`` over real documents ``j``; the
    gain of a document with label ``r`` is ``2 ** r - 1`` and the discount
    ``1 / log2(1 + rank)``. The ideal DCG uses the exact ranks of the labels sorted in
    descending order. The loss is averaged over queries with at least one relevant
    document (0 when there is none).

    Args:
        temperature: Smoothness of the approximate rank; smaller is closer to the true rank.
    """

    def __init__(self, temperature: float = 1.0) -> None:
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = temperature

    def __call__(self, scores: Tensor, targets: Tensor, mask: Tensor | None = None) -> Tensor:
        check_same_shape(scores, targets)
        mask = resolve_mask(scores, mask)
        scores = scores.masked_fill(~mask, 0.0)
        gains = torch.pow(2.0, targets.masked_fill(~mask, 0.0).to(scores.dtype)) - 1.0
        # [q, i, j]: probability that document j ranks above document i, for real j != i.
        above = torch.sigmoid((scores[:, None, :] - scores[:, :, None]) / self.temperature)
        diagonal = torch.eye(scores.shape[1], dtype=torch.bool, device=scores.device)
        others = mask[:, None, :] & ~diagonal
        ranks = 1.0 + (above * others).sum(dim=-1)
        dcg = (gains / torch.log2(1.0 + ranks)).sum(dim=-1)
        ideal_gains = gains.sort(dim=-1, descending=True).values
        ideal_ranks = torch.arange(1, scores.shape[1] + 1, device=scores.device)
        idcg = (ideal_gains / torch.log2(1.0 + ideal_ranks)).sum(dim=-1)
        judged = idcg > 0
        ndcg = dcg[judged] / idcg[judged]
        return (1.0 - ndcg).sum() / judged.sum().clamp(min=1)
