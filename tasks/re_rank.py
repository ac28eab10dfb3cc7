"""Tasks: re-rank the top documents of a run with a bi- or cross-encoder, or interpolate two runs'
scores; each writes a run folder."""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect import task

from lir_core.retrieve.base import SearchResult
from lir_core.retrieve.fusion import interpolate
from lir_core.retrieve.runs import read_run, write_run
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.code_versions import MODEL_CODE
from tasks.logs import run_logger
from tasks.search import RUN_STEM, read_queries


def doc_texts(docs: str, doc_ids: set[str]) -> dict[str, str]:
    """Texts of the given documents from a docs Parquet file."""
    table = pq.read_table(docs, columns=["doc_id", "doc"], filters=pc.field("doc_id").isin(list(doc_ids)))
    return dict(zip(table.column("doc_id").to_pylist(), table.column("doc").to_pylist()))


@task(cache_policy=ArtifactCache(inputs=("run", "queries", "docs", "model"), code=("lir_core.retrieve", *MODEL_CODE)))
def re_rank(run: str, queries: str, docs: str, model: str, out_dir: str, model_type: str = "cross-encoder",
            depth: int = 100, batch_size: int = 32, precision: str = "fp32", tag: str = "lir",
            model_config: dict[str, Any] | None = None) -> str:
    """Score the ``depth`` best documents per query of ``run`` (a run folder) with ``model``
    (``model_config``: see ``tasks.models.load_module``) and sort them by the new scores; returns ``out_dir``."""
    frame = read_run(f"{run}/{RUN_STEM}.parquet")
    frame = frame[frame["rank"] <= depth]
    candidates = {qid: group["doc_id"].tolist() for qid, group in frame.groupby("query_id", sort=False)}
    query_texts = read_queries(queries)
    texts = doc_texts(docs, set(frame["doc_id"]))
    from tasks.models import load_module  # torch and transformers: only where a model scores

    module, lock = load_module(model, model_type, precision, model_config)
    query_ids = [qid for qid in candidates if qid in query_texts]
    with lock:
        scores = module.score_candidates([query_texts[q] for q in query_ids],
                                         [[texts[d] for d in candidates[q]] for q in query_ids], batch_size).tolist()
    scored, start = {}, 0
    for qid in query_ids:
        scored[qid] = list(zip(candidates[qid], scores[start:start + len(candidates[qid])]))
        start += len(candidates[qid])
    result = SearchResult.from_run(scored, sort=True)
    producer = {"task": "re_rank", "depth": depth, "model_type": model_type,
                "inputs": {"run": fingerprint(run), "model": fingerprint(model)}}
    with artifact_dir(out_dir, "run", producer) as tmp:
        write_run(result, tmp / RUN_STEM, tag=tag)
    run_logger().info("re-ranked %d queries x %d docs with %s", len(query_ids), depth, model)
    return str(out_dir)


def run_scores(run: str) -> dict[str, dict[str, float]]:
    """``{query_id: {doc_id: score}}`` of a run folder."""
    frame = read_run(f"{run}/{RUN_STEM}.parquet")
    return {qid: dict(zip(group["doc_id"], group["score"])) for qid, group in frame.groupby("query_id", sort=False)}


@task(cache_policy=ArtifactCache(inputs=("run", "other"), code=("lir_core.retrieve",)))
def fuse(run: str, other: str, out_dir: str, weight: float = 0.5, tag: str = "lir") -> str:
    """Rank ``run``'s documents by ``weight`` times their (min-max normalised) score plus
    ``1 - weight`` times their score in run folder ``other``; returns ``out_dir``."""
    result = SearchResult.from_run(interpolate(run_scores(run), run_scores(other), weight), sort=True)
    producer = {"task": "fuse", "weight": weight, "inputs": {"run": fingerprint(run), "other": fingerprint(other)}}
    with artifact_dir(out_dir, "run", producer) as tmp:
        write_run(result, tmp / RUN_STEM, tag=tag)
    run_logger().info("interpolated %s (weight %.2f) with %s", run, weight, other)
    return str(out_dir)
