"""Builds the exact inverted index (``SparseIndexConfig``) from sparse document vectors."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from lir_core.retrieve.base import IndexConfig, Indexer
from lir_core.retrieve.sparse.config import SparseIndexConfig
from lir_core.retrieve.sparse.inverted_index import InvertedIndex
from lir_core.retrieve.sparse.records import SparseDocs
from lir_core.retrieve.sparse.shards import open_sparse_shards
from lir_core.retrieve.sparse.storage import save_arrays

INVERTED_INDEX_ARRAYS = ("term_offsets", "doc_ordinals", "weights", "doc_ids")


def resolve_vocab_size(config_value: int | None, given: int | None) -> int:
    """The vocabulary size from the config or the caller (shards); they must agree."""
    if config_value is not None and given is not None and config_value != given:
        raise ValueError(f"index config says vocab_size={config_value} but the vectors have {given} dimensions")
    vocab_size = config_value if config_value is not None else given
    if vocab_size is None:
        raise ValueError("vocab_size is unknown: set it in the index config or pass it with the documents")
    return vocab_size


class SparseShardsIndexer(Indexer):
    """An indexer of sparse shards: :meth:`build` opens them and hands them to ``build_from_docs``."""

    family_name: ClassVar[str]  # in error messages about the shards

    def build(self, shards_dir: Path, index_dir: Path, config: IndexConfig) -> None:
        """Index the sparse shards in ``shards_dir`` (see :mod:`lir_core.retrieve.shards`).

        Raises:
            TypeError: If ``config`` is not this indexer's ``config_class``.
            ValueError: If the shards are not sparse, are corrupt, or disagree with the config.
        """
        self.check_config(config)
        shards = open_sparse_shards(shards_dir, self.family_name)
        self.build_from_docs(shards, index_dir, config, shards.dim, shards.encoder, shards.inputs)

    @abstractmethod
    def build_from_docs(self, shards: Iterable[SparseDocs], index_dir: str | Path, config: Any,
                        vocab_size: int | None = None, encoder: Mapping[str, Any] | None = None,
                        inputs: Mapping[str, Any] | None = None) -> Any:
        """Index in-memory shards and write the index folder atomically."""


class SparseIndexer(SparseShardsIndexer):
    """Inverts learned-sparse document vectors into an impact-ordered index folder."""

    family_name = "sparse inverted"

    config_class: ClassVar[type[IndexConfig]] = SparseIndexConfig

    def build_from_docs(
        self,
        shards: Iterable[SparseDocs],
        index_dir: str | Path,
        config: SparseIndexConfig,
        vocab_size: int | None = None,
        encoder: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> InvertedIndex:
        """Invert in-memory shards and write the index folder atomically.

        Args:
            shards: Sparse document vectors, one record per shard.
            index_dir: Target folder (replaced on success).
            config: Index config.
            vocab_size: Dimensionality of the vectors if ``config.vocab_size`` is None.
            encoder: Fingerprint of the encoder of the vectors, checked at search.
            inputs: Identity of the inputs (shards), kept in the manifest.

        Returns:
            The built index (in memory).
        """
        vocab_size = resolve_vocab_size(config.vocab_size, vocab_size)
        index = InvertedIndex.from_docs(shards, vocab_size)
        facts = {"num_docs": index.num_docs, "vocab_size": vocab_size, "num_postings": index.num_postings}
        arrays = {name: getattr(index, name) for name in INVERTED_INDEX_ARRAYS}
        save_arrays(index_dir, arrays, config, facts, encoder, inputs)
        return index
