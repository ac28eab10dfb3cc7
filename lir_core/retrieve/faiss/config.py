"""Configurations of faiss indexes (one per index family) and of faiss search.

Every index compares vectors by inner product; for models whose similarity is cosine the
indexer and the searcher L2-normalise vectors first, so that inner product equals cosine.
Index structures are built by faiss' ``index_factory`` from a description string.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from lir_core.retrieve.base import IndexConfig, SearchConfig

if TYPE_CHECKING:
    import faiss


@dataclass
class FaissSearchConfig(SearchConfig):
    """How to search a faiss index.

    Args:
        k: Documents per query; more than the collection holds is clamped with a warning.
        n_probe: Inverted lists visited per query (IVF indexes; at most the number of lists).
        ef_search: Candidate list size of the graph search (HNSW indexes; at least ``k`` is used).
    """

    n_probe: int = 32
    ef_search: int = 64

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_probe < 1 or self.ef_search < 1:
            raise ValueError(f"{type(self).__name__}: n_probe and ef_search must be >= 1")



@dataclass
class FaissIndexConfig(IndexConfig, ABC):
    """Base of the faiss index configurations."""

    search_config_class: ClassVar[type[SearchConfig]] = FaissSearchConfig

    @abstractmethod
    def factory_string(self, num_docs: int, dim: int) -> str:
        """The ``faiss.index_factory`` description of the index for a collection."""

    def new_index(self, num_docs: int, dim: int) -> faiss.Index:
        """An empty inner-product index for ``num_docs`` vectors of width ``dim``."""
        import faiss  # here, not at the top: params are checked against these configs without faiss

        return faiss.index_factory(dim, self.factory_string(num_docs, dim), faiss.METRIC_INNER_PRODUCT)


@dataclass
class FaissFlatIndexConfig(FaissIndexConfig):
    """Exact search over all vectors (``IndexFlatIP``)."""

    index_type = "faiss-flat"

    def factory_string(self, num_docs: int, dim: int) -> str:
        return "Flat"


@dataclass
class FaissHNSWIndexConfig(FaissIndexConfig):
    """Hierarchical navigable small-world graph over full vectors (``HNSW{m}``).

    Args:
        m: Neighbours per node.
        ef_construction: Candidate list size while building the graph.
    """

    index_type = "faiss-hnsw"

    m: int = 32
    ef_construction: int = 40

    def __post_init__(self) -> None:
        if self.m < 2 or self.ef_construction < 1:
            raise ValueError(f"{type(self).__name__}: m must be >= 2 and ef_construction >= 1")

    def factory_string(self, num_docs: int, dim: int) -> str:
        return f"HNSW{self.m}"

    def new_index(self, num_docs: int, dim: int) -> faiss.Index:
        index = super().new_index(num_docs, dim)
        index.hnsw.efConstruction = self.ef_construction
        return index


@dataclass
class FaissTrainedIndexConfig(FaissIndexConfig, ABC):
    """Base of indexes that learn centroids or codebooks from a sample of the collection.

    Args:
        train_size: Vectors sampled (uniformly over the collection, seeded) for training;
            None: 256 per k-means cluster, the most faiss' k-means uses anyway.
        seed: Seed of that sample.
    """

    train_size: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.train_size is not None and self.train_size < 1:
            raise ValueError(f"{type(self).__name__}.train_size must be >= 1, got {self.train_size}")

    @abstractmethod
    def clusters(self, num_docs: int) -> int:
        """The largest number of k-means clusters that training fits."""

    def sample_size(self, num_docs: int) -> int:
        """Vectors to train on.

        Raises:
            ValueError: If the collection has fewer documents than training needs clusters.
        """
        clusters = self.clusters(num_docs)
        if num_docs < clusters:
            raise ValueError(
                f"{type(self).__name__}: training needs at least {clusters} documents, the collection has {num_docs}"
            )
        return min(num_docs, self.train_size or 256 * clusters)


def default_num_centroids(num_docs: int) -> int:
    """faiss' rule of thumb of ``4 * sqrt(N)`` inverted lists, at most ``N / 39`` so that
    each centroid gets the 39 training points faiss asks for."""
    return max(1, min(round(4 * math.sqrt(num_docs)), num_docs // 39))


@dataclass
class FaissIVFIndexConfig(FaissTrainedIndexConfig):
    """Inverted file over k-means centroids, lists holding full vectors (``IVF{n},Flat``).

    Args:
        num_centroids: Number of inverted lists; None: :func:`default_num_centroids`.
    """

    index_type = "faiss-ivf"

    num_centroids: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.num_centroids is not None and self.num_centroids < 1:
            raise ValueError(f"{type(self).__name__}.num_centroids must be >= 1, got {self.num_centroids}")

    def centroids(self, num_docs: int) -> int:
        """Inverted lists for a collection of ``num_docs``."""
        return self.num_centroids or default_num_centroids(num_docs)

    def clusters(self, num_docs: int) -> int:
        return self.centroids(num_docs)

    def factory_string(self, num_docs: int, dim: int) -> str:
        return f"IVF{self.centroids(num_docs)},Flat"


@dataclass
class FaissPQIndexConfig(FaissTrainedIndexConfig):
    """Product quantisation: each vector stored as ``num_subquantizers`` codes of ``n_bits`` (``PQ{m}x{b}``).

    Args:
        num_subquantizers: Sub-vectors per vector; must divide the dimension.
        n_bits: Bits per code (each sub-quantizer has ``2**n_bits`` centroids).
    """

    index_type = "faiss-pq"

    num_subquantizers: int = 16
    n_bits: int = 8

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.num_subquantizers < 1 or not 1 <= self.n_bits <= 16:
            raise ValueError(
                f"{type(self).__name__}: num_subquantizers must be >= 1 and n_bits in [1, 16], "
                f"got {self.num_subquantizers} and {self.n_bits}"
            )

    def check_dim(self, dim: int) -> None:
        """Raise a ValueError unless ``num_subquantizers`` divides ``dim``."""
        if dim % self.num_subquantizers:
            raise ValueError(
                f"{type(self).__name__}: num_subquantizers={self.num_subquantizers} must divide the dimension {dim}"
            )

    def clusters(self, num_docs: int) -> int:
        return 2**self.n_bits

    def factory_string(self, num_docs: int, dim: int) -> str:
        self.check_dim(dim)
        return f"PQ{self.num_subquantizers}x{self.n_bits}"

    def new_index(self, num_docs: int, dim: int) -> faiss.Index:
        index = super().new_index(num_docs, dim)
        # The factory turns on polysemous training, which only serves Hamming-filtered search
        # (not used here) and is the slowest part of training.
        index.do_polysemous_training = False
        return index


@dataclass
class FaissIVFPQIndexConfig(FaissIVFIndexConfig, FaissPQIndexConfig):
    """Inverted file whose lists hold PQ codes of the residuals (``IVF{n},PQ{m}x{b}``).

    Args:
        num_centroids: Number of inverted lists; None: :func:`default_num_centroids`.
        num_subquantizers: Sub-vectors per vector; must divide the dimension.
        n_bits: Bits per code.
    """

    index_type = "faiss-ivfpq"

    def clusters(self, num_docs: int) -> int:
        return max(self.centroids(num_docs), 2**self.n_bits)

    def factory_string(self, num_docs: int, dim: int) -> str:
        self.check_dim(dim)
        return f"IVF{self.centroids(num_docs)},PQ{self.num_subquantizers}x{self.n_bits}"
