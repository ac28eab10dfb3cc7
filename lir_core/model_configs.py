"""The model configs of the concrete architectures, apart from the models (which need torch and
transformers): a params file, a saved ``lir_config.json`` or a hub id resolves to one of these by
name (:data:`lir_core.classes.MODEL_CONFIGS`) without loading the models' code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from lir_core.bi_encoder.config import BiEncoderConfig, PoolingStrategy, Projection, Sparsification
from lir_core.cross_encoder.config import CrossEncoderConfig, ScoringStrategy


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


@dataclass
class SpladeConfig(BiEncoderConfig):
    """SPLADE defaults: vocabulary-sized vectors from the masked-LM head, max pooling."""

    model_type: ClassVar[str] = "splade"

    query_length: int = 32
    doc_length: int = 256
    query_pooling_strategy: PoolingStrategy = "max"
    doc_pooling_strategy: PoolingStrategy = "max"
    projection: Projection | None = "mlm"
    sparsification: Sparsification | None = "relu_log"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.projection != "mlm" or self.sparsification is None:
            raise ValueError("SpladeConfig needs projection='mlm' and a sparsification")


@dataclass
class MonoConfig(CrossEncoderConfig):
    """Pointwise cross-encoder: [CLS] pooling and a linear head ("rank": 1 logit,
    "mono": 2 logits)."""

    model_type: ClassVar[str] = "mono"


@dataclass
class MonoT5Config(CrossEncoderConfig):
    """monoT5/RankT5 scoring.

    Args:
        false_token_id: Vocabulary id of "▁false" (6136 in T5's vocabulary).
        true_token_id: Vocabulary id of "▁true" (1176); RankT5 scores with this id
            set to ``<extra_id_10>`` (32089).
    """

    model_type: ClassVar[str] = "mono-t5"

    query_length: int = 64
    doc_length: int = 448
    scoring_strategy: ScoringStrategy = "mono"
    pair_template: str | None = "Query: {query} Document: {doc} Relevant:"
    false_token_id: int = 6136
    true_token_id: int = 1176


@dataclass
class SetEncoderConfig(CrossEncoderConfig):
    """Listwise cross-encoder.

    Args:
        interaction_layers: Transformer layers in which a query's passages attend to each other.
        interaction_heads: Attention heads of those layers (must divide the hidden size).
    """

    model_type: ClassVar[str] = "set-encoder"

    interaction_layers: int = 1
    interaction_heads: int = 4

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.interaction_layers < 1 or self.interaction_heads < 1:
            raise ValueError("SetEncoderConfig: interaction_layers and interaction_heads must be >= 1")
