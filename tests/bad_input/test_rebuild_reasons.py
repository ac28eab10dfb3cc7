"""Why a shard or an artifact is rebuilt (deleted, unfinished, corrupt, stale) reaches the Prefect
run log that a user watches in the UI (issue 13), not only a plain logger.

The first tests call the cache policy directly (outside a run its lines go to the ``tasks``
logger); the last ones run real flows on a Prefect test server and read the run's logs back
from its API, as the UI does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bad_input_helpers import Dataset
from prefect import flow, task
from prefect.filesystems import LocalFileSystem

from lir_core.retrieve.shards import ShardSpec
from tasks.artifacts import artifact_dir, artifact_problem
from tasks.caching import ArtifactCache
from tasks.encode_shard import encode_shard
from tasks.load_dataset import load_dataset


def context(storage: Path) -> Any:
    store = SimpleNamespace(metadata_storage=None, result_storage=LocalFileSystem(basepath=str(storage)))
    return SimpleNamespace(task=SimpleNamespace(fn=write_text), result_store=store)


def write_text(out_dir: str, text: str) -> str:  # the body of the toy task below
    with artifact_dir(out_dir, "text", {"task": "write_text"}) as tmp:
        (tmp / "text.txt").write_text(text)
    return out_dir


def rebuild_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.getMessage().startswith("rebuilding")]


@pytest.fixture
def policy_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Callable[..., list[tuple[int, str]]]:
    """``policy_run(stored=True)``: compute the toy task's key (storing a record for it when
    ``stored``); returns the rebuild lines logged."""
    storage = tmp_path / "store"
    storage.mkdir()
    policy = ArtifactCache()

    def run(params: dict[str, Any], stored: bool = False) -> list[tuple[int, str]]:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="tasks"):
            key = policy.compute_key(context(storage), params, {})
        if stored:
            (storage / key).write_text("a stored result")
        return rebuild_lines(caplog)

    return run


def test_artifact_problem_names_the_defect(tmp_path: Path) -> None:
    out = tmp_path / "artifact"
    assert artifact_problem(out) == "it does not exist"
    out.mkdir()
    assert artifact_problem(out) == "it has no manifest.json (unfinished, or not written by a task)"
    write_text(str(out), "payload")
    assert artifact_problem(out) is None
    (out / "text.txt").write_text("flipped")
    assert artifact_problem(out) == f"corrupt: {out / 'text.txt'}: checksum mismatch (corrupt or modified file)"
    (out / "text.txt").unlink()
    assert artifact_problem(out) == f"corrupt: {out / 'text.txt'}: listed in manifest.json but missing"
    (out / "manifest.json").write_text("{")
    assert artifact_problem(out).startswith(f"its manifest is unreadable ({out / 'manifest.json'}: corrupt manifest")


def test_cache_policy_says_why_it_rebuilds(tmp_path: Path, policy_run) -> None:
    out = tmp_path / "artifact"
    params = {"out_dir": str(out), "text": "v1"}
    assert policy_run(params) == []  # a first build is not a rebuild
    write_text(str(out), "v1")
    assert policy_run(params, stored=True) == [
        (logging.INFO, f"rebuilding {out}: stale (no cached result for its current inputs, parameters and code; "
                       "they changed since it was built, or another task cache built it)")]
    assert policy_run(params) == []  # a cache hit
    (out / "text.txt").write_text("flipped")
    assert policy_run(params) == [(logging.WARNING, f"rebuilding {out}: corrupt: {out / 'text.txt'}: "
                                                    "checksum mismatch (corrupt or modified file)")]
    (out / "text.txt").unlink()
    (out / "manifest.json").unlink()
    assert policy_run(params) == [
        (logging.WARNING, f"rebuilding {out}: it has no manifest.json (unfinished, or not written by a task)")]
    write_text(str(out), "v1")
    policy_run(params, stored=True)
    for file in out.iterdir():
        file.unlink()
    out.rmdir()
    assert policy_run(params) == [(logging.WARNING, f"rebuilding {out}: it was deleted after it was built")]
    assert policy_run({**params, "text": "v2"}) == []  # stale and deleted: a first build of the new key


# --- real flows on the session's Prefect test server (prefect_server, tests/conftest.py) -----------


def run_log(state: Any) -> list[str]:
    """The messages the API holds for the flow run of ``state`` and its task runs."""
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=30)
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    return [log.message for log in logs]


@task(cache_policy=ArtifactCache())
def write_text_task(out_dir: str, text: str) -> str:
    return write_text(out_dir, text)


@flow
def write_text_flow(out_dir: str, text: str) -> str:
    return write_text_task(out_dir, text)


@flow
def encode_flow(model: str, docs: str, out_dir: str) -> str:
    return encode_shard(model, docs, out_dir, ShardSpec(0, 0, 3), batch_size=2)


@pytest.mark.slow
def test_corrupt_artifact_reason_is_in_the_run_log(prefect_server: str, tmp_path: Path) -> None:
    out = str(tmp_path / "artifact")
    write_text_flow(out, "v1")
    (Path(out) / "text.txt").write_text("flipped")
    messages = run_log(write_text_flow(out, "v1", return_state=True))
    assert f"rebuilding {out}: corrupt: {out}/text.txt: checksum mismatch (corrupt or modified file)" in messages
    assert (Path(out) / "text.txt").read_text() == "v1"


@pytest.mark.slow
def test_corrupt_shard_reason_is_in_the_run_log(prefect_server: str, dataset: Dataset, tmp_path: Path,
                                                 tiny_backbone: Callable[..., Path]) -> None:
    """The reason comes from ``lir_core.retrieve.shards`` (a library logger) inside the task."""
    load_dataset.fn(str(dataset.out), docs=str(dataset.docs), queries=str(dataset.queries), qrels=str(dataset.qrels))
    model, docs, shards = str(tiny_backbone("bert")), str(dataset.out / "docs.parquet"), tmp_path / "shards"
    path = Path(encode_flow(model, docs, str(shards)))
    path.write_bytes(path.read_bytes()[:-8] + b"\0" * 8)
    messages = run_log(encode_flow(model, docs, str(shards), return_state=True))
    assert f"{path} is stale: its checksum does not match (corrupt); re-encoding" in messages
    assert f"rebuilding {shards}: its output is missing or does not match its checksum" in messages
