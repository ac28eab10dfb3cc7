"""Multi-vector (token-level) embeddings as flat arrays: per-shard documents and queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from lir_core.bi_encoder.model import BiEncoderEmbedding
from lir_core.retrieve.sparse.records import check_unique_doc_ids


@dataclass
class MultiVectorDocs:
    """Token vectors of one shard's documents (``doc_id, vectors, num_tokens`` shard rows).

    Attributes:
        doc_ids: One id per document.
        num_tokens: ``[len(doc_ids)]`` scoring tokens per document (each >= 1).
        vectors: ``[sum(num_tokens), dim]`` float32 token vectors, documents in order.
    """

    doc_ids: list[str]
    num_tokens: np.ndarray
    vectors: np.ndarray

    def __post_init__(self) -> None:
        self.num_tokens = np.asarray(self.num_tokens, dtype=np.int64)
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        if self.vectors.ndim != 2:
            raise ValueError(f"vectors must be [tokens, dim], got shape {self.vectors.shape}")
        if len(self.num_tokens) != len(self.doc_ids) or int(self.num_tokens.sum()) != len(self.vectors):
            raise ValueError(
                f"{len(self.doc_ids)} doc ids, {len(self.num_tokens)} token counts summing to "
                f"{int(self.num_tokens.sum())}, but {len(self.vectors)} vectors"
            )
        if len(self.num_tokens) and self.num_tokens.min() < 1:
            empty = self.doc_ids[int(np.argmin(self.num_tokens))]
            raise ValueError(f"document {empty!r} has no scoring tokens")

    def __len__(self) -> int:
        return len(self.doc_ids)

    @property
    def dim(self) -> int:
        """Width of the token vectors."""
        return int(self.vectors.shape[1])

    @classmethod
    def from_embedding(cls, doc_ids: list[str], embedding: BiEncoderEmbedding) -> "MultiVectorDocs":
        """Keep the scoring tokens (``scoring_mask``) of padded document embeddings."""
        mask = embedding.scoring_mask.cpu()
        vectors = embedding.embeddings.detach().float().cpu()[mask]
        return cls(doc_ids, mask.sum(dim=1).numpy(), vectors.numpy())


@dataclass
class TokenCollection:
    """All documents' token vectors concatenated; document ``i`` owns rows ``offsets[i]:offsets[i+1]``."""

    doc_ids: np.ndarray
    offsets: np.ndarray
    vectors: np.ndarray

    @classmethod
    def from_docs(cls, shards: Iterable[MultiVectorDocs]) -> "TokenCollection":
        """Concatenate shards (held in memory).

        Raises:
            ValueError: If there are no documents, a doc id repeats, or the shards'
                dimensions differ.
        """
        shards = list(shards)
        if not shards or not sum(len(shard) for shard in shards):
            raise ValueError("no documents to index")
        dims = {shard.dim for shard in shards}
        if len(dims) != 1:
            raise ValueError(f"shards hold vectors of different dimensions {sorted(dims)}")
        num_tokens = np.concatenate([shard.num_tokens for shard in shards])
        doc_ids = np.array([doc_id for shard in shards for doc_id in shard.doc_ids], dtype=str)
        check_unique_doc_ids(doc_ids)
        return cls(
            doc_ids=doc_ids,
            offsets=np.concatenate([[0], np.cumsum(num_tokens)]).astype(np.int64),
            vectors=np.concatenate([shard.vectors for shard in shards]),
        )


@dataclass
class QueryTokens:
    """Scoring token vectors of encoded queries; query ``i`` owns rows ``offsets[i]:offsets[i+1]``."""

    offsets: np.ndarray
    vectors: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def query(self, index: int) -> np.ndarray:
        """Token vectors ``[tokens, dim]`` of query ``index``."""
        return self.vectors[self.offsets[index] : self.offsets[index + 1]]

    @classmethod
    def from_embeddings(
        cls, embeddings: torch.Tensor, mask: torch.Tensor | None, dim: int, normalize: bool = False
    ) -> "QueryTokens":
        """Validate padded query embeddings ``[Q, tokens, dim]`` + scoring mask against an index.

        ``normalize`` L2-normalises the token vectors (indexes of cosine-similarity encoders).

        Raises:
            ValueError: On no queries, a query without scoring tokens, or vectors of another
                dimension than the index's (a model other than the one that built it).
        """
        if embeddings.dim() != 3 or embeddings.shape[0] == 0:
            raise ValueError(f"no queries to search (query embeddings of shape {tuple(embeddings.shape)})")
        if embeddings.shape[2] != dim:
            raise ValueError(
                f"query vectors have {embeddings.shape[2]} dimensions but the index holds {dim}-d vectors: "
                "encode queries with the model that encoded the documents"
            )
        vectors = embeddings.detach().float().cpu().numpy()
        mask_array = np.ones(vectors.shape[:2], dtype=bool) if mask is None else mask.detach().cpu().numpy().astype(bool)
        if mask_array.shape != vectors.shape[:2]:
            raise ValueError(f"query mask of shape {mask_array.shape} does not fit embeddings {vectors.shape}")
        counts = mask_array.sum(axis=1)
        if not counts.all():
            raise ValueError(f"query {int(np.argmin(counts))} has no scoring tokens")
        tokens = vectors[mask_array]
        if normalize:
            tokens /= np.maximum(np.linalg.norm(tokens, axis=1, keepdims=True), 1e-12)
        return cls(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), tokens)
