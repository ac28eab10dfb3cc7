"""Flow: the whole experiment of one params file, stage by stage, with a markdown report."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.cli import main
from flows.common import DEFAULT_PARAMS, artifact_key
from flows.evaluate import evaluate_flow
from flows.index import index_flow
from flows.load_dataset import load_dataset_flow
from flows.locking import params_lock
from flows.params import load_params, variant_overrides
from flows.re_rank import re_rank_flow
from flows.runners import make_task_runner
from flows.search import search_flow
from tasks.report import summarize_variants


def run_stages(params_file: str, overrides: dict[str, Any] | None) -> tuple[str, list[str]]:
    """Every stage of one params file (one variant); returns the summary folder and timing rows."""
    p = load_params(params_file, overrides)
    stages = [("load dataset", load_dataset_flow),
              ("index", index_flow.with_options(task_runner=make_task_runner(p.runner))),
              ("search", search_flow), ("re-rank", re_rank_flow), ("evaluate", evaluate_flow)]
    if p.fine_tune:
        from flows.fine_tune import fine_tune_flow

        stages.insert(1, ("fine-tune", fine_tune_flow))
    timings, summary = [], ""
    for name, stage in stages:
        started = time.perf_counter()
        summary = stage(params_file=params_file, overrides=overrides)
        timings.append(f"| {p.variant or p.name} | {name} | {time.perf_counter() - started:.1f} s |")
        get_run_logger().info("stage %s done in %.1f s", name, time.perf_counter() - started)
    return summary, timings


def combine_variants(params_file: str, runs: list[dict[str, Any] | None]) -> str:
    """The table over all variants (``summarize_variants``) in the summary folder of the params
    file without a variant; returns that folder."""
    p = load_params(params_file, {k: v for k, v in (runs[0] or {}).items() if k != "variant"})
    evaluations = {}
    for overrides in runs:
        variant = load_params(params_file, overrides)
        evaluations[variant.variant] = {system: str(variant.eval_dir(system)) for system in variant.systems}
    return summarize_variants(evaluations, str(p.root / "summary"), p.evaluate.baseline, p.evaluate.references)


@flow(name="pipeline")
def pipeline(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> str:
    """Load data, fine-tune, index, search, re-rank and evaluate as configured; returns the summary
    folder. A params file with ``variants`` runs each in turn (unless one is chosen), then writes a
    table over all of them (rows: systems; columns: variants) and returns its folder.

    The run holds the lock of its artifacts folders (:mod:`flows.locking`): a deployment that
    starts while another run uses them waits (saying for whom in the run log) and then reuses
    that run's work."""
    with params_lock(params_file, overrides, what=f"flow pipeline --params {params_file}",
                     log=get_run_logger().warning):
        return _pipeline(params_file, overrides)


def _pipeline(params_file: str, overrides: dict[str, Any] | None) -> str:
    p = load_params(params_file, overrides)
    tables, timings, summary = [], [], ""
    runs = variant_overrides(params_file, overrides)
    for variant in runs:
        summary, rows = run_stages(params_file, variant)
        timings += rows
        heading = f"## {variant['variant']}\n\n" if variant and "variant" in variant and len(p.variants) > 1 else ""
        tables.append(heading + (Path(summary) / "table.md").read_text())
    if len(runs) > 1:
        summary = combine_variants(params_file, runs)
        tables.insert(0, "## All variants\n\n" + (Path(summary) / "table.md").read_text())
    report = "\n".join([f"# {p.name}", "", f"Params: `{params_file}`" + (f", overrides `{overrides}`" if overrides else ""),
                        "", *tables, "## Stages", "", "| run | stage | time |", "|---|---|---:|", *timings, "",
                        f"Artifacts: `{p.root}` (summary: `{summary}`)."])
    create_markdown_artifact(report, key=artifact_key(p.name, "report"), description=f"{p.name} pipeline report")
    return summary


if __name__ == "__main__":
    sys.exit(main(pipeline))
