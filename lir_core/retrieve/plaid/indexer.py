"""Builds PLAID indexes (``PlaidIndexConfig``) from multi-vector document shards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from lir_core.retrieve.base import IndexConfig, Indexer
from lir_core.retrieve.plaid.config import PlaidIndexConfig
from lir_core.retrieve.plaid.plaid_index import PlaidIndex
from lir_core.retrieve.plaid.records import MultiVectorDocs
from lir_core.retrieve.sparse.storage import save_arrays


class PlaidIndexer(Indexer):
    """Trains centroids and residual buckets, compresses all tokens, writes the index folder."""

    config_class: ClassVar[type[IndexConfig]] = PlaidIndexConfig

    def build_from_docs(
        self,
        shards: Iterable[MultiVectorDocs],
        index_dir: str | Path,
        config: PlaidIndexConfig,
        source: Mapping[str, Any] | None = None,
    ) -> PlaidIndex:
        """Build from a re-iterable of shards (read three times) and write it atomically.

        Args:
            shards: Token vectors, one record per shard (a list or a re-iterable reader).
            index_dir: Target folder (replaced on success).
            config: Index config.
            source: What the vectors came from (model, shards), kept in the manifest.

        Returns:
            The built index (in memory).
        """
        index = PlaidIndex.build(shards, config)
        facts = {
            "num_docs": index.num_docs,
            "num_tokens": index.num_tokens,
            "dim": index.codec.dim,
            "num_centroids": index.codec.num_centroids,
            "n_bits": index.codec.n_bits,
            "normalize": index.codec.normalize,
        }
        save_arrays(index_dir, index.arrays(), config, facts, source)
        return index

    def build(self, shards_dir: Path, index_dir: Path, config: IndexConfig) -> None:
        """Index the multi-vector shards in ``shards_dir`` (see :mod:`lir_core.retrieve.shards`)."""
        from lir_core.retrieve.plaid.shards import read_multivector_shards

        if not isinstance(config, PlaidIndexConfig):
            raise TypeError(f"PlaidIndexer needs a PlaidIndexConfig, got {type(config).__name__}")
        shards, source = read_multivector_shards(shards_dir)
        self.build_from_docs(shards, index_dir, config, source)
