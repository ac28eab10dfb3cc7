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

# Search accumulates a block of queries' scores in a dense ``[queries x num_docs]`` array only
# while it has at most this many entries per posting read (8 bytes each): then the array costs
# no more memory than the gathered postings do, and filling and scanning it is cheaper than
# sorting the postings' document keys.
DENSE_SCORES_PER_POSTING = 8
# Posting lists are gathered slice by slice when the query terms' lists hold at least this many
# postings on average (fewer: by one fancy index over all their positions).
SLICE_GATHER_MIN_MEAN_POSTINGS = 64


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
        del matrix  # each copy of the postings costs 8-12 bytes per posting at the peak
        term_of_posting = np.repeat(np.arange(vocab_size, dtype=np.int32), np.diff(columns.indptr))
        impact_order = np.lexsort((-columns.data, term_of_posting))
        del term_of_posting
        return cls(
            term_offsets=columns.indptr.astype(np.int64),
            doc_ordinals=columns.indices[impact_order].astype(np.int32, copy=False),
            weights=columns.data[impact_order].astype(np.float32, copy=False),
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

    def _gather(
        self, queries: SparseQueries, max_postings_per_term: int | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The queries' postings, flat in (query, query term, posting) order.

        Returns:
            ``lengths`` (postings read per query term), ``ordinals`` (their documents) and
            ``contributions`` (float64 query weight x document weight).
        """
        starts, ends = self.postings_ranges(queries.term_ids, max_postings_per_term)
        lengths = ends - starts
        total = int(lengths.sum())
        if len(lengths) and total >= SLICE_GATHER_MIN_MEAN_POSTINGS * len(lengths):
            # Long lists: copy each as one slice (a memcpy) and scale it by its query weight in
            # place, instead of indexing every position and repeating the weights per posting.
            ordinals = np.empty(total, dtype=self.doc_ordinals.dtype)
            contributions = np.empty(total, dtype=np.float64)
            position = 0
            for start, end, weight in zip(starts.tolist(), ends.tolist(), queries.weights.tolist()):
                stop = position + end - start
                ordinals[position:stop] = self.doc_ordinals[start:end]
                # float64 x float64, as below (a float32 loop would round the products differently)
                np.multiply(self.weights[start:end], weight, out=contributions[position:stop], dtype=np.float64)
                position = stop
            return lengths, ordinals, contributions
        positions = ragged_arange(starts, lengths)
        weights, ordinals = self.weights[positions], self.doc_ordinals[positions]
        contributions = weights.astype(np.float64) * np.repeat(queries.weights, lengths)
        return lengths, ordinals, contributions

    def score(
        self, queries: SparseQueries, max_postings_per_term: int | None = None
    ) -> np.ndarray:
        """Dot products ``[len(queries), num_docs]`` (float64) of sparse queries with every document.

        Only the postings of the queries' own terms are read: they are gathered into one flat
        array and accumulated per (query, document) with ``np.bincount`` (a C scatter-add), so
        a batch of queries costs one pass over their postings. The result is dense (8 bytes
        per query and document): for small collections and tests. Search uses
        :meth:`score_matched`, whose memory follows the postings read instead.

        Args:
            queries: The queries (unique term ids per query, non-negative weights).
            max_postings_per_term: Read at most this many (highest-impact) postings per
                term: faster, approximate. None reads all (exact dot products).
        """
        lengths, ordinals, contributions = self._gather(queries, max_postings_per_term)
        query_of_term = np.repeat(np.arange(len(queries)), np.diff(queries.offsets))
        keys = np.repeat(query_of_term * self.num_docs, lengths) + ordinals
        scores = np.bincount(keys, weights=contributions, minlength=len(queries) * self.num_docs)
        return scores.reshape(len(queries), self.num_docs)

    def postings_per_query(self, queries: SparseQueries, max_postings_per_term: int | None = None) -> np.ndarray:
        """``[len(queries)]`` int64: postings a search reads for each query."""
        starts, ends = self.postings_ranges(queries.term_ids, max_postings_per_term)
        query_of_term = np.repeat(np.arange(len(queries)), np.diff(queries.offsets))
        return np.bincount(query_of_term, weights=ends - starts, minlength=len(queries)).astype(np.int64)

    def score_matched(
        self, queries: SparseQueries, max_postings_per_term: int | None = None
    ) -> "MatchedScores":
        """The documents with a positive dot product per query, and their scores.

        Equal to ``score`` restricted to its positive entries, bit for bit: each document's
        contributions are summed in float64 in the same order (query term, then posting).
        Memory and time follow the ``P`` postings read, not the collection: the postings'
        (query, document) keys are accumulated into a dense ``[queries x num_docs]`` array
        only where that array is no larger than ``DENSE_SCORES_PER_POSTING * P`` entries
        (then a C scatter-add over it is the fastest way), and otherwise into one slot per
        distinct key (found by sorting the keys: ``O(P log P)``, nothing per document).

        Args:
            queries: As for :meth:`score`.
            max_postings_per_term: As for :meth:`score`.
        """
        num_queries, num_docs = len(queries), self.num_docs
        lengths, ordinals, contributions = self._gather(queries, max_postings_per_term)
        if num_queries == 1:
            keys = ordinals  # int32: sorted faster than int64 keys
        else:
            query_of_term = np.repeat(np.arange(num_queries, dtype=np.int64), np.diff(queries.offsets))
            keys = np.repeat(query_of_term * num_docs, lengths) + ordinals
        if num_queries * num_docs <= DENSE_SCORES_PER_POSTING * len(keys):
            dense = np.bincount(keys, weights=contributions, minlength=num_queries * num_docs)
            matched_keys = np.flatnonzero(dense > 0)
            sums = dense[matched_keys]
        else:
            distinct, slot = np.unique(keys, return_inverse=True)
            sums = np.bincount(slot.reshape(-1), weights=contributions, minlength=len(distinct))
            positive = sums > 0
            matched_keys, sums = distinct[positive], sums[positive]
        if num_queries == 1:  # the keys are the ordinals (a search of one query at a time)
            return MatchedScores(np.array([0, len(matched_keys)], dtype=np.int64), matched_keys, sums)
        query_of_match = matched_keys // num_docs
        offsets = np.zeros(num_queries + 1, dtype=np.int64)
        np.cumsum(np.bincount(query_of_match, minlength=num_queries), out=offsets[1:])
        return MatchedScores(offsets, matched_keys - query_of_match * num_docs, sums)


@dataclass
class MatchedScores:
    """Per query, the documents it matches (positive score), in ascending ordinal order.

    Query ``i`` matched ``ordinals/scores[offsets[i]:offsets[i + 1]]``.
    """

    offsets: np.ndarray
    ordinals: np.ndarray
    scores: np.ndarray

    def row(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Ordinals and float64 scores of query ``index``."""
        rows = slice(self.offsets[index], self.offsets[index + 1])
        return self.ordinals[rows], self.scores[rows]
