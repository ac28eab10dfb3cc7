"""Flow: evaluate every system's run; metrics as a Prefect table, the table as markdown, files for DVC."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.cli import main
from flows.common import DEFAULT_PARAMS, artifact_key, require
from flows.params import Params, load_params
from tasks.evaluate import evaluate
from tasks.report import summarize


EXPECTED = "expected.json"


def compare_expected(p: Params, metrics: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """One row per system with an expected score (``expected:`` in the params): measured value,
    difference and whether it is within the tolerance (a missing measurement does not reproduce)."""
    rows = []
    for system in p.systems:
        expected = p.expected_score(system)
        if p.expected is None or expected is None:
            continue
        measured = metrics.get(system, {}).get(p.expected.measure)
        difference = None if measured is None else round(measured - expected, 4)
        rows.append({"system": system, "measure": p.expected.measure, "expected": expected,
                     "measured": None if measured is None else round(measured, 4), "difference": difference,
                     "tolerance": p.expected.tolerance,
                     "reproduced": difference is not None and abs(difference) <= p.expected.tolerance + 1e-9})
    return rows


@flow(name="evaluate")
def evaluate_flow(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> str:
    """Evaluate all runs of the params and summarise them in ``<artifacts>/summary``; returns that folder."""
    p = load_params(params_file, overrides)
    require(p.data_dir, "load_dataset", params_file)
    for system in p.systems:
        require(p.run_dir(system), p.stage_of(system), params_file)
    futures = {system: evaluate.submit(str(p.run_dir(system)), p.qrels_file(), p.evaluate.measures,
                                       str(p.eval_dir(system)), system=system) for system in p.systems}
    evaluations = {system: future.result() for system, future in futures.items()}
    summary = Path(summarize(evaluations, str(p.root / "summary"), p.name, p.evaluate.baseline,
                             p.evaluate.references))
    metrics = json.loads((summary / "metrics.json").read_text())
    rows = [{"system": system, **{m: round(v, 4) for m, v in values.items()}} for system, values in metrics.items()]
    create_table_artifact(rows, key=artifact_key(p.name, "metrics"), description=f"{p.name}: {', '.join(p.evaluate.measures)}")
    checks = compare_expected(p, metrics)
    if checks:  # next to the summary folder (which is a checksummed artifact of its own)
        (p.root / EXPECTED).write_text(json.dumps(checks, indent=2) + "\n")
        create_table_artifact(checks, key=artifact_key(p.name, "expected"),
                              description=f"{p.name}: measured vs expected ({(p.expected.source if p.expected else None) or 'params'})")
        for row in checks:
            if not row["reproduced"]:
                get_run_logger().warning("%s: %s %s, expected %s +- %s", row["system"], row["measure"],
                                         row["measured"], row["expected"], row["tolerance"])
    create_markdown_artifact(f"# {p.name}: evaluation\n\n{(summary / 'table.md').read_text()}\n"
                             f"Per-query values: `{summary / 'per_query.csv'}`; runs: `{p.root}/runs`, `{p.root}/reranked`.\n",
                             key=artifact_key(p.name, "evaluation"), description=f"{p.name} evaluation table")
    return str(summary)


if __name__ == "__main__":
    sys.exit(main(evaluate_flow))
