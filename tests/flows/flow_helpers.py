"""Helpers for the flow tests (imported by conftest and tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]

# Param changes that keep only the zero-shot systems, for tests of indexing alone (no fine-tuned model
# needed); the per-row reference of the fine-tuned system goes with it (params reject dangling references).
ZERO_SHOT_ONLY: dict[str, Any] = {"search.minilm-ft": None, "evaluate.references.minilm-ft": None}


def tiny_params_dict(artifacts: Path, model: Path, **changes: Any) -> dict[str, Any]:
    """``params/tiny.yaml`` with a tiny random model, data paths made absolute and ``artifacts`` in tmp;
    ``changes`` set (or, with None, delete) dotted keys."""
    values = yaml.safe_load((ROOT / "params" / "tiny.yaml").read_text())
    values["artifacts"] = str(artifacts)
    values["dataset"] = {key: str(ROOT / path) for key, path in values["dataset"].items()}
    for mined in values["tuples"].values():
        mined.update(queries=str(ROOT / mined["queries"]), qrels=str(ROOT / mined["qrels"]))
    values["models"]["minilm"]["path"] = str(model)
    values["re_rank"]["bm25-cross"]["depth"] = 5
    for dotted, value in changes.items():  # a value of None deletes the key
        target = values
        *parents, last = dotted.split(".")
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return values


def run_flow(module: str, params: Path, *extra: str, env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m flows.<module> --params <params> ...`` in the project root (bounded in time)."""
    return subprocess.run([sys.executable, "-m", f"flows.{module}", "--params", str(params), *extra],
                          cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)
