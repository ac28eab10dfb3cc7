"""Fixtures of the flow tests: tiny params files. Their Prefect test server is the session's
``prefect_server`` of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from flow_helpers import tiny_params_dict


@pytest.fixture
def write_params(tmp_path: Path, tiny_backbone: Callable[..., Path]) -> Callable[..., Path]:
    """Factory: ``write_params(name="p", artifacts=..., **{"index.minilm.shard_size": 8})`` -> params file."""

    def write(name: str = "params", artifacts: Path | None = None, **changes: Any) -> Path:
        path = tmp_path / f"{name}.yaml"
        values = tiny_params_dict(artifacts or tmp_path / "artifacts", tiny_backbone("bert"), **changes)
        path.write_text(yaml.safe_dump(values, sort_keys=False))
        return path

    return write
