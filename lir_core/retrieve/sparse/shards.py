"""Encoded shards (:mod:`lir_core.retrieve.shards`) opened as input of an index build."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from lir_core.artifacts import MANIFEST_NAME, sha256_file
from lir_core.retrieve.shards import EmbeddingKind, ShardRecords, ShardSet, SparseShard
from lir_core.retrieve.sparse.records import SparseDocs

Records = TypeVar("Records")


@dataclass
class ShardInput(Generic[Records]):
    """Re-iterable index input: every iteration reads the shards again, one at a time.

    Attributes:
        shard_set: The opened (checksum-verified) shard folder.
        convert: Turns a shard's records into the index family's input records.
    """

    shard_set: ShardSet
    convert: Callable[[ShardRecords], Records]

    def __iter__(self) -> Iterator[Records]:
        for shard in self.shard_set.iter_batches():
            yield self.convert(shard)

    @property
    def dim(self) -> int:
        """Vector width (vocabulary size for sparse shards)."""
        return self.shard_set.dim

    @property
    def encoder(self) -> dict[str, Any]:
        """The encoder fingerprint recorded by the shards."""
        return self.shard_set.producer

    @property
    def inputs(self) -> dict[str, Any]:
        """Identity of the input for the index manifest."""
        directory = self.shard_set.directory
        return {"shards_dir": str(directory), "shards_manifest_sha256": sha256_file(directory / MANIFEST_NAME)}


def open_shards(
    shards_dir: str | Path, kind: EmbeddingKind, convert: Callable[[ShardRecords], Records], index_name: str
) -> ShardInput[Records]:
    """Open a shard folder of ``kind`` for an index build.

    Raises:
        FileNotFoundError: If the folder has no manifest or lacks a shard.
        ValueError: If a shard is corrupt or the shards hold another kind of vectors.
    """
    shard_set = ShardSet.load(shards_dir)
    if shard_set.kind != kind:
        raise ValueError(f"{shards_dir}: {index_name} indexes need {kind} shards, these are {shard_set.kind} shards")
    return ShardInput(shard_set, convert)


def sparse_docs(shard: ShardRecords) -> SparseDocs:
    """A sparse shard's CSR records as ``SparseDocs``."""
    if not isinstance(shard, SparseShard):
        raise TypeError(f"expected a SparseShard, got {type(shard).__name__}")
    return SparseDocs(shard.doc_ids, shard.offsets, shard.term_ids, shard.weights)


def open_sparse_shards(shards_dir: str | Path, index_name: str) -> ShardInput[SparseDocs]:
    """Open sparse shards as ``SparseDocs`` input (their models must score by dot product).

    Raises:
        ValueError: As ``open_shards``, or for a cosine-similarity encoder.
    """
    shards = open_shards(shards_dir, "sparse", sparse_docs, index_name)
    if shards.encoder.get("similarity_function", "dot") != "dot":
        raise ValueError(f"{shards_dir}: {index_name} indexes score dot products, the encoder uses cosine similarity")
    return shards
