"""dvc.yaml on the tiny setup in a copy of the project: repro, no-op repro, a search change."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from flow_helpers import ROOT, tiny_params_dict

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


def dvc(project: Path, *args: str, timeout: float = 600) -> str:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(project),
           "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(project / ".prefect" / "storage")}
    result = subprocess.run([str(bin_dir / "dvc"), *args], cwd=project, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"dvc {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def ran(output: str) -> list[str]:
    return re.findall(r"Running stage '([^']+)'", output)


def test_dvc_repro_caches_and_reruns_only_what_changed(tmp_path: Path, tiny_backbone: Callable[..., Path]) -> None:
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("flows", "tasks", "lir_core"):
        shutil.copytree(ROOT / folder, project / folder, ignore=ignore)
    for name in ("dvc.yaml", "pyproject.toml", ".gitignore"):  # dvc refuses a git-ignored dvc.lock
        shutil.copy(ROOT / name, project / name)
    params = tiny_params_dict(Path("artifacts/scifact"), tiny_backbone("bert"), name="scifact")
    (project / "params").mkdir()
    (project / "params" / "scifact.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    dvc(project, "init", "-q")
    shutil.copy(ROOT / ".dvcignore", project / ".dvcignore")

    first = dvc(project, "repro")
    assert ran(first) == ["load_dataset", "fine_tune", "index", "search", "re_rank", "evaluate"]
    metrics = json.loads(dvc(project, "metrics", "show", "--json"))
    values = next(iter(metrics.values()))["data"]["artifacts/scifact/summary/metrics.json"]["data"]
    assert set(values) == {"bm25", "minilm", "minilm-ft", "bm25-cross", "bm25-cross-fused"} and values["bm25"]["nDCG@10"] > 0.5
    plots = dvc(project, "plots", "show", "--json")
    assert "systems.csv" in plots and "per_query.csv" in plots

    second = dvc(project, "repro")
    assert ran(second) == [] and "up to date" in second

    params["search"]["minilm"]["k"] = 3
    (project / "params" / "scifact.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    third = dvc(project, "repro")
    assert ran(third) == ["search", "evaluate"]
    for cache in project.rglob("__pycache__"):  # byte code is not a dependency (.dvcignore)
        shutil.rmtree(cache)
    assert "up to date" in dvc(project, "status")
