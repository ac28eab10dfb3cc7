"""Build faiss indexes from dense shards, one shard at a time.

An index folder holds ``index.faiss`` (faiss' own format), ``doc_ids.parquet`` (the doc id
of each faiss row, in row order) and ``manifest.json`` whose ``kind`` is the config's
``index_type`` and whose producer records the encoder (the shards' producer), the index
config and the collection size.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

import faiss
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lir_core.artifacts import MANIFEST_NAME, FileEntry, Manifest, atomic_path, sha256_file
from lir_core.progress import progress_bar
from lir_core.retrieve.base import IndexConfig, Indexer
from lir_core.retrieve.faiss.config import (
    FaissFlatIndexConfig,
    FaissHNSWIndexConfig,
    FaissIndexConfig,
    FaissIVFIndexConfig,
    FaissIVFPQIndexConfig,
    FaissPQIndexConfig,
    FaissTrainedIndexConfig,
)
from lir_core.retrieve.shards import ShardSet

logger = logging.getLogger(__name__)

INDEX_FILE = "index.faiss"
DOC_IDS_FILE = "doc_ids.parquet"


def prepare_vectors(vectors: np.ndarray, normalize: bool) -> np.ndarray:
    """Contiguous float32 rows, L2-normalised by faiss for cosine similarity."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if normalize:
        vectors = vectors.copy()  # shard arrays are read-only views of Arrow memory
        faiss.normalize_L2(vectors)
    return vectors


class FaissIndexer(Indexer):
    """Builds any faiss index family; subclasses bind it to one config type."""

    config_class: ClassVar[type[FaissIndexConfig]]

    def build(self, shards_dir: Path, index_dir: Path, config: IndexConfig) -> None:
        """Train (IVF/PQ: on a seeded sample), add the shards one by one, write the index.

        Adding shows a bar counting the documents in a terminal (see :mod:`lir_core.progress`;
        ``with progress_bars(False):`` turns it off).

        Raises:
            TypeError: If ``config`` is not this indexer's config type.
            ValueError: If the shards are not dense single-vector shards, the collection is
                too small to train on, or it holds a doc id twice.
        """
        self.check_config(config)
        shards = ShardSet.load(shards_dir)
        if shards.kind != "dense":
            raise ValueError(
                f"{shards_dir}: faiss indexes hold one vector per document, these are {shards.kind} shards "
                "(use the sparse or PLAID index)"
            )
        index_dir = Path(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        (index_dir / MANIFEST_NAME).unlink(missing_ok=True)  # a half-rebuilt index must not look finished
        normalize = shards.producer["similarity_function"] == "cosine"
        index = config.new_index(shards.num_docs, shards.dim)
        if isinstance(config, FaissTrainedIndexConfig):
            sample = _training_sample(shards, config.sample_size(shards.num_docs), config.seed)
            logger.info("training %s on %d vectors", type(index).__name__, len(sample))
            index.train(prepare_vectors(sample, normalize))
        doc_ids = []
        with progress_bar(shards.num_docs, f"indexing ({type(index).__name__})", "doc") as bar:
            for shard in shards.iter_batches():
                index.add(prepare_vectors(shard.vectors, normalize))
                doc_ids.append(pa.array(shard.doc_ids, pa.string()))
                bar.update(len(shard.doc_ids))
        ids = pa.chunked_array(doc_ids, pa.string())
        _check_unique(ids, shards_dir)
        with atomic_path(index_dir / INDEX_FILE) as tmp:
            faiss.write_index(index, str(tmp))
        with atomic_path(index_dir / DOC_IDS_FILE) as tmp:
            pq.write_table(pa.table({"doc_id": ids}), tmp)
        manifest = Manifest(
            kind=config.index_type,
            producer={
                "encoder": shards.producer,
                "index_config": config.to_dict(),
                "faiss_index": type(index).__name__,
                "num_docs": int(index.ntotal),
                "shards_manifest_sha256": sha256_file(Path(shards_dir) / MANIFEST_NAME),
            },
            files={
                name: FileEntry(int(index.ntotal), sha256_file(index_dir / name)) for name in (INDEX_FILE, DOC_IDS_FILE)
            },
        )
        manifest.save(index_dir)
        logger.info("%s: %s over %d documents", index_dir, type(index).__name__, index.ntotal)


def _training_sample(shards: ShardSet, size: int, seed: int) -> np.ndarray:
    """``size`` vectors drawn uniformly without replacement, reading one shard at a time."""
    chosen = np.sort(np.random.default_rng(seed).choice(shards.num_docs, size=size, replace=False))
    parts, start = [], 0
    for shard in shards.iter_batches():
        stop = start + len(shard.doc_ids)
        rows = chosen[(chosen >= start) & (chosen < stop)] - start
        parts.append(shard.vectors[rows])
        start = stop
    return np.concatenate(parts)


def _check_unique(doc_ids: pa.ChunkedArray, shards_dir: Path) -> None:
    if pc.count_distinct(doc_ids).as_py() == len(doc_ids):
        return
    counts = pc.value_counts(doc_ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1)).field("values").to_pylist()
    raise ValueError(f"{shards_dir}: doc ids occur more than once, e.g. {repeated[:5]}")


class FaissFlatIndexer(FaissIndexer):
    """Builds ``faiss-flat`` indexes."""

    config_class = FaissFlatIndexConfig


class FaissIVFIndexer(FaissIndexer):
    """Builds ``faiss-ivf`` indexes."""

    config_class = FaissIVFIndexConfig


class FaissPQIndexer(FaissIndexer):
    """Builds ``faiss-pq`` indexes."""

    config_class = FaissPQIndexConfig


class FaissIVFPQIndexer(FaissIndexer):
    """Builds ``faiss-ivfpq`` indexes."""

    config_class = FaissIVFPQIndexConfig


class FaissHNSWIndexer(FaissIndexer):
    """Builds ``faiss-hnsw`` indexes."""

    config_class = FaissHNSWIndexConfig
