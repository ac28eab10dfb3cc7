"""Multi-vector shards (:mod:`lir_core.retrieve.shards`) opened as input of an index build."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lir_core.retrieve.plaid.records import MultiVectorDocs
from lir_core.retrieve.shards import MultiVectorShard, ShardRecords
from lir_core.retrieve.sparse.shards import ShardInput, open_shards


def multi_vector_docs(shard: ShardRecords) -> MultiVectorDocs:
    """A multi-vector shard's records as ``MultiVectorDocs``."""
    if not isinstance(shard, MultiVectorShard):
        raise TypeError(f"expected a MultiVectorShard, got {type(shard).__name__}")
    return MultiVectorDocs(shard.doc_ids, shard.num_tokens, shard.vectors)


def normalized_multi_vector_docs(shard: ShardRecords) -> MultiVectorDocs:
    """As ``multi_vector_docs`` with L2-normalised token vectors (cosine-similarity encoders)."""
    docs = multi_vector_docs(shard)
    docs.vectors = docs.vectors / np.maximum(np.linalg.norm(docs.vectors, axis=1, keepdims=True), 1e-12)
    return docs


def open_multi_vector_shards(shards_dir: str | Path, index_name: str) -> ShardInput[MultiVectorDocs]:
    """Open multi-vector shards; for cosine-similarity encoders the vectors are normalised,
    so that dot products (what the indexes compute) equal cosine similarities.

    Raises:
        FileNotFoundError: If the folder has no manifest or lacks a shard.
        ValueError: If a shard is corrupt or the shards are not multi-vector.
    """
    shards = open_shards(shards_dir, "multi-vector", multi_vector_docs, index_name)
    if shards.encoder.get("similarity_function") == "cosine":
        shards.convert = normalized_multi_vector_docs
    return shards
