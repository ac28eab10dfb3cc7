"""prefect.yaml end to end: a real server on loopback, `prefect deploy`, a process worker, a run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from flow_helpers import ROOT, tiny_params_dict

pytestmark = pytest.mark.slow

PREFECT = str(Path(sys.executable).parent / "prefect")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "prefect server exited"
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"prefect server not healthy after {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group (the worker's flow runs too), SIGKILL after 15 s."""
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def test_deployed_pipeline_runs_on_a_process_worker(tmp_path: Path, tiny_backbone: Callable[..., Path]) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home"), "PREFECT_API_URL": api,
           "PREFECT_UI_API_URL": api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
           "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(tmp_path / "results"), "PREFECT_WORKER_QUERY_SECONDS": "2"}

    def prefect(*args: str, timeout: float = 120) -> str:
        result = subprocess.run([PREFECT, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout + result.stderr

    params = tmp_path / "tiny.yaml"
    params.write_text(yaml.safe_dump(tiny_params_dict(tmp_path / "artifacts", tiny_backbone("bert"))))
    logs = [open(tmp_path / f"{name}.log", "wb") for name in ("server", "worker")]
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              cwd=tmp_path, stdout=logs[0], stderr=subprocess.STDOUT, start_new_session=True)
    worker = None
    try:
        wait_healthy(api, server, timeout=180)
        prefect("work-pool", "create", "lir-process", "--type", "process")
        assert "pipeline/tiny-smoke" in prefect("--no-prompt", "deploy", "--name", "tiny-smoke")
        worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "lir-process", "--type", "process"],
                                  env=env, cwd=tmp_path, stdout=logs[1], stderr=subprocess.STDOUT,
                                  start_new_session=True)
        output = prefect("deployment", "run", "pipeline/tiny-smoke", "--params", json.dumps({"params_file": str(params)}),
                         "--watch", "--watch-timeout", "420", timeout=480)
        assert "Completed" in output, output[-3000:]
        metrics = json.loads((tmp_path / "artifacts" / "summary" / "metrics.json").read_text())
        assert set(metrics) == {"bm25", "minilm", "minilm-ft", "bm25-cross", "bm25-cross-fused"}
        runs = json.loads(urllib.request.urlopen(urllib.request.Request(
            f"{api}/flow_runs/filter", data=b"{}", headers={"Content-Type": "application/json"}), timeout=10).read())
        deployed = [run for run in runs if run["deployment_id"] is not None]
        assert len(deployed) == 1 and deployed[0]["parameters"]["params_file"] == str(params)
        assert deployed[0]["state"]["type"] == "COMPLETED"
        stages = {run["parameters"]["params_file"] for run in runs if run["deployment_id"] is None}
        assert len(runs) == 7 and stages == {str(params)}  # the pipeline and its six stage subflows
    finally:
        if worker is not None:
            stop(worker)
        stop(server)
        for log in logs:
            log.close()
