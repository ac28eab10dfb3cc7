"""Task: encode documents ``[start, stop)`` of a collection into one shard (Parquet + sidecar).

The shard plan, sidecars and resume test are the library's (:mod:`lir_core.retrieve.shards`),
the same as ``IndexCallback``'s: a shard folder started by ``lir index`` is resumed here, and
the other way round.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from prefect import task

from lir_core.data.samples import DocSample
from lir_core.retrieve.shards import (
    ShardInfo, ShardSpec, docs_digest, encode_shard as encode, shard_is_intact, shard_is_valid, write_shard_manifest,
)
from tasks.artifacts import load_manifest
from tasks.caching import ArtifactCache
from tasks.code_versions import MODEL_CODE
from tasks.logs import run_logger
from tasks.models import load_module, producer_of

__all__ = ["MODEL_CODE", "encode_shard", "read_docs", "shard_done", "write_shards_manifest"]


def shard_done(params: Mapping[str, Any]) -> bool:
    """The shard's sidecar exists and its Parquet file matches the recorded checksum."""
    return shard_is_intact(params["out_dir"], params["shard"].shard_id)


def read_docs(docs: str, start: int, stop: int) -> list[DocSample]:
    """Rows ``[start, stop)`` of a docs Parquet file (doc_id, doc), reading only the row groups needed."""
    file = pq.ParquetFile(docs)
    rows, first = [], 0
    for group in range(file.num_row_groups):
        count = file.metadata.row_group(group).num_rows
        if first < stop and first + count > start:
            table = file.read_row_group(group, columns=["doc_id", "doc"])
            table = table.slice(max(start - first, 0), min(stop, first + count) - max(start, first))
            rows += [DocSample(i, d) for i, d in zip(table.column("doc_id").to_pylist(), table.column("doc").to_pylist())]
        first += count
    return rows


@task(cache_policy=ArtifactCache(inputs=("model", "docs"), code=("lir_core.retrieve.shards", *MODEL_CODE),
                                 is_valid=shard_done), tags=["encode"])
def encode_shard(model: str, docs: str, out_dir: str, shard: ShardSpec, batch_size: int = 32,
                 precision: str = "fp32", model_config: dict[str, Any] | None = None) -> str:
    """Encode the shard's documents with a bi-encoder (``model_config``: see ``tasks.models.load_module``);
    returns the shard's Parquet path.

    A shard that is already on disk, intact, from the same encoder and documents is kept.
    """
    logger = run_logger()
    module, lock = load_module(model, "bi-encoder", precision, model_config)
    part = read_docs(docs, shard.start, shard.stop)
    digest = docs_digest((d.doc_id for d in part), (d.doc for d in part)).hexdigest()
    if shard_is_valid(out_dir, shard.shard_id, producer_of(module), digest):
        logger.info("shard %d is up to date", shard.shard_id)
        return str(Path(out_dir) / shard.file)
    started = time.perf_counter()
    with lock:
        info = encode(module, part, out_dir, shard.shard_id, batch_size)
    logger.info("encoded shard %d: %d docs in %.1f s", shard.shard_id, info.rows, time.perf_counter() - started)
    return str(Path(out_dir) / info.file)


@task
def write_shards_manifest(out_dir: str, shard_ids: list[int]) -> str:
    """List the finished shards (from their sidecars) in the folder's ``manifest.json``; returns ``out_dir``.

    An up-to-date manifest is left alone, so an unchanged shard folder is not touched at all.
    """
    manifest, infos = load_manifest(out_dir), [ShardInfo.read(out_dir, shard_id) for shard_id in shard_ids]
    current = manifest is not None and set(manifest.files) == {info.file for info in infos if info} and all(
        info is not None and manifest.files[info.file].sha256 == info.sha256 for info in infos)
    if not current:
        write_shard_manifest(out_dir, shard_ids)
    return str(out_dir)
