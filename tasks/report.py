"""Task: gather the evaluations of all systems into one summary (DVC metrics, plot CSVs, table)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from prefect import task

from lir_core.evaluate import ExperimentTable, read_per_query
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.evaluate import METRICS, PER_QUERY

SUMMARY_FILES = ("metrics.json", "metrics.csv", "per_query.csv", "table.md")


@task(cache_policy=ArtifactCache(inputs=("evaluations",), code=("lir_core.evaluate",)))
def summarize(evaluations: dict[str, str], out_dir: str, dataset: str, baseline: str | None = None) -> str:
    """Write ``metrics.json`` ({system: {measure: value}}), ``metrics.csv`` (one row per system
    and measure, with the paired t-test against ``baseline``), ``per_query.csv`` (query x system
    per measure, for plots) and ``table.md``; returns ``out_dir``."""
    metrics = {system: json.loads(Path(path, METRICS).read_text()) for system, path in evaluations.items()}
    per_query = pd.concat([read_per_query(Path(path, PER_QUERY)).assign(system=system, dataset=dataset)
                           for system, path in evaluations.items()], ignore_index=True)
    table = ExperimentTable(per_query, baseline or next(iter(evaluations)))
    with artifact_dir(out_dir, "summary", {"task": "summarize", "inputs": fingerprint(evaluations)}) as tmp:
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
        table.write_csv(tmp / "metrics.csv")
        wide = per_query.pivot_table(index=["measure", "query_id"], columns="system", values="value")
        wide.reset_index().to_csv(tmp / "per_query.csv", index=False)
        table.write_markdown(tmp / "table.md")
    return str(out_dir)
