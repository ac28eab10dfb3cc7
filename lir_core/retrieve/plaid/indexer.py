"""Builds PLAID indexes (``PlaidIndexConfig``) from multi-vector document shards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from lir_core.retrieve.base import IndexConfig, Indexer
from lir_core.retrieve.plaid.config import PlaidIndexConfig
from lir_core.retrieve.plaid.exhaustive import multi_vector_facts
from lir_core.retrieve.plaid.plaid_index import PlaidIndex
from lir_core.retrieve.plaid.records import MultiVectorDocs
from lir_core.retrieve.plaid.shards import open_multi_vector_shards
from lir_core.retrieve.sparse.storage import save_arrays


class PlaidIndexer(Indexer):
    """Trains centroids and residual buckets, compresses all tokens, writes the index folder."""

    config_class: ClassVar[type[IndexConfig]] = PlaidIndexConfig

    def build_from_docs(
        self,
        shards: Iterable[MultiVectorDocs],
        index_dir: str | Path,
        config: PlaidIndexConfig,
        encoder: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> PlaidIndex:
        """Build from a re-iterable of shards (read three times) and write it atomically.

        Args:
            shards: Token vectors, one record per shard (a list or a re-iterable reader).
            index_dir: Target folder (replaced on success).
            config: Index config.
            encoder: Fingerprint of the encoder of the vectors, checked at search.
            inputs: Identity of the inputs (shards), kept in the manifest.

        Returns:
            The built index (in memory).
        """
        index = PlaidIndex.build(shards, config)
        facts = {
            **multi_vector_facts(index.num_docs, index.num_tokens, index.codec.dim, encoder),
            "num_centroids": index.codec.num_centroids,
            "n_bits": index.codec.n_bits,
            "normalize": index.codec.normalize,
        }
        save_arrays(index_dir, index.arrays(), config, facts, encoder, inputs)
        return index

    def build(self, shards_dir: Path, index_dir: Path, config: IndexConfig) -> None:
        """Index the multi-vector shards in ``shards_dir`` (see :mod:`lir_core.retrieve.shards`).

        Raises:
            TypeError: If ``config`` is not a ``PlaidIndexConfig``.
            ValueError: If the shards are not multi-vector, are corrupt, or are too few.
        """
        self.check_config(config)
        shards = open_multi_vector_shards(shards_dir, "PLAID")
        self.build_from_docs(shards, index_dir, config, shards.encoder, shards.inputs)
