"""Learned-sparse vectors as CSR arrays: per-shard document records and encoded queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse
import torch

from lir_core.bi_encoder.model import BiEncoderEmbedding


@dataclass
class SparseDocs:
    """Sparse document vectors of one shard, row ``i`` = ``term_ids/weights[offsets[i]:offsets[i+1]]``.

    This is the CSR view of a sparse shard (``doc_id, term_ids: list<int32>, weights:
    list<float32>``): ``offsets`` are the list offsets and ``term_ids``/``weights`` the
    flattened list values.

    Attributes:
        doc_ids: One id per document.
        offsets: ``[len(doc_ids) + 1]`` int64 row boundaries starting at 0.
        term_ids: ``[nnz]`` vocabulary ids.
        weights: ``[nnz]`` non-negative weights.
    """

    doc_ids: list[str]
    offsets: np.ndarray
    term_ids: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        self.offsets = np.asarray(self.offsets, dtype=np.int64)
        self.term_ids = np.asarray(self.term_ids, dtype=np.int64)
        self.weights = np.asarray(self.weights, dtype=np.float32)
        if len(self.offsets) != len(self.doc_ids) + 1 or self.offsets[0] != 0:
            raise ValueError(f"offsets must have len(doc_ids) + 1 = {len(self.doc_ids) + 1} entries starting at 0")
        if np.any(np.diff(self.offsets) < 0) or self.offsets[-1] != len(self.term_ids):
            raise ValueError("offsets must be non-decreasing and end at len(term_ids)")
        if len(self.weights) != len(self.term_ids):
            raise ValueError(f"{len(self.term_ids)} term ids but {len(self.weights)} weights")

    def __len__(self) -> int:
        return len(self.doc_ids)

    @classmethod
    def from_embedding(cls, doc_ids: list[str], embedding: BiEncoderEmbedding) -> "SparseDocs":
        """Keep the non-zero entries of pooled vocabulary-sized vectors ``[docs, 1, vocab]``."""
        return cls(doc_ids, *_dense_to_csr(embedding.embeddings, len(doc_ids)))


@dataclass
class SparseQueries:
    """Encoded queries as CSR rows (see ``SparseDocs``) with the vocabulary size they use."""

    offsets: np.ndarray
    term_ids: np.ndarray
    weights: np.ndarray
    vocab_size: int

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def row(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Term ids and weights of query ``index``."""
        start, end = self.offsets[index], self.offsets[index + 1]
        return self.term_ids[start:end], self.weights[start:end]

    def slice(self, start: int, end: int) -> "SparseQueries":
        """Queries ``start`` to ``end - 1``."""
        offsets = self.offsets[start : end + 1]
        rows = slice(offsets[0], offsets[-1])
        return SparseQueries(offsets - offsets[0], self.term_ids[rows], self.weights[rows], self.vocab_size)

    @classmethod
    def from_embeddings(cls, query_embeddings: torch.Tensor, vocab_size: int) -> "SparseQueries":
        """Validate pooled query vectors ``[Q, 1, vocab]`` (or ``[Q, vocab]``) against an index.

        Raises:
            ValueError: On no queries, multi-vector input, another vocabulary size than the
                index's (a model other than the one that built the index), or negative or
                non-finite weights.
        """
        if query_embeddings.dim() == 3:
            if query_embeddings.shape[1] != 1:
                raise ValueError(
                    f"sparse search needs one pooled vector per query, got {query_embeddings.shape[1]} per query"
                )
            query_embeddings = query_embeddings[:, 0]
        if query_embeddings.dim() != 2 or query_embeddings.shape[0] == 0:
            raise ValueError(f"no queries to search (query embeddings of shape {tuple(query_embeddings.shape)})")
        if query_embeddings.shape[1] != vocab_size:
            raise ValueError(
                f"queries have {query_embeddings.shape[1]} dimensions but the index was built for a vocabulary of "
                f"{vocab_size}: encode queries with the model that encoded the documents"
            )
        return cls(*_dense_to_csr(query_embeddings, query_embeddings.shape[0]), vocab_size=vocab_size)


def _dense_to_csr(vectors: torch.Tensor, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dense = vectors.detach().reshape(rows, -1).float().cpu().numpy()
    if not np.isfinite(dense).all() or (dense < 0).any():
        raise ValueError("learned-sparse weights must be finite and non-negative")
    rows_of_entries, term_ids = np.nonzero(dense)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows_of_entries, minlength=rows))]).astype(np.int64)
    return offsets, term_ids, dense[rows_of_entries, term_ids]


def stack_docs(shards: Iterable[SparseDocs], vocab_size: int) -> tuple[list[str], scipy.sparse.csr_array]:
    """All shards as one ``[num_docs, vocab_size]`` CSR matrix with sorted, summed, non-zero entries.

    Raises:
        ValueError: If there are no documents, a doc id repeats, a term id is outside
            ``[0, vocab_size)``, or a weight is negative or not finite.
    """
    doc_ids: list[str] = []
    rows: list[scipy.sparse.csr_array] = []
    for shard in shards:
        if len(shard.term_ids) and (shard.term_ids.min() < 0 or shard.term_ids.max() >= vocab_size):
            raise ValueError(f"term ids must lie in [0, {vocab_size}) (the encoder's vocabulary)")
        if not np.all(np.isfinite(shard.weights)) or np.any(shard.weights < 0):
            raise ValueError("learned-sparse weights must be finite and non-negative")
        doc_ids.extend(shard.doc_ids)
        rows.append(scipy.sparse.csr_array((shard.weights, shard.term_ids, shard.offsets), shape=(len(shard), vocab_size)))
    if not doc_ids:
        raise ValueError("no documents to index")
    check_unique_doc_ids(doc_ids)
    matrix = scipy.sparse.vstack(rows, format="csr")
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return doc_ids, matrix


def check_unique_doc_ids(doc_ids: list[str] | np.ndarray) -> None:
    """Raise ValueError naming a few ids that occur more than once."""
    unique, counts = np.unique(np.asarray(doc_ids, dtype=str), return_counts=True)
    if len(unique) != len(doc_ids):
        raise ValueError(f"doc ids occur more than once, e.g. {unique[counts > 1][:5].tolist()}")
