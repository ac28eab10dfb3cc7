"""Task: build an index folder (faiss, sparse, PLAID from shards; BM25 from the docs Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from prefect import task

from lir_core.retrieve.base import BM25, IndexConfig, indexer_for
from lir_core.retrieve.bm25 import Bm25Retriever
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.logs import run_logger


@task(cache_policy=ArtifactCache(inputs=("source",), output="index_dir", code=("lir_core.retrieve",)))
def build_index(source: str, index_dir: str, config: dict[str, Any]) -> str:
    """Index ``source`` (a shard folder, or for ``index_type: bm25`` a docs Parquet file)
    into ``index_dir`` with its manifest; returns ``index_dir``."""
    settings = dict(config)
    if settings.pop("index_type") == BM25:
        docs = pq.read_table(source, columns=["doc_id", "doc"])
        retriever = Bm25Retriever(**settings)
        retriever.index(docs.column("doc_id").to_pylist(), docs.column("doc").to_pylist())
        with artifact_dir(index_dir, BM25, {"config": config, "docs": fingerprint(source)}) as tmp:
            retriever.save(tmp)
    else:
        index_config = IndexConfig.from_dict(config)
        indexer_for(index_config).build(Path(source), Path(index_dir), index_config)
    run_logger().info("built %s index %s", config["index_type"], index_dir)
    return str(index_dir)
