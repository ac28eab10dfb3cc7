"""Task: gather the evaluations of all systems into one summary (DVC metrics, plot CSVs and PNGs, table)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from prefect import task

from lir_core.evaluate import ExperimentTable, plot_per_query_differences, read_per_query
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.evaluate import METRICS, PER_QUERY


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@task(cache_policy=ArtifactCache(inputs=("evaluations",), code=("lir_core.evaluate",)))
def summarize(evaluations: dict[str, str], out_dir: str, dataset: str, baseline: str | None = None,
              references: dict[str, str] | None = None) -> str:
    """Write into ``out_dir``: ``metrics.json`` ({system: {measure: value}}, for ``dvc metrics``),
    ``systems.csv`` (system x measure) and ``per_query.csv`` (query x system on the first measure)
    for ``dvc plots``, ``comparisons.csv`` (paired t-tests against ``baseline``, or a system's
    entry in ``references``), ``table.md`` and a PNG of per-query differences to that reference
    per system; returns ``out_dir``."""
    metrics = {system: json.loads(Path(path, METRICS).read_text()) for system, path in evaluations.items()}
    per_query = pd.concat([read_per_query(Path(path, PER_QUERY)).assign(system=system, dataset=dataset)
                           for system, path in evaluations.items()], ignore_index=True)
    baseline = baseline or next(iter(evaluations))
    table = ExperimentTable(per_query, baseline, references=references or {})
    first = per_query["measure"].iloc[0]
    producer = {"task": "summarize", "inputs": fingerprint(evaluations), "baseline": baseline,
                "references": references or {}}
    with artifact_dir(out_dir, "summary", producer) as tmp:
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        pd.DataFrame(metrics).T.rename_axis("system").to_csv(tmp / "systems.csv")
        per_query[per_query["measure"] == first].pivot(index="query_id", columns="system", values="value") \
            .reindex(columns=list(evaluations)).to_csv(tmp / "per_query.csv")
        table.write_csv(tmp / "comparisons.csv")
        table.write_markdown(tmp / "table.md")
        frames = {system: frame for system, frame in per_query.groupby("system")}
        for system in evaluations:
            if system != baseline:
                reference = table.reference_of(system)
                plot_per_query_differences(frames[system], frames[reference], first,
                                           tmp / f"{slug(system)}-vs-{slug(reference)}.png", system, reference)
    return str(out_dir)


@task(cache_policy=ArtifactCache(inputs=("evaluations",), code=("lir_core.evaluate",)))
def summarize_variants(evaluations: dict[str, dict[str, str]], out_dir: str, baseline: str | None = None,
                       references: dict[str, str] | None = None) -> str:
    """One table over the variants of a params file, as the paper prints its collections side by side:
    ``evaluations`` maps variant -> system -> evaluation folder. Writes into ``out_dir``: ``table.md``
    (rows: systems; columns: variant x measure; paired tests per column), ``comparisons.csv`` and
    ``metrics.json`` ({variant: {system: {measure: value}}}); returns ``out_dir``."""
    per_query = pd.concat([read_per_query(Path(path, PER_QUERY)).assign(system=system, dataset=variant)
                           for variant, systems in evaluations.items() for system, path in systems.items()],
                          ignore_index=True)
    baseline = baseline or next(iter(next(iter(evaluations.values()))))
    table = ExperimentTable(per_query, baseline, references=references or {})
    metrics = {variant: {system: json.loads(Path(path, METRICS).read_text()) for system, path in systems.items()}
               for variant, systems in evaluations.items()}
    producer = {"task": "summarize_variants", "inputs": fingerprint(evaluations), "baseline": baseline,
                "references": references or {}}
    with artifact_dir(out_dir, "summary", producer) as tmp:
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        table.write_csv(tmp / "comparisons.csv")
        table.write_markdown(tmp / "table.md")
    return str(out_dir)
