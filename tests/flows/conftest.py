"""Flow tests share one Prefect test server per session (``prefect_server``).

Its URL is exported as ``PREFECT_API_URL`` so that subprocesses (flows run as commands, DVC
stages) and Dask workers report to it instead of each starting a temporary server. Prefect's
home and result storage live in a temporary folder, never in the project's ``.prefect``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flow_helpers import ROOT, tiny_params_dict


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


@pytest.fixture
def write_params(tmp_path: Path, tiny_backbone: Callable[..., Path]) -> Callable[..., Path]:
    """Factory: ``write_params(name="p", artifacts=..., **{"index.minilm.shard_size": 8})`` -> params file."""

    def write(name: str = "params", artifacts: Path | None = None, **changes: Any) -> Path:
        path = tmp_path / f"{name}.yaml"
        values = tiny_params_dict(artifacts or tmp_path / "artifacts", tiny_backbone("bert"), **changes)
        path.write_text(yaml.safe_dump(values, sort_keys=False))
        return path

    return write
