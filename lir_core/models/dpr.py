"""Single-vector bi-encoder (DPR / SBERT): one pooled vector per query and document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lir_core.bi_encoder.config import BiEncoderConfig, PoolingStrategy
from lir_core.bi_encoder.model import BiEncoderModel


@dataclass
class DprConfig(BiEncoderConfig):
    """Single-vector bi-encoder: [CLS] (DPR) or mean (SBERT) pooling, dot or cosine."""

    model_type: ClassVar[str] = "dpr"

    query_pooling_strategy: PoolingStrategy = "first"
    doc_pooling_strategy: PoolingStrategy = "first"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.query_pooling_strategy is None or self.doc_pooling_strategy is None:
            raise ValueError("DprConfig is single-vector: pooling strategies cannot be None (use ColConfig)")


class DprModel(BiEncoderModel):
    """Single-vector bi-encoder model."""

    config_class: ClassVar[type[DprConfig]] = DprConfig
