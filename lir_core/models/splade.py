"""Learned-sparse bi-encoder (SPLADE): masked-LM logits -> log(1 + relu) -> max pooling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from lir_core.bi_encoder.model import BiEncoderModel
from lir_core.model_configs import SpladeConfig


@dataclass(frozen=True)
class SparseVector:
    """A pruned sparse vector: vocabulary ids and their weights, strongest first."""

    term_ids: torch.Tensor
    weights: torch.Tensor


class SpladeModel(BiEncoderModel):
    """Learned-sparse bi-encoder model."""

    config_class: ClassVar[type[SpladeConfig]] = SpladeConfig


def prune_sparse(vectors: torch.Tensor, top_k: int | None = None, threshold: float = 0.0) -> list[SparseVector]:
    """Keep the non-zero (``> threshold``) and at most ``top_k`` strongest weights per row.

    Args:
        vectors: ``[batch, vocab]`` (or ``[batch, 1, vocab]``) non-negative weights.
        top_k: Maximum terms per vector (None: no limit).
        threshold: Weights ``<= threshold`` are dropped.

    Returns:
        One ``SparseVector`` per row, weights in descending order.
    """
    if vectors.dim() == 3:
        vectors = vectors.squeeze(1)
    result: list[SparseVector] = []
    for row in vectors:
        term_ids = torch.nonzero(row > threshold, as_tuple=True)[0]
        weights = row[term_ids]
        order = torch.argsort(weights, descending=True)
        if top_k is not None:
            order = order[:top_k]
        result.append(SparseVector(term_ids[order], weights[order]))
    return result
