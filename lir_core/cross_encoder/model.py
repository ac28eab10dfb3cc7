"""Cross-encoder model: scores a query and a document encoded together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn
from transformers import BatchEncoding, PreTrainedModel

from lir_core.base.model import LightningIRModel
from lir_core.cross_encoder.config import CrossEncoderConfig


@dataclass
class CrossEncoderOutput:
    """Scores of query-document pairs.

    Attributes:
        scores: One score per pair, shape ``[num_pairs]``.
        embeddings: The pooled pair representations, shape ``[num_pairs, hidden]``.
    """

    scores: torch.Tensor
    embeddings: torch.Tensor | None = None


class CrossEncoderModel(LightningIRModel):
    """Pointwise cross-encoder: pooled pair representation -> linear head -> score.

    ``from_pretrained`` builds one on any encoder checkpoint: a plain HuggingFace folder, a
    sentence-transformers folder or a saved bi-encoder gives its backbone, the scoring head
    is new (default ``CrossEncoderConfig``, or the config passed), and a warning names the
    newly initialized weights, as HuggingFace does.
    """

    config_class: ClassVar[type[CrossEncoderConfig]] = CrossEncoderConfig
    builds_on_any_backbone: ClassVar[bool] = True
    config: CrossEncoderConfig

    def __init__(self, config: CrossEncoderConfig, backbone: PreTrainedModel) -> None:
        super().__init__(config, backbone)
        self.linear = self._make_linear()

    def _make_linear(self) -> nn.Linear | None:
        """The scoring head (None for models that score with the backbone's own head)."""
        return nn.Linear(self.hidden_size, self.config.num_logits, bias=self.config.linear_bias)

    def pool(self, encoding: BatchEncoding | dict[str, torch.Tensor]) -> torch.Tensor:
        """Encode pairs and pool them into one vector each."""
        inputs = {k: v for k, v in encoding.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        states = self.backbone(**inputs).last_hidden_state
        if self.config.pooling_strategy == "first":
            return states[:, 0]
        mask = encoding["attention_mask"].unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    def head(self, pooled: torch.Tensor, num_docs: list[int] | None = None) -> torch.Tensor:
        """Turn pooled pair vectors into one score per pair."""
        logits = self.linear(pooled)
        if self.config.scoring_strategy == "mono":
            return torch.log_softmax(logits.float(), dim=-1)[:, 1]
        return logits[:, 0]

    def forward(
        self, encoding: BatchEncoding | dict[str, torch.Tensor], num_docs: list[int] | None = None
    ) -> CrossEncoderOutput:
        """Score tokenized pairs; ``num_docs`` groups consecutive pairs by query."""
        pooled = self.pool(encoding)
        return CrossEncoderOutput(self.head(pooled, num_docs), pooled)
