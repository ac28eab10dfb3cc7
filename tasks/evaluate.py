"""Task: evaluate a run against qrels; writes aggregated metrics (JSON) and per-query values."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from prefect import task

from lir_core.evaluate import evaluate_run, write_per_query
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.logs import run_logger

METRICS, PER_QUERY, PER_QUERY_CSV = "metrics.json", "per_query.parquet", "per_query.csv"


@task(cache_policy=ArtifactCache(inputs=("run", "qrels"), code=("lir_core.evaluate",)))
def evaluate(run: str, qrels: str, measures: list[str], out_dir: str, system: str = "system") -> str:
    """Evaluate ``run`` (a run artifact folder or run file) on ``qrels`` (a qrels Parquet file)
    with ir_measures names such as ``nDCG@10``; returns ``out_dir``."""
    run_file = Path(run) / "run.parquet" if Path(run).is_dir() else Path(run)
    run_frame = pd.read_parquet(run_file, columns=["query_id", "doc_id", "score"])
    result = evaluate_run(run_frame, pd.read_parquet(qrels), measures)
    producer = {"task": "evaluate", "system": system, "measures": list(measures),
                "inputs": {"run": fingerprint(run), "qrels": fingerprint(qrels)}}
    with artifact_dir(out_dir, "metrics", producer) as tmp:
        (tmp / METRICS).write_text(json.dumps(result.aggregated, indent=2, sort_keys=True) + "\n")
        write_per_query(result.per_query.assign(system=system), tmp / PER_QUERY)
        result.per_query.pivot(index="query_id", columns="measure", values="value").to_csv(tmp / PER_QUERY_CSV)
    run_logger().info("%s: %s", system, ", ".join(f"{m}={v:.4f}" for m, v in result.aggregated.items()))
    return str(out_dir)
