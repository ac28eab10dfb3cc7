"""Listwise cross-encoder in the style of the Set-Encoder (Schlatt et al., 2025).

Each (query, passage) pair is encoded by the backbone; the pooled pair vectors of one query
then attend to each other through a transformer layer without position embeddings, so one
pass scores the whole list and the scores are permutation-equivariant: shuffling the list
shuffles the scores the same way. (The original Set-Encoder routes this inter-passage
attention through the backbone's own layers; the list-interaction layer here keeps any
HuggingFace encoder usable unchanged.)
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn
from transformers import PreTrainedModel

from lir_core.cross_encoder.model import CrossEncoderModel
from lir_core.model_configs import SetEncoderConfig


class SetEncoderModel(CrossEncoderModel):
    """Listwise cross-encoder model: all passages of a query are scored in one pass."""

    config_class: ClassVar[type[SetEncoderConfig]] = SetEncoderConfig
    config: SetEncoderConfig
    listwise: ClassVar[bool] = True

    def __init__(self, config: SetEncoderConfig, backbone: PreTrainedModel) -> None:
        super().__init__(config, backbone)
        hidden = self.hidden_size
        if hidden % config.interaction_heads:
            raise ValueError(
                f"interaction_heads={config.interaction_heads} does not divide the backbone's "
                f"hidden size {hidden}"
            )
        layer = nn.TransformerEncoderLayer(
            d_model=hidden, nhead=config.interaction_heads, dim_feedforward=2 * hidden,
            batch_first=True, norm_first=True,
        )
        self.interaction = nn.TransformerEncoder(layer, num_layers=config.interaction_layers,
                                                 enable_nested_tensor=False)

    def head(self, pooled: torch.Tensor, num_docs: list[int] | None = None) -> torch.Tensor:
        """Let each query's pooled pair vectors attend to each other, then score them."""
        if num_docs is None:
            num_docs = [pooled.shape[0]]
        if sum(num_docs) != pooled.shape[0]:
            raise ValueError(f"num_docs {num_docs} does not match {pooled.shape[0]} pairs")
        groups = torch.split(pooled, num_docs)
        padded = nn.utils.rnn.pad_sequence(list(groups), batch_first=True)
        lengths = torch.tensor(num_docs, device=pooled.device)
        padding_mask = torch.arange(padded.shape[1], device=pooled.device)[None, :] >= lengths[:, None]
        mixed = self.interaction(padded, src_key_padding_mask=padding_mask)
        return super().head(mixed[~padding_mask], None)
