"""One run at a time per artifacts folder (issue 13): a second run waits for the first and names
it, or, with a timeout, fails naming the folder and the holder (pid, host, start time); a
crashed holder never leaves a stale lock; two pipelines started at once into one folder both
succeed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from bad_input_helpers import Dataset

from flows.cli import main
from flows.load_dataset import load_dataset_flow
from flows.locking import LOCK_NAME, TIMEOUT_ENV, ArtifactsLocked, artifacts_lock, holder_of, params_folders
from tasks.artifacts import is_valid_artifact

ROOT = Path(__file__).parents[2]
HOLDER = """
import sys
from flows.locking import artifacts_lock
with artifacts_lock(sys.argv[1:], what="test holder"):
    print("locked", flush=True)
    sys.stdin.read()  # until the test closes stdin
"""


@pytest.fixture
def holder(tmp_path: Path):
    """Start a process that holds the lock of ``<tmp>/artifacts`` until its stdin closes."""
    processes = []

    def start(*folders: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, "-c", HOLDER, *map(str, folders)], cwd=ROOT, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        processes.append(process)
        assert process.stdout is not None and process.stdout.readline() == "locked\n"
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_second_run_fails_fast_naming_folder_and_holder(tmp_path: Path, holder) -> None:
    folder = tmp_path / "artifacts"
    process = holder(folder)
    record = holder_of(folder)
    assert record is not None and record["pid"] == process.pid and record["host"] == socket.gethostname()
    with pytest.raises(ArtifactsLocked) as caught:
        with artifacts_lock([folder], timeout=0):
            pytest.fail("took a lock that another process holds")
    message = str(caught.value)
    assert f"artifacts folder {folder.resolve()} is in use by another pipeline run" in message
    assert f"pid {process.pid} on host {socket.gethostname()}, started {record['started']}" in message
    assert TIMEOUT_ENV in message


def test_waiting_run_proceeds_when_the_holder_ends(tmp_path: Path, holder) -> None:
    folder = tmp_path / "artifacts"
    process = holder(folder)
    threading.Timer(1.0, process.stdin.close).start()  # the first run ends after a second
    lines: list[str] = []
    started = time.monotonic()
    with artifacts_lock([folder], timeout=120, log=lines.append):
        assert process.wait(timeout=30) == 0
        assert holder_of(folder)["pid"] == os.getpid()
    assert time.monotonic() - started >= 0.9
    assert f"is in use by another pipeline run: pid {process.pid} on host" in lines[0]
    assert "waiting for it to finish" in lines[0] and "lock acquired after waiting" in lines[-1]
    assert not (folder / LOCK_NAME).exists()  # removed on release


def test_killed_holder_leaves_no_stale_lock(tmp_path: Path, holder) -> None:
    folder = tmp_path / "artifacts"
    process = holder(folder)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert (folder / LOCK_NAME).exists()  # the file stays, the lock does not
    with artifacts_lock([folder], timeout=0):
        assert holder_of(folder)["pid"] == os.getpid()
    assert not (folder / LOCK_NAME).exists()


def test_lock_is_reentrant_within_a_process_and_covers_each_folder(tmp_path: Path, holder) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    with artifacts_lock([one, two], timeout=0):
        with artifacts_lock([one], timeout=0):  # e.g. the pipeline flow inside `python -m flows.pipeline`
            pass
        assert (one / LOCK_NAME).exists()
    holder(two)
    with pytest.raises(ArtifactsLocked, match=str(two.resolve())):
        with artifacts_lock([one, two], timeout=0):
            pass
    assert not (one / LOCK_NAME).exists()  # the lock taken before the failure was released


def write_params(dataset: Dataset, tmp_path: Path, **extra: object) -> Path:
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({
        "name": "lock", "artifacts": str(dataset.out.parent),
        "dataset": {"docs": str(dataset.docs), "queries": str(dataset.queries), "qrels": str(dataset.qrels)},
        **extra}))
    return params


def test_params_folders_include_shared_and_variants(dataset: Dataset, tmp_path: Path) -> None:
    params = write_params(dataset, tmp_path, shared=str(tmp_path / "shared"),
                          variants={"a": {"artifacts": str(tmp_path / "a")}})
    assert params_folders(params) == sorted([dataset.out.parent, tmp_path / "shared", tmp_path / "a"])


def test_command_line_with_lock_timeout_0_exits_1_naming_the_holder(
    dataset: Dataset, tmp_path: Path, holder, capsys: pytest.CaptureFixture[str]
) -> None:
    params = write_params(dataset, tmp_path)
    process = holder(dataset.out.parent)
    assert main(load_dataset_flow, ["--params", str(params), "--lock-timeout", "0"]) == 1
    err = capsys.readouterr().err
    assert f"flow 'load-dataset' not started: artifacts folder {dataset.out.parent.resolve()} is in use" in err
    assert f"pid {process.pid} on host {socket.gethostname()}" in err
    assert not dataset.out.exists()


def test_bad_lock_timeout_setting_exits_2(dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "soon")
    assert main(load_dataset_flow, ["--params", str(write_params(dataset, tmp_path))]) == 2
    assert f"invalid params: {TIMEOUT_ENV}='soon': expected a number of seconds >= 0" in capsys.readouterr().err


@pytest.mark.slow
def test_two_pipelines_into_one_folder_both_succeed(dataset: Dataset, tmp_path: Path) -> None:
    """Two ``python -m flows.pipeline`` of one params file started at once: the second waits for
    the first (naming it), then both exit 0 with the same, intact artifacts."""
    params = write_params(dataset, tmp_path, index={"bm25": {"config": {"index_type": "bm25"}}},
                          search={"bm25": {"index": "bm25", "k": 10}},
                          evaluate={"measures": ["nDCG@10"], "baseline": "bm25"})
    runs = []
    for run in ("first", "second"):
        home = tmp_path / f"prefect-{run}"  # own Prefect servers; one task cache, as in one clone
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(home), "DO_NOT_TRACK": "1",
               "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(tmp_path / "results")}
        runs.append(subprocess.Popen([sys.executable, "-m", "flows.pipeline", "--params", str(params)], cwd=ROOT,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [run.communicate(timeout=900) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], "\n".join(err[-3000:] for _, err in outputs)
    waited = [err for _, err in outputs if "is in use by another pipeline run: pid" in err]
    assert len(waited) == 1, "exactly one run waits for the other"
    root = dataset.out.parent
    for folder in ("data", "index/bm25", "runs/bm25", "eval/bm25", "summary"):
        assert is_valid_artifact(root / folder), folder
    metrics = json.loads((root / "summary" / "metrics.json").read_text())
    assert metrics and not (root / LOCK_NAME).exists()
    assert not [p for p in root.rglob(".*") if p.name.endswith((".tmp", ".old"))]
