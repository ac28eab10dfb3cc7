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
from lir_core.retrieve.sparse.storage import load_arrays, save_arrays

EXHAUSTIVE_ARRAYS = ("vectors", "offsets", "doc_ids")


class ExhaustiveMaxSimIndexer(Indexer):
    """Stores all token vectors (no compression) for exact MaxSim search."""

    config_class: ClassVar[type[IndexConfig]] = ExhaustiveMaxSimIndexConfig

    def build_from_docs(
        self,
        shards: Iterable[MultiVectorDocs],
        index_dir: str | Path,
        config: ExhaustiveMaxSimIndexConfig,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        """Concatenate in-memory shards and write the index folder atomically.

        Args:
            shards: Token vectors, one record per shard.
            index_dir: Target folder (replaced on success).
            config: Index config.
            source: What the vectors came from (model, shards), kept in the manifest.
        """
        collection = TokenCollection.from_docs(shards)
        collection.vectors = collection.vectors.astype(config.dtype, copy=False)
        facts = {"num_docs": len(collection.doc_ids), "num_tokens": len(collection.vectors),
                 "dim": int(collection.vectors.shape[1])}
        save_arrays(index_dir, {name: getattr(collection, name) for name in EXHAUSTIVE_ARRAYS}, config, facts, source)

    def build(self, shards_dir: Path, index_dir: Path, config: IndexConfig) -> None:
        """Index the multi-vector shards in ``shards_dir`` (see :mod:`lir_core.retrieve.shards`)."""
        from lir_core.retrieve.plaid.shards import read_multivector_shards

        if not isinstance(config, ExhaustiveMaxSimIndexConfig):
            raise TypeError(f"ExhaustiveMaxSimIndexer needs an ExhaustiveMaxSimIndexConfig, got {type(config).__name__}")
        shards, source = read_multivector_shards(shards_dir)
        self.build_from_docs(shards, index_dir, config, source)


class ExhaustiveMaxSimSearcher(Searcher):
    """Exact MaxSim top-k over all documents, in memory-bounded blocks.

    Args:
        index_dir: The index folder.
        config: Search settings (``k`` per call).
        mmap: Memory-map the token vectors.
        verify: Check the files' checksums when opening.
    """

    index_type = ExhaustiveMaxSimIndexConfig.index_type

    def __init__(
        self,
        index_dir: str | Path,
        config: ExhaustiveMaxSimSearchConfig | None = None,
        mmap: bool = True,
        verify: bool = True,
    ) -> None:
        stored = load_arrays(index_dir, self.index_type, EXHAUSTIVE_ARRAYS, mmap=mmap, verify=verify)
        self.manifest = stored.manifest
        self.collection = TokenCollection(**stored.arrays)
        self.dim = int(stored.facts["dim"])
        self.config = config or ExhaustiveMaxSimSearchConfig()

    def search_embeddings(
        self, query_embeddings: torch.Tensor, query_mask: torch.Tensor | None = None, k: int | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Top ``min(k, num_docs)`` documents by exact MaxSim for ``[Q, tokens, dim]`` queries + mask."""
        return self.search_tokens(QueryTokens.from_embeddings(query_embeddings, query_mask, self.dim), k)

    def search_tokens(self, queries: QueryTokens, k: int | None = None) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k document ids and MaxSim scores per query, best first."""
        k = self.config.k if k is None else k
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        doc_ids: list[list[str]] = []
        scores: list[list[float]] = []
        batch = self.config.query_batch_size
        for start in range(0, len(queries), batch):
            end = min(start + batch, len(queries))
            offsets = queries.offsets[start : end + 1]
            part = QueryTokens(offsets - offsets[0], queries.vectors[offsets[0] : offsets[-1]])
            ordinals, values = exhaustive_maxsim_top_k(
                part, self.collection.vectors, self.collection.offsets, k, self.config.block_elements
            )
            doc_ids.extend(self.collection.doc_ids[row].tolist() for row in ordinals)
            scores.extend(np.asarray(row, dtype=np.float64).tolist() for row in values)
        return doc_ids, scores
