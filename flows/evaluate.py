"""Flow: evaluate every system's run; metrics as a Prefect table, the table as markdown, files for DVC."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.cli import main
from flows.common import DEFAULT_PARAMS, artifact_key, require
from flows.params import load_params
from tasks.evaluate import evaluate
from tasks.report import summarize


@flow(name="evaluate")
def evaluate_flow(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> str:
    """Evaluate all runs of the params and summarise them in ``<artifacts>/summary``; returns that folder."""
    p = load_params(params_file, overrides)
    require(p.data_dir, "load_dataset", params_file)
    for system in p.systems:
        require(p.run_dir(system), "re_rank" if system in p.re_rank else "search", params_file)
    futures = {system: evaluate.submit(str(p.run_dir(system)), p.qrels_file(), p.evaluate.measures,
                                       str(p.eval_dir(system)), system=system) for system in p.systems}
    evaluations = {system: future.result() for system, future in futures.items()}
    summary = Path(summarize(evaluations, str(p.root / "summary"), p.name, p.evaluate.baseline))
    metrics = json.loads((summary / "metrics.json").read_text())
    rows = [{"system": system, **{m: round(v, 4) for m, v in values.items()}} for system, values in metrics.items()]
    create_table_artifact(rows, key=artifact_key(p.name, "metrics"), description=f"{p.name}: {', '.join(p.evaluate.measures)}")
    create_markdown_artifact(f"# {p.name}: evaluation\n\n{(summary / 'table.md').read_text()}\n"
                             f"Per-query values: `{summary / 'per_query.csv'}`; runs: `{p.root}/runs`, `{p.root}/reranked`.\n",
                             key=artifact_key(p.name, "evaluation"), description=f"{p.name} evaluation table")
    return str(summary)


if __name__ == "__main__":
    sys.exit(main(evaluate_flow))
