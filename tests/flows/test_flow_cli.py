"""``python -m flows.<name> --params ...``: exit 0 on success, 1 when the flow fails, 2 on bad params."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flow_helpers import run_flow

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_exit_codes(write_params: Callable[..., Path], tmp_path: Path) -> None:
    params = write_params()
    ok = run_flow("load_dataset", params)
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert (tmp_path / "artifacts" / "data" / "docs.parquet").is_file()

    failed = run_flow("search", params)  # no index yet: the flow fails and says what to run
    assert failed.returncode == 1
    assert "run `python -m flows.index --params" in failed.stderr

    bad = run_flow("index", params, "--set", "index.minilm.shard_size=0")
    assert bad.returncode == 2 and "shard_size" in bad.stderr

    indexed = run_flow("index", params)  # the zero-shot index needs no fine-tuned model
    assert indexed.returncode == 0, indexed.stderr[-3000:]
    no_model = run_flow("search", params)  # minilm-ft's queries need the model, not trained yet
    assert no_model.returncode == 1
    assert "models/minilm-ft is missing or incomplete; run `python -m flows.fine_tune --params" in no_model.stderr
