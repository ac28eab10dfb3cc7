"""Exact multi-vector retrieval: MaxSim of each query against every document's token vectors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from lir_core.retrieve.base import IndexConfig, Indexer, Searcher
from lir_core.retrieve.plaid.config import ExhaustiveMaxSimIndexConfig, ExhaustiveMaxSimSearchConfig
from lir_core.retrieve.plaid.maxsim import exhaustive_maxsim_top_k
from lir_core.retrieve.plaid.records import MultiVectorDocs, QueryTokens, TokenCollection
from lir_core.retrieve.plaid.shards import open_multi_vector_shards
from lir_core.retrieve.search import clamp_k
from lir_core.retrieve.sparse.storage import StoredIndex, save_arrays

EXHAUSTIVE_ARRAYS = ("vectors", "offsets", "doc_ids")


def multi_vector_facts(num_docs: int, num_tokens: int, dim: int, encoder: Mapping[str, Any] | None) -> dict[str, Any]:
    """Shape facts of a multi-vector index, with the similarity its queries need."""
    similarity = (encoder or {}).get("similarity_function", "dot")
    return {"num_docs": num_docs, "num_tokens": num_tokens, "dim": dim, "similarity_function": similarity}


class ExhaustiveMaxSimIndexer(Indexer):
    """Stores all token vectors (no compression) for exact MaxSim search."""

    config_class: ClassVar[type[IndexConfig]] = ExhaustiveMaxSimIndexConfig

    def build_from_docs(
        self,
        shards: Iterable[MultiVectorDocs],
        index_dir: str | Path,
        config: ExhaustiveMaxSimIndexConfig,
        encoder: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """Concatenate in-memory shards and write the index folder atomically.

        Args:
            shards: Token vectors, one record per shard.
            index_dir: Target folder (replaced on success).
            config: Index config.
            encoder: Fingerprint of the encoder of the vectors, checked at search.
            inputs: Identity of the inputs (shards), kept in the manifest.
        """
        collection = TokenCollection.from_docs(shards)
        collection.vectors = collection.vectors.astype(config.dtype, copy=False)
        facts = multi_vector_facts(len(collection.doc_ids), len(collection.vectors), collection.vectors.shape[1], encoder)
        arrays = {name: getattr(collection, name) for name in EXHAUSTIVE_ARRAYS}
        save_arrays(index_dir, arrays, config, facts, encoder, inputs)

    def build(self, shards_dir: Path, index_dir: Path, config: IndexConfig) -> None:
        """Index the multi-vector shards in ``shards_dir`` (see :mod:`lir_core.retrieve.shards`).

        Raises:
            TypeError: If ``config`` is not an ``ExhaustiveMaxSimIndexConfig``.
            ValueError: If the shards are not multi-vector or are corrupt.
        """
        if not isinstance(config, ExhaustiveMaxSimIndexConfig):
            raise TypeError(f"ExhaustiveMaxSimIndexer needs an ExhaustiveMaxSimIndexConfig, got {type(config).__name__}")
        shards = open_multi_vector_shards(shards_dir, "exhaustive MaxSim")
        self.build_from_docs(shards, index_dir, config, shards.encoder, shards.inputs)


class ExhaustiveMaxSimSearcher(Searcher):
    """Exact MaxSim top-k over all documents, in memory-bounded blocks (arguments: see
    :class:`Searcher`; ``search_config`` is an ``ExhaustiveMaxSimSearchConfig``, ``mmap`` maps
    the token vectors)."""

    index_type = ExhaustiveMaxSimIndexConfig.index_type
    index_arrays = EXHAUSTIVE_ARRAYS
    search_config: ExhaustiveMaxSimSearchConfig

    def open(self, stored: StoredIndex) -> None:
        self.dim = int(stored.facts["dim"])
        self.normalize_queries = stored.facts["similarity_function"] == "cosine"
        self.collection = TokenCollection(**stored.arrays)

    def search_embeddings(
        self, query_embeddings: torch.Tensor, query_mask: torch.Tensor | None = None, k: int | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Top ``min(k, num_docs)`` documents by exact MaxSim for ``[Q, tokens, dim]`` queries + mask.

        Raises:
            ValueError: On no queries, a query without scoring tokens, or another dimension.
        """
        queries = QueryTokens.from_embeddings(query_embeddings, query_mask, self.dim, self.normalize_queries)
        return self.search_tokens(queries, k)

    def search_tokens(self, queries: QueryTokens, k: int | None = None) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k document ids and MaxSim scores per query, best first."""
        k = clamp_k(self.search_config.k if k is None else k, len(self.collection.doc_ids))
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        doc_ids: list[list[str]] = []
        scores: list[list[float]] = []
        batch = self.search_config.query_batch_size
        for start in range(0, len(queries), batch):
            end = min(start + batch, len(queries))
            offsets = queries.offsets[start : end + 1]
            part = QueryTokens(offsets - offsets[0], queries.vectors[offsets[0] : offsets[-1]])
            ordinals, values = exhaustive_maxsim_top_k(
                part, self.collection.vectors, self.collection.offsets, k, self.search_config.block_elements
            )
            doc_ids.extend(self.collection.doc_ids[row].tolist() for row in ordinals)
            scores.extend(np.asarray(row, dtype=np.float64).tolist() for row in values)
        return doc_ids, scores
