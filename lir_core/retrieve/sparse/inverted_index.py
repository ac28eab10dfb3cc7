"""An impact-ordered inverted index over learned-sparse vectors, as CSR numpy arrays.

Postings of term ``t`` are ``doc_ordinals/weights[term_offsets[t]:term_offsets[t + 1]]``,
sorted by descending weight (impact order) so that a search can stop early on a term by
reading only its first postings. A query reads only the posting lists of its own terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from lir_core.retrieve.sparse.ragged import ragged_arange
from lir_core.retrieve.sparse.records import SparseDocs, SparseQueries, stack_docs


@dataclass
class InvertedIndex:
    """Term-major postings with the documents' ids.

    Attributes:
        term_offsets: ``[vocab_size + 1]`` int64 posting-list boundaries.
        doc_ordinals: ``[nnz]`` int32 document positions (into ``doc_ids``).
        weights: ``[nnz]`` float32 document term weights, descending within each list.
        doc_ids: ``[num_docs]`` document ids (numpy unicode, memory-mappable).
    """

    term_offsets: np.ndarray
    doc_ordinals: np.ndarray
    weights: np.ndarray
    doc_ids: np.ndarray

    @property
    def vocab_size(self) -> int:
        """Number of terms (the encoder's vocabulary size)."""
        return len(self.term_offsets) - 1

    @property
    def num_docs(self) -> int:
        """Number of indexed documents."""
        return len(self.doc_ids)

    @property
    def num_postings(self) -> int:
        """Total postings (non-zero document weights)."""
        return len(self.doc_ordinals)

    @classmethod
    def from_docs(cls, shards: Iterable[SparseDocs], vocab_size: int) -> "InvertedIndex":
        """Invert sparse document vectors (all shards are held in memory while inverting).

        Zero weights are dropped; a term repeated within one document is summed.

        Raises:
            ValueError: If there are no documents, a term id is outside ``[0, vocab_size)``,
                or a weight is negative or not finite.
        """
        doc_ids, matrix = stack_docs(shards, vocab_size)
        # scipy transposes doc-major rows into term-major columns in C (a counting sort).
        columns = matrix.tocsc()
        term_of_posting = np.repeat(np.arange(vocab_size), np.diff(columns.indptr))
        impact_order = np.lexsort((-columns.data, term_of_posting))
        return cls(
            term_offsets=columns.indptr.astype(np.int64),
            doc_ordinals=columns.indices[impact_order].astype(np.int32),
            weights=columns.data[impact_order].astype(np.float32),
            doc_ids=np.array(doc_ids, dtype=str),
        )

    def postings_ranges(
        self, term_ids: np.ndarray, max_postings_per_term: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Start and end positions of the query terms' posting lists (optionally truncated)."""
        starts = self.term_offsets[term_ids]
        ends = self.term_offsets[term_ids + 1]
        if max_postings_per_term is not None:
            ends = np.minimum(ends, starts + max_postings_per_term)
        return starts, ends

    def score(
        self, queries: SparseQueries, max_postings_per_term: int | None = None
    ) -> np.ndarray:
        """Dot products ``[len(queries), num_docs]`` (float64) of sparse queries with every document.

        Only the postings of the queries' own terms are read: they are gathered into one flat
        array and accumulated per (query, document) with ``np.bincount`` (a C scatter-add), so
        a batch of queries costs one pass over their postings.

        Args:
            queries: The queries (unique term ids per query, non-negative weights).
            max_postings_per_term: Read at most this many (highest-impact) postings per
                term: faster, approximate. None reads all (exact dot products).
        """
        starts, ends = self.postings_ranges(queries.term_ids, max_postings_per_term)
        lengths = ends - starts
        positions = ragged_arange(starts, lengths)
        query_of_term = np.repeat(np.arange(len(queries)), np.diff(queries.offsets))
        keys = np.repeat(query_of_term * self.num_docs, lengths) + self.doc_ordinals[positions]
        contributions = self.weights[positions].astype(np.float64) * np.repeat(queries.weights, lengths)
        scores = np.bincount(keys, weights=contributions, minlength=len(queries) * self.num_docs)
        return scores.reshape(len(queries), self.num_docs)
