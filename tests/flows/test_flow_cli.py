"""``python -m flows.<name> --params ...``: exit 0 on success, 1 when the flow fails, 2 on bad params.

The first command runs as a real subprocess (``python -m flows.load_dataset``, which ends in
``sys.exit(main(flow))`` like every flow module). The other four call the same
:func:`flows.cli.main` in this process, as the flow modules' ``__main__`` blocks do: each
subprocess cost about 10 s of start-up (torch, transformers and Lightning are imported to check
the params' model configs) on 2 CPU cores, and the exit codes and messages come from ``main``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flow_helpers import run_flow

from flows.cli import main
from flows.index import index_flow
from flows.search import search_flow

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_exit_codes(write_params: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = write_params()
    ok = run_flow("load_dataset", params)
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert (tmp_path / "artifacts" / "data" / "docs.parquet").is_file()

    def command(flow, *args: str, uses_runner: bool = False) -> tuple[int, str]:
        capsys.readouterr()
        status = main(flow, ["--params", str(params), *args], uses_runner=uses_runner)
        return status, capsys.readouterr().err

    status, err = command(search_flow)  # no index yet: the flow fails and says what to run
    assert status == 1
    assert "run `python -m flows.index --params" in err

    status, err = command(index_flow, "--set", "index.minilm.shard_size=0", uses_runner=True)
    assert status == 2 and "shard_size" in err

    status, err = command(index_flow, uses_runner=True)  # the zero-shot index needs no fine-tuned model
    assert status == 0, err[-3000:]
    status, err = command(search_flow)  # minilm-ft's queries need the model, not trained yet
    assert status == 1
    assert "models/minilm-ft is missing or incomplete; run `python -m flows.fine_tune --params" in err
