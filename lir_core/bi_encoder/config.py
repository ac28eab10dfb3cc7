"""Configuration of bi-encoders: single-vector, multi-vector and learned-sparse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from lir_core.base.config import LightningIRConfig

PoolingStrategy = Literal["first", "mean", "max", "sum"]
SimilarityFunction = Literal["dot", "cosine"]
Sparsification = Literal["relu", "relu_log"]
Projection = Literal["linear", "linear_no_bias", "mlm"]
DocEncoder = Literal["shared", "separate", "frozen"]

POOLING_STRATEGIES = ("first", "mean", "max", "sum")


@dataclass
class BiEncoderConfig(LightningIRConfig):
    """How a bi-encoder turns contextualised token embeddings into query/doc representations.

    Args:
        query_pooling_strategy: Pool query tokens into one vector ("first", "mean", "max",
            "sum") or keep every token (None: multi-vector, late interaction).
        doc_pooling_strategy: The same for documents.
        similarity_function: "dot" or "cosine" between (token) vectors.
        embedding_dim: Output width. With ``projection="linear"``/``"linear_no_bias"`` a
            linear layer maps the hidden size to it; None keeps the hidden size.
        projection: "linear", "linear_no_bias", "mlm" (the backbone's masked-LM head, giving
            vocabulary-sized vectors) or None. If None and ``embedding_dim`` is set, "linear".
        sparsification: Activation that makes vectors sparse: "relu" or "relu_log"
            (log(1 + relu(x)), SPLADE).
        normalize: L2-normalise every output vector.
        query_expansion: Pad queries to ``query_length`` with [MASK] tokens (ColBERT).
        attend_to_query_expanded_tokens: Let other tokens attend to the [MASK] expansion.
        add_marker_tokens: Insert query/doc marker tokens after the first token (ColBERT).
        query_marker_token: Marker for queries (BERT's ``[unused0]`` as in ColBERTv2).
        doc_marker_token: Marker for documents.
        doc_mask_scoring_tokens: "punctuation" drops punctuation tokens of documents from
            late-interaction scoring (ColBERT's skiplist); None keeps all.
        sparse_prune_top_k: When exporting sparse vectors to an index, keep the k largest
            weights per vector (None: keep all).
        sparse_prune_threshold: ... and drop weights below this value.
        doc_encoder: "shared" (one backbone for queries and documents), "separate" (a second
            backbone for documents, trained too: DPR's two encoders) or "frozen" (a second
            backbone for documents that training leaves as loaded: query-side fine-tuning,
            so an index built with the base model stays valid). Both separate kinds start
            from the same weights unless the saved folder has its own ``doc_encoder/``.
    """

    model_type: ClassVar[str] = "bi-encoder"

    query_pooling_strategy: PoolingStrategy | None = "mean"
    doc_pooling_strategy: PoolingStrategy | None = "mean"
    similarity_function: SimilarityFunction = "dot"
    embedding_dim: int | None = None
    projection: Projection | None = None
    sparsification: Sparsification | None = None
    normalize: bool = False
    query_expansion: bool = False
    attend_to_query_expanded_tokens: bool = True
    add_marker_tokens: bool = False
    query_marker_token: str = "[unused0]"
    doc_marker_token: str = "[unused1]"
    doc_mask_scoring_tokens: Literal["punctuation"] | None = None
    sparse_prune_top_k: int | None = None
    sparse_prune_threshold: float = 0.0
    doc_encoder: DocEncoder = "shared"

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("query_pooling_strategy", "doc_pooling_strategy"):
            value = getattr(self, name)
            if value is not None and value not in POOLING_STRATEGIES:
                raise ValueError(
                    f"{type(self).__name__}.{name}: unknown pooling {value!r}; "
                    f"choose one of {POOLING_STRATEGIES} or None"
                )
        if self.similarity_function not in ("dot", "cosine"):
            raise ValueError(
                f"{type(self).__name__}.similarity_function: unknown {self.similarity_function!r}; "
                "choose 'dot' or 'cosine'"
            )
        if self.projection is None and self.embedding_dim is not None:
            self.projection = "linear"
        if self.projection not in (None, "linear", "linear_no_bias", "mlm"):
            raise ValueError(f"{type(self).__name__}.projection: unknown {self.projection!r}")
        if self.projection in ("linear", "linear_no_bias") and self.embedding_dim is None:
            raise ValueError(f"{type(self).__name__}: projection {self.projection!r} needs embedding_dim")
        if self.sparsification not in (None, "relu", "relu_log"):
            raise ValueError(f"{type(self).__name__}.sparsification: unknown {self.sparsification!r}")
        if self.doc_encoder not in ("shared", "separate", "frozen"):
            raise ValueError(
                f"{type(self).__name__}.doc_encoder: unknown {self.doc_encoder!r}; "
                "choose 'shared', 'separate' or 'frozen'"
            )
        if self.doc_encoder == "frozen" and self.projection in ("linear", "linear_no_bias"):
            raise ValueError(
                f"{type(self).__name__}: doc_encoder 'frozen' needs a model without a linear projection "
                "(the projection is shared by queries and documents, so training it changes documents too)"
            )
        if self.sparse_prune_top_k is not None and self.sparse_prune_top_k < 1:
            raise ValueError(f"{type(self).__name__}.sparse_prune_top_k must be >= 1")

    @property
    def is_multi_vector(self) -> bool:
        """True when queries or documents keep one vector per token."""
        return self.query_pooling_strategy is None or self.doc_pooling_strategy is None

    @property
    def is_sparse(self) -> bool:
        """True for vocabulary-sized sparse vectors (SPLADE)."""
        return self.projection == "mlm" and self.sparsification is not None
