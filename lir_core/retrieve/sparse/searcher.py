"""Searches the exact inverted index: each query reads only its own terms' posting lists."""

from __future__ import annotations

import numpy as np
import torch

from lir_core.retrieve.base import Searcher
from lir_core.retrieve.search import clamp_k
from lir_core.retrieve.sparse.config import SparseIndexConfig, SparseSearchConfig
from lir_core.retrieve.sparse.indexer import INVERTED_INDEX_ARRAYS
from lir_core.retrieve.sparse.inverted_index import InvertedIndex
from lir_core.retrieve.sparse.ragged import top_k_of_many
from lir_core.retrieve.sparse.records import SparseQueries
from lir_core.retrieve.sparse.storage import StoredIndex

# Queries scored together are limited so that their postings number at most this (a query
# with more postings is scored alone): the memory of a search follows the postings it reads,
# about 50 bytes each (positions, document keys, float64 contributions and sums).
BLOCK_POSTINGS = 2**20


class SparseSearcher(Searcher):
    """Term-at-a-time search of a ``SparseIndexConfig`` index (arguments: see :class:`Searcher`;
    ``search_config`` is a ``SparseSearchConfig``, ``mmap`` maps the posting arrays).

    Queries are scored in blocks of at most ``BLOCK_POSTINGS`` postings, each block's scores
    kept only for the documents its postings touch (:meth:`InvertedIndex.score_matched`):
    memory and time follow the postings read, not the collection size.
    """

    index_type = SparseIndexConfig.index_type
    index_arrays = INVERTED_INDEX_ARRAYS
    dim_fact = "vocab_size"
    search_config: SparseSearchConfig

    def open(self, stored: StoredIndex) -> None:
        # Plain ndarray views of the (memory-mapped) arrays: numpy.memmap's subclass hooks cost
        # microseconds on each slice of a posting list.
        self.index = InvertedIndex(**{name: np.asarray(array) for name, array in stored.arrays.items()})

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
        limit = self.search_config.max_postings_per_term
        for start, end in query_blocks(self.index.postings_per_query(queries, limit), BLOCK_POSTINGS):
            matched = self.index.score_matched(queries.slice(start, end), limit)
            for position in range(end - start):
                ordinals, values = top_k_of_many(*matched.row(position), k)
                doc_ids.append(self.index.doc_ids[ordinals].tolist())
                scores.append(values.tolist())
        return doc_ids, scores


def query_blocks(postings: np.ndarray, max_postings: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` query ranges with at most ``max_postings`` postings each
    (a query with more is a block of its own)."""
    if len(postings) == 0:
        return []
    blocks, start, total = [], 0, 0
    for position, count in enumerate(postings.tolist()):
        if position > start and total + count > max_postings:
            blocks.append((start, position))
            start, total = position, 0
        total += count
    blocks.append((start, len(postings)))
    return blocks
