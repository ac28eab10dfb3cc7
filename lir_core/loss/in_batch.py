"""In-batch negatives: each query against every document of the batch."""

from __future__ import annotations

from torch import Tensor
from torch.nn import functional as F

from lir_core.loss.base import InBatchLoss


class InBatchCrossEntropy(InBatchLoss):
    """InfoNCE with in-batch negatives: softmax cross-entropy over all batch documents.

    ``scores[q, c]`` is the score of query ``q`` against document column ``c`` of the whole
    batch, ``[num_queries, num_batch_docs]``; ``positive_columns[q]`` is the column of
    ``q``'s positive. Every other real column (other queries' positives and negatives
    included) is a negative. For the usual layout, where each query brings ``n`` documents
    with its positive first and all documents are concatenated query by query, the
    positive columns are ``torch.arange(num_queries) * n``. The loss is
    ``-log(exp(s_qp) / sum_c exp(s_qc))`` averaged over queries.

    Args:
        scale: Multiplies the scores before the softmax (an inverse temperature; 20 for cosine
            scores, as sentence-transformers' ``MultipleNegativesRankingLoss``).
    """

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        self.scale = scale

    def __call__(
        self, scores: Tensor, positive_columns: Tensor, mask: Tensor | None = None
    ) -> Tensor:
        if scores.dim() != 2 or positive_columns.shape != (scores.shape[0],):
            raise ValueError(
                "scores must be [num_queries, num_batch_docs] and positive_columns "
                f"[num_queries], got {tuple(scores.shape)} and {tuple(positive_columns.shape)}"
            )
        if mask is not None:
            mask = mask.expand_as(scores)
            if not mask.gather(1, positive_columns[:, None]).all():
                raise ValueError("every positive column must be a real document in mask")
            scores = scores.masked_fill(~mask, float("-inf"))
        return F.cross_entropy(scores * self.scale, positive_columns)
