"""Multi-vector bi-encoder (ColBERT): token vectors compared by MaxSim late interaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from lir_core.bi_encoder.config import BiEncoderConfig, PoolingStrategy, Projection
from lir_core.bi_encoder.model import BiEncoderModel


@dataclass
class ColConfig(BiEncoderConfig):
    """ColBERT defaults: 128-d normalised token vectors, [MASK] query expansion to
    ``query_length``, [Q]/[D] markers, punctuation masked from document scoring."""

    model_type: ClassVar[str] = "col"

    query_length: int = 32
    doc_length: int = 180
    query_pooling_strategy: PoolingStrategy | None = None
    doc_pooling_strategy: PoolingStrategy | None = None
    embedding_dim: int | None = 128
    projection: Projection | None = "linear_no_bias"
    normalize: bool = True
    query_expansion: bool = True
    add_marker_tokens: bool = True
    doc_mask_scoring_tokens: Literal["punctuation"] | None = "punctuation"


class ColModel(BiEncoderModel):
    """Multi-vector bi-encoder model."""

    config_class: ClassVar[type[ColConfig]] = ColConfig
