"""monoT5 / RankT5: an encoder-decoder scores a pair through its first decoder step.

monoT5 ("mono") reads the log-probability of "true" against "false" at the first decoder
position; RankT5 ("rank") reads the raw logit of one token (``<extra_id_10>``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn
from transformers import AutoModelForSeq2SeqLM, BatchEncoding, PreTrainedModel

from lir_core.cross_encoder.model import CrossEncoderModel
from lir_core.model_configs import MonoT5Config


class MonoT5Model(CrossEncoderModel):
    """Encoder-decoder cross-encoder scoring with decoder token logits."""

    config_class: ClassVar[type[MonoT5Config]] = MonoT5Config
    config: MonoT5Config
    backbone_auto_class: ClassVar[Any] = AutoModelForSeq2SeqLM
    # Encoder-decoder only: the checkpoints of other model types here (bi-encoders,
    # sentence-transformers folders) are encoders, refused with a TypeError naming their type.
    builds_on_any_backbone: ClassVar[bool] = False

    def __init__(self, config: MonoT5Config, backbone: PreTrainedModel) -> None:
        super().__init__(config, backbone)
        vocab_size = backbone.config.vocab_size
        for name in ("false_token_id", "true_token_id"):
            if not 0 <= getattr(config, name) < vocab_size:
                raise ValueError(
                    f"MonoT5Config.{name}={getattr(config, name)} is outside the backbone's "
                    f"vocabulary of {vocab_size} tokens"
                )

    def _make_linear(self) -> nn.Linear | None:
        return None

    def pool(self, encoding: BatchEncoding | dict[str, torch.Tensor]) -> torch.Tensor:
        """Logits of (false, true) tokens at the first decoder step, shape ``[pairs, 2]``."""
        input_ids = encoding["input_ids"]
        start = self.backbone.config.decoder_start_token_id or 0
        decoder_input_ids = torch.full((input_ids.shape[0], 1), start, dtype=torch.long, device=input_ids.device)
        logits = self.backbone(
            input_ids=input_ids, attention_mask=encoding["attention_mask"], decoder_input_ids=decoder_input_ids
        ).logits[:, 0]
        return logits[:, [self.config.false_token_id, self.config.true_token_id]]

    def head(self, pooled: torch.Tensor, num_docs: list[int] | None = None) -> torch.Tensor:
        """monoT5: log P(true); RankT5: the raw logit of the ranking token."""
        if self.config.scoring_strategy == "mono":
            return torch.log_softmax(pooled.float(), dim=-1)[:, 1]
        return pooled[:, 1]
