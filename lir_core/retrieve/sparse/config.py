"""Configurations of learned-sparse indexes: the exact inverted index and Seismic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lir_core.retrieve.base import IndexConfig, SearchConfig


@dataclass
class SparseSearchConfig(SearchConfig):
    """Search of a ``SparseIndexConfig`` index.

    Documents that share no term with a query are not retrieved (their score is 0), so a
    query returns ``min(k, documents matching a query term)`` results.

    Args:
        k: Documents per query.
        max_postings_per_term: Impact-ordered early termination: read at most this many
            highest-weight postings of each query term (approximate, faster). None (the
            default) reads all postings, so scores are exact dot products.
    """

    max_postings_per_term: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_postings_per_term is not None and self.max_postings_per_term < 1:
            raise ValueError(f"max_postings_per_term must be >= 1 or None, got {self.max_postings_per_term}")


@dataclass
class SparseIndexConfig(IndexConfig):
    """An impact-ordered inverted index (numpy CSR arrays, memory-mappable).

    Args:
        vocab_size: Dimensionality of the sparse vectors (the encoder's vocabulary size);
            None takes it from the shards (their manifest's ``embedding_dim``) or from the
            caller of ``build_from_docs``.
    """

    index_type: ClassVar[str] = "sparse-inverted"
    search_config_class: ClassVar[type[SearchConfig]] = SparseSearchConfig

    vocab_size: int | None = None

    def __post_init__(self) -> None:
        if self.vocab_size is not None and self.vocab_size < 1:
            raise ValueError(f"SparseIndexConfig.vocab_size must be >= 1, got {self.vocab_size}")


@dataclass
class SeismicSearchConfig(SearchConfig):
    """Search of a Seismic index.

    Args:
        k: Documents per query.
        query_cut: Query terms used (highest weights first).
        heap_factor: Skip a block when its summary score is below this fraction of the
            current k-th best score (1.0 is the most aggressive).
    """

    query_cut: int = 10
    heap_factor: float = 0.7

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.query_cut < 1 or not 0.0 < self.heap_factor <= 1.0:
            raise ValueError("SeismicSearchConfig needs query_cut >= 1 and 0 < heap_factor <= 1")



@dataclass
class SeismicIndexConfig(IndexConfig):
    """An approximate Seismic index (``pyseismic-lsr``); defaults are Seismic's.

    Args:
        vocab_size: As for ``SparseIndexConfig``.
        n_postings: Average postings kept per term (static pruning).
        centroid_fraction: Fraction of a posting list's documents used as cluster centroids.
        min_cluster_size: Minimum documents per block.
        summary_energy: Fraction of a block's weight mass kept in its summary vector.
        max_fraction: Cap on a list's postings, as a multiple of ``n_postings``.
        doc_cut: Terms per document used to cluster posting lists.
    """

    index_type: ClassVar[str] = "sparse-seismic"
    search_config_class: ClassVar[type[SearchConfig]] = SeismicSearchConfig

    vocab_size: int | None = None
    n_postings: int = 3500
    centroid_fraction: float = 0.1
    min_cluster_size: int = 2
    summary_energy: float = 0.4
    max_fraction: float = 1.5
    doc_cut: int = 15
