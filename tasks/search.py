"""Task: search an index for every query; writes a run folder (Parquet + TREC + manifest)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from prefect import task

from lir_core.artifacts import Manifest
from lir_core.retrieve.base import SearchConfig, SearchResult, search_config_class
from lir_core.retrieve.bm25 import Bm25Retriever
from lir_core.retrieve.runs import write_run
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.code_versions import MODEL_CODE
from tasks.logs import run_logger

RUN_STEM = "run"  # run.parquet, run.run


def search_config(index_type: str, k: int, settings: dict[str, Any]) -> SearchConfig:
    """The search config class of an index family, with ``k`` and the family's settings."""
    return search_config_class(index_type)(k=k, **settings)


def read_queries(path: str) -> dict[str, str]:
    frame = pd.read_parquet(path, columns=["query_id", "query"])
    return dict(zip(frame["query_id"].astype(str), frame["query"]))


@task(cache_policy=ArtifactCache(inputs=("index_dir", "queries", "model", "query_model"),
                                 code=("lir_core.retrieve", *MODEL_CODE)))
def search(index_dir: str, queries: str, out_dir: str, k: int = 100, model: str | None = None,
           batch_size: int = 32, config: dict[str, Any] | None = None, precision: str = "fp32",
           tag: str = "lir", query_model: str | None = None, model_config: dict[str, Any] | None = None) -> str:
    """Retrieve the top ``k`` per query from ``index_dir`` (BM25, or any index family with the
    bi-encoder ``model`` that built it); ``query_model`` encodes the queries instead of ``model``
    (the index's searcher checks that it encodes documents as ``model`` did: a model fine-tuned
    from it with ``freeze_docs``); ``model_config`` is the config of the model that encodes the
    queries (see ``tasks.models.load_module``); returns ``out_dir``."""
    query_texts = read_queries(queries)
    kind = Manifest.load(index_dir).kind
    if query_model is not None and model is None:
        raise ValueError(f"a query model needs the model that built the index {index_dir}")
    if kind == "bm25":
        run = Bm25Retriever.load(index_dir).search(query_texts, k)
        result = SearchResult.from_run(run)
    else:  # the model path: torch and transformers are imported only here
        from lir_core.retrieve.search import search as search_index
        from tasks.models import load_module

        module, lock = load_module(query_model or model, "bi-encoder", precision, model_config)
        with lock:
            result = search_index(module, index_dir, query_texts, search_config(kind, k, config or {}), batch_size)
    producer = {"task": "search", "index_type": kind, "k": k, "config": config or {},
                "inputs": {"index": fingerprint(index_dir), "queries": fingerprint(queries), "model": fingerprint(model),
                                                       "query_model": fingerprint(query_model)}}
    with artifact_dir(out_dir, "run", producer) as tmp:
        write_run(result, tmp / RUN_STEM, tag=tag)
    run_logger().info("searched %d queries in %s (%s, k=%d)", len(query_texts), index_dir, kind, k)
    return str(out_dir)
