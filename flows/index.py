"""Flow: encode the collection into shards (a mapped task, on any task runner) and build indexes."""

from __future__ import annotations

import sys
from typing import Any

import pyarrow.parquet as pq
from prefect import flow, get_run_logger, unmapped
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import as_completed

from flows.cli import main
from flows.common import DEFAULT_PARAMS, artifact_key, require, require_models
from flows.params import Params, load_params
from tasks.build_index import BM25, build_index


def encode_collection(p: Params, key: str) -> str:
    """Map ``encode_shard`` over the planned shards, reporting progress; returns the shard folder."""
    # Encoding needs torch and transformers; imported here so that a BM25-only index flow does not.
    from lir_core.retrieve.shards import plan_shards
    from tasks.encode_shard import encode_shard, write_shards_manifest

    logger, settings = get_run_logger(), p.index[key]
    model = p.model(settings.model)
    specs = plan_shards(pq.ParquetFile(p.docs_file()).metadata.num_rows, settings.shard_size)
    progress = create_progress_artifact(0.0, key=artifact_key(p.name, "encode", key),
                                        description=f"Encoding {p.docs_file()} with {model.path} ({len(specs)} shards)")
    futures = encode_shard.map(model=unmapped(model.path), docs=unmapped(p.docs_file()),
                               out_dir=unmapped(str(p.shards_dir(key))), shard=specs,
                               batch_size=unmapped(settings.batch_size), precision=unmapped(model.precision),
                               model_config=unmapped(model.config))
    cached = 0
    for done, future in enumerate(as_completed(futures), start=1):
        future.result()
        cached += future.state.name == "Cached"
        update_progress_artifact(progress, 100.0 * done / len(specs))
        logger.info("shards: %d/%d done", done, len(specs))
    logger.info("index %s: %d shards, %d from cache, %d run", key, len(specs), cached, len(specs) - cached)
    return write_shards_manifest(str(p.shards_dir(key)), [spec.shard_id for spec in specs])


@flow(name="index")
def index_flow(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Build every index of the params' ``index`` section; returns {key: index folder}."""
    p = load_params(params_file, overrides)
    require(p.data_dir, "load_dataset", params_file)
    require_models(p, [s.model for s in p.index.values() if s.model], params_file)
    indexes = {}
    for key, settings in p.index.items():
        source = p.docs_file() if settings.index_type == BM25 else encode_collection(p, key)
        indexes[key] = build_index(source, str(p.index_dir(key)), settings.config)
    return indexes


if __name__ == "__main__":
    sys.exit(main(index_flow, uses_runner=True))
