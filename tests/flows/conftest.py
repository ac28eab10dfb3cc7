"""Flow tests share one Prefect test server per session (``prefect_server``).

Its URL is exported as ``PREFECT_API_URL`` so that subprocesses (flows run as commands, DVC
stages) and Dask workers report to it instead of each starting a temporary server. Prefect's
home and result storage live in a temporary folder, never in the project's ``.prefect``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[2]
TINY_DATA = Path(__file__).parent / "data" / "scifact-tiny"


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the session's Prefect test server; yields its API URL."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_RESULTS_LOCAL_STORAGE_PATH,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    env = {"PREFECT_HOME": str(home), "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "results"),
           "DO_NOT_TRACK": "1", "DVC_NO_ANALYTICS": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    saved = {key: os.environ.get(key) for key in [*env, "PREFECT_API_URL"]}
    os.environ.update(env)
    try:
        with temporary_settings({PREFECT_HOME: home, PREFECT_RESULTS_LOCAL_STORAGE_PATH: home / "results"}):
            with prefect_test_harness(server_startup_timeout=120):
                os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
                yield os.environ["PREFECT_API_URL"]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def tiny_params_dict(artifacts: Path, model: Path, **changes: Any) -> dict[str, Any]:
    """``params/tiny.yaml`` with a tiny random model, data paths made absolute and ``artifacts`` in tmp."""
    values = yaml.safe_load((ROOT / "params" / "tiny.yaml").read_text())
    values["artifacts"] = str(artifacts)
    values["dataset"] = {key: str(ROOT / path) for key, path in values["dataset"].items()}
    values["models"]["minilm"]["path"] = str(model)
    values["re_rank"]["bm25-minilm"]["depth"] = 5
    for dotted, value in changes.items():
        target = values
        *parents, last = dotted.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return values


@pytest.fixture
def write_params(tmp_path: Path, tiny_backbone: Callable[..., Path]) -> Callable[..., Path]:
    """Factory: ``write_params(name="p", artifacts=..., **{"index.minilm.shard_size": 8})`` -> params file."""

    def write(name: str = "params", artifacts: Path | None = None, **changes: Any) -> Path:
        path = tmp_path / f"{name}.yaml"
        values = tiny_params_dict(artifacts or tmp_path / "artifacts", tiny_backbone("bert"), **changes)
        path.write_text(yaml.safe_dump(values, sort_keys=False))
        return path

    return write


def run_flow(module: str, params: Path, *extra: str, env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m flows.<module> --params <params> ...`` in the project root (bounded in time)."""
    return subprocess.run([sys.executable, "-m", f"flows.{module}", "--params", str(params), *extra],
                          cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)
