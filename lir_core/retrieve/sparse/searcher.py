"""Searches the exact inverted index: each query reads only its own terms' posting lists."""

from __future__ import annotations

import numpy as np
import torch

from lir_core.retrieve.base import Searcher
from lir_core.retrieve.search import clamp_k
from lir_core.retrieve.sparse.config import SparseIndexConfig, SparseSearchConfig
from lir_core.retrieve.sparse.indexer import INVERTED_INDEX_ARRAYS
from lir_core.retrieve.sparse.inverted_index import InvertedIndex
from lir_core.retrieve.sparse.ragged import top_k
from lir_core.retrieve.sparse.records import SparseQueries
from lir_core.retrieve.sparse.storage import StoredIndex

# Queries scored together are limited so that their score matrix has at most this many
# entries (8 bytes each).
SCORE_BLOCK_ELEMENTS = 2**22


class SparseSearcher(Searcher):
    """Term-at-a-time search of a ``SparseIndexConfig`` index (arguments: see :class:`Searcher`;
    ``search_config`` is a ``SparseSearchConfig``, ``mmap`` maps the posting arrays)."""

    index_type = SparseIndexConfig.index_type
    search_config_class = SparseSearchConfig
    index_arrays = INVERTED_INDEX_ARRAYS
    dim_fact = "vocab_size"
    search_config: SparseSearchConfig

    def open(self, stored: StoredIndex) -> None:
        self.index = InvertedIndex(**stored.arrays)

    def search_embeddings(
        self, query_embeddings: torch.Tensor, query_mask: torch.Tensor | None = None, k: int | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k documents for pooled sparse query vectors ``[Q, 1, vocab]``.

        ``query_mask`` is not needed (one vector per query). Only documents that share a
        term with a query are returned, so fewer than ``k`` (none for an all-zero query).

        Raises:
            ValueError: On no queries, another vocabulary size than the index's, or negative
                weights.
        """
        return self.search_sparse(SparseQueries.from_embeddings(query_embeddings, self.index.vocab_size), k)

    def search_sparse(self, queries: SparseQueries, k: int | None = None) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k document ids and dot-product scores per query, best first."""
        k = clamp_k(self.search_config.k if k is None else k, self.index.num_docs)
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if queries.vocab_size != self.index.vocab_size:
            raise ValueError(f"queries use {queries.vocab_size} dimensions, the index {self.index.vocab_size}")
        doc_ids: list[list[str]] = []
        scores: list[list[float]] = []
        batch = max(1, SCORE_BLOCK_ELEMENTS // self.index.num_docs)
        for start in range(0, len(queries), batch):
            block = self.index.score(queries.slice(start, min(start + batch, len(queries))),
                                     self.search_config.max_postings_per_term)
            for row in block:
                ordinals, values = top_k(*matched(row), k)
                doc_ids.append(self.index.doc_ids[ordinals].tolist())
                scores.append(values.tolist())
        return doc_ids, scores


def matched(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Documents with a positive score (those sharing a term with the query) and their scores."""
    ordinals = np.flatnonzero(scores > 0)
    return ordinals, scores[ordinals]
