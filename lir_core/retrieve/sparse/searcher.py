"""Searches the exact inverted index: each query reads only its own terms' posting lists."""

from __future__ import annotations

from pathlib import Path

import torch

from lir_core.retrieve.base import Searcher
from lir_core.retrieve.sparse.config import SparseIndexConfig, SparseSearchConfig
from lir_core.retrieve.sparse.indexer import INVERTED_INDEX_ARRAYS
from lir_core.retrieve.sparse.inverted_index import InvertedIndex
from lir_core.retrieve.sparse.ragged import top_k
from lir_core.retrieve.sparse.records import SparseQueries
from lir_core.retrieve.sparse.storage import load_arrays


class SparseSearcher(Searcher):
    """Term-at-a-time search of a ``SparseIndexConfig`` index.

    Args:
        index_dir: The index folder.
        config: Search settings (``k`` is taken per call; see ``SparseSearchConfig``).
        mmap: Memory-map the posting arrays.
        verify: Check the files' checksums when opening.
    """

    index_type = SparseIndexConfig.index_type

    def __init__(
        self, index_dir: str | Path, config: SparseSearchConfig | None = None, mmap: bool = True, verify: bool = True
    ) -> None:
        stored = load_arrays(index_dir, self.index_type, INVERTED_INDEX_ARRAYS, mmap=mmap, verify=verify)
        self.manifest = stored.manifest
        self.index = InvertedIndex(**stored.arrays)
        self.config = config or SparseSearchConfig()

    def search_embeddings(
        self, query_embeddings: torch.Tensor, query_mask: torch.Tensor | None = None, k: int | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k documents for pooled sparse query vectors ``[Q, 1, vocab]``.

        ``query_mask`` is not needed (one vector per query). Returns fewer than ``k``
        documents when fewer share a term with the query (none for an all-zero query).
        """
        return self.search_sparse(SparseQueries.from_embeddings(query_embeddings, self.index.vocab_size), k)

    def search_sparse(self, queries: SparseQueries, k: int | None = None) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k document ids and dot-product scores per query, best first."""
        k = self.config.k if k is None else k
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if queries.vocab_size != self.index.vocab_size:
            raise ValueError(f"queries use {queries.vocab_size} dimensions, the index {self.index.vocab_size}")
        doc_ids: list[list[str]] = []
        scores: list[list[float]] = []
        for position in range(len(queries)):
            term_ids, weights = queries.row(position)
            ordinals, values = self.index.score(term_ids, weights, self.config.max_postings_per_term)
            ordinals, values = top_k(ordinals, values, k)
            doc_ids.append(self.index.doc_ids[ordinals].tolist())
            scores.append(values.tolist())
        return doc_ids, scores
