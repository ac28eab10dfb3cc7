"""Sparsity regularizers for learned sparse (SPLADE-style) embeddings."""

from __future__ import annotations

from torch import Tensor

from lir_core.loss.base import RegularizationLoss


class FLOPSRegularization(RegularizationLoss):
    """FLOPS regularizer (Paria et al., 2020; used by SPLADE, Formal et al., 2021).

    ``sum_j (mean_i |w_ij|) ** 2`` over vocabulary terms ``j`` and batch rows ``i``: it
    penalises terms that are active for many inputs, which cost most in an inverted index.
    """

    def penalty(self, embeddings: Tensor) -> Tensor:
        return embeddings.abs().mean(dim=0).pow(2).sum()


class L1Regularization(RegularizationLoss):
    """L1 regularizer: ``mean_i sum_j |w_ij|``, the mean L1 norm of the batch embeddings."""

    def penalty(self, embeddings: Tensor) -> Tensor:
        return embeddings.abs().sum(dim=1).mean()
