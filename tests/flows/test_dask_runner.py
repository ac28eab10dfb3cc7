"""The index flow on a local Dask cluster writes the same shards as the default thread runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flow_helpers import ZERO_SHOT_ONLY
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.states import State

from flows.index import index_flow
from flows.load_dataset import load_dataset_flow
from flows.params import RunnerParams
from flows.runners import RAY_LOCAL_ONLY, make_task_runner
from lir_core.artifacts import Manifest

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


def shard_checksums(shards: Path) -> dict[str, str]:
    manifest = Manifest.load(shards)
    assert manifest is not None
    return {name: entry.sha256 for name, entry in manifest.files.items()}


def encode_task_states(flow_state: State) -> list[str]:
    """The state names of the flow run's ``encode_shard`` task runs."""
    flow_run = FlowRunFilter(id=FlowRunFilterId(any_=[flow_state.state_details.flow_run_id]))
    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(flow_run_filter=flow_run)
    return sorted(run.state.name for run in task_runs if run.name.startswith("encode_shard"))


def test_dask_local_cluster_matches_thread_runner(write_params: Callable[..., Path], tmp_path: Path) -> None:
    """Same shards and index on Dask as on threads; a second Dask run takes every shard from
    Prefect's cache (the cache key must be computable on a worker, where no task source exists)."""
    pytest.importorskip("prefect_dask")
    runs = {}
    for runner in ("thread", "dask"):
        params = str(write_params(runner, artifacts=tmp_path / runner, **ZERO_SHOT_ONLY, **{"index.minilm.shard_size": 12}))
        load_dataset_flow(params_file=params)
        task_runner = make_task_runner(RunnerParams(type=runner, workers=2))
        index_flow.with_options(task_runner=task_runner)(params_file=params)
        runs[runner] = shard_checksums(tmp_path / runner / "shards" / "minilm")
    assert len(runs["thread"]) == 4 and runs["dask"] == runs["thread"]
    index = "index/minilm/index.faiss"
    assert (tmp_path / "dask" / index).read_bytes() == (tmp_path / "thread" / index).read_bytes()
    again = index_flow.with_options(task_runner=make_task_runner(RunnerParams(type="dask", workers=2)))(
        params_file=params, return_state=True
    )
    assert encode_task_states(again) == ["Cached"] * 4


def test_ray_local_cluster_matches_thread_runner(write_params: Callable[..., Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Ray reads this once, on import: without it a local cluster listens beyond loopback, and the
    # runner refuses to start one (flows.runners; the importorskip below imports ray).
    monkeypatch.setenv(RAY_LOCAL_ONLY, "0")
    pytest.importorskip("prefect_ray")  # optional: pip install prefect-ray
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    runs = {}
    for runner in ("thread", "ray"):
        params = str(write_params(runner, artifacts=tmp_path / runner, **ZERO_SHOT_ONLY, **{"index.minilm.shard_size": 24}))
        load_dataset_flow(params_file=params)
        index_flow.with_options(task_runner=make_task_runner(RunnerParams(type=runner, workers=2)))(params_file=params)
        runs[runner] = shard_checksums(tmp_path / runner / "shards" / "minilm")
    assert len(runs["thread"]) == 2 and runs["ray"] == runs["thread"]
