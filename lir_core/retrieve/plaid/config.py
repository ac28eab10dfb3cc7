"""Configurations of multi-vector (ColBERT) indexes: exhaustive MaxSim and PLAID."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

from lir_core.retrieve.base import IndexConfig, SearchConfig

VALID_N_BITS = (1, 2, 4, 8)  # bits per residual dimension that the codec packs


@dataclass
class ExhaustiveMaxSimSearchConfig(SearchConfig):
    """Search of an exhaustive MaxSim index; returns ``min(k, num_docs)`` documents.

    Args:
        k: Documents per query.
        block_elements: Largest query-token x doc-token similarity block computed at once
            (4 bytes each; bounds memory).
        query_batch_size: Queries scored together against each block of documents.
    """

    block_elements: int = 2**24
    query_batch_size: int = 32

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.block_elements < 1 or self.query_batch_size < 1:
            raise ValueError("block_elements and query_batch_size must be >= 1")


@dataclass
class ExhaustiveMaxSimIndexConfig(IndexConfig):
    """All token vectors as one array, searched by exact MaxSim against every document.

    Args:
        dtype: Storage type of the vectors; "float16" halves the index (scores then differ
            from float32 MaxSim by the rounding, ~1e-3).
    """

    index_type: ClassVar[str] = "maxsim-exhaustive"
    search_config_class: ClassVar[type[SearchConfig]] = ExhaustiveMaxSimSearchConfig

    dtype: Literal["float32", "float16"] = "float32"

    def __post_init__(self) -> None:
        if self.dtype not in ("float32", "float16"):
            raise ValueError(f"ExhaustiveMaxSimIndexConfig.dtype must be 'float32' or 'float16', got {self.dtype!r}")


@dataclass
class PlaidSearchConfig(SearchConfig):
    """PLAID search: candidate generation, pruned then full centroid interaction, exact re-scoring.

    Args:
        k: Documents per query.
        n_probe: Centroids probed per query token for candidate generation (PLAID's "ncells").
        centroid_score_threshold: Centroid pruning: in the first centroid-interaction stage
            only centroids scoring at least this with some query token count. None: no pruning.
        candidate_k: Documents kept by pruned centroid interaction (PLAID's "ndocs").
        exact_k: Documents kept by full centroid interaction and re-scored with decompressed
            vectors; None: ``candidate_k // 4`` (PLAID's choice). At least ``k`` are kept. The
            default 96 (not PLAID's 64) lifts SciFact recall of the exhaustive top 10 from 0.95
            to 0.97 with 8-bit residuals, for ~40% more re-scoring time.
    """

    n_probe: int = 2
    centroid_score_threshold: float | None = 0.5
    candidate_k: int = 256
    exact_k: int | None = 96

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_probe < 1 or self.candidate_k < 1 or (self.exact_k is not None and self.exact_k < 1):
            raise ValueError("n_probe, candidate_k and exact_k must be >= 1")

    def stage_sizes(self, k: int) -> tuple[int, int]:
        """(candidate_k, exact_k) for a search of ``k`` documents: each at least ``k``."""
        exact_k = max(k, self.exact_k if self.exact_k is not None else self.candidate_k // 4)
        return max(self.candidate_k, exact_k), exact_k



@dataclass
class PlaidIndexConfig(IndexConfig):
    """A PLAID index: centroid codes + ``n_bits`` residuals per token, and centroid -> docs lists.

    Args:
        num_centroids: k-means clusters; None uses ``default_num_centroids(num_tokens)``.
        n_bits: Bits per residual dimension (1, 2, 4 or 8). The default, 8, keeps exact
            re-scoring close to uncompressed MaxSim: on SciFact with MiniLM token vectors
            (bench/results/search.json) 2 bits, ColBERTv2's choice for MS MARCO, recall only
            88% of the exhaustive top 10 and 4 bits 93-95%; 8 bits, still a quarter of the
            float32 index, recall 97% at ~10x the speed of exhaustive MaxSim.
        kmeans_niters: k-means iterations (ColBERTv2's default is 4).
        kmeans_points_per_centroid: k-means trains on a uniform sample of at most this many
            token vectors per centroid.
        seed: Seed of the sample and of k-means.
    """

    index_type: ClassVar[str] = "plaid"
    search_config_class: ClassVar[type[SearchConfig]] = PlaidSearchConfig

    num_centroids: int | None = None
    n_bits: int = 8
    kmeans_niters: int = 4
    kmeans_points_per_centroid: int = 64
    seed: int = 12345

    def __post_init__(self) -> None:
        if self.n_bits not in VALID_N_BITS:
            raise ValueError(f"PlaidIndexConfig.n_bits must be one of {VALID_N_BITS}, got {self.n_bits}")
        if self.num_centroids is not None and self.num_centroids < 1:
            raise ValueError(f"PlaidIndexConfig.num_centroids must be >= 1, got {self.num_centroids}")
        if self.kmeans_niters < 1 or self.kmeans_points_per_centroid < 1:
            raise ValueError("kmeans_niters and kmeans_points_per_centroid must be >= 1")


def default_num_centroids(num_tokens: int) -> int:
    """``2 ** floor(log2(4 * sqrt(num_tokens)))``, at most ``num_tokens``.

    ColBERTv2 uses ``16 * sqrt`` with GPU k-means. On CPUs assigning every token to its
    centroid (``num_tokens x num_centroids`` dot products) dominates the build, so the default
    takes a quarter as many centroids; set ``num_centroids`` for ColBERTv2's count.
    """
    return min(num_tokens, 2 ** int(math.floor(math.log2(4 * math.sqrt(num_tokens)))))
