"""The load-dataset flow from the command line: a qrels warning shows in the Prefect run log, and
qrels that match no query fail the flow (exit 1) naming the file, with no dataset written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bad_input_helpers import Dataset, assert_no_artifact

ROOT = Path(__file__).parents[2]


def run_load_dataset(dataset: Dataset, qrels: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"name": "bad-input", "artifacts": str(dataset.out.parent), "dataset": {
        "docs": str(dataset.docs), "queries": str(dataset.queries), "qrels": str(qrels)}}))
    # Reports to the session's Prefect server (prefect_server exports PREFECT_API_URL) instead of
    # starting a temporary one per command.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "flows.load_dataset", "--params", str(params)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_qrels_warning_is_in_the_run_log(prefect_server: str, dataset: Dataset, tmp_path: Path) -> None:
    qrels = tmp_path / "extra.qrels"
    qrels.write_text("1 0 d1 1\n2 0 d3 1\n9 0 d2 1\n")
    result = run_load_dataset(dataset, qrels, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert f"{qrels}: 1 of 3 judged queries are not among the queries and are ignored (e.g. '9')" in output
    assert "Task run 'load_dataset" in output  # the line came through the task's run logger
    assert (dataset.out / "qrels.parquet").is_file()


@pytest.mark.slow
def test_qrels_matching_no_query_fail_the_flow(prefect_server: str, dataset: Dataset, tmp_path: Path) -> None:
    qrels = tmp_path / "other.qrels"
    qrels.write_text("x1 0 d1 1\n")
    result = run_load_dataset(dataset, qrels, tmp_path)
    assert result.returncode == 1
    assert f"{qrels}: none of the 1 judged queries is among the queries" in result.stderr
    assert_no_artifact(dataset.out)
