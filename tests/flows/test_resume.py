"""Resume at shard level, end to end: kill the index flow mid-way, rerun the same command."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from flows.index import index_flow
from flows.load_dataset import load_dataset_flow
from flows.search import search_flow
from flow_helpers import ROOT, ZERO_SHOT_ONLY, run_flow
from processes import kill_when

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

NUM_SHARDS = 8  # 48 docs, shard_size 6
SLOW_ENCODING = Path(__file__).with_name("slow_encoding.py")
# Only the zero-shot dense index, in shards of 6, so that every shard the flow encodes is one of NUM_SHARDS.
RESUME_PARAMS = {**ZERO_SHOT_ONLY, "index.minilm.shard_size": 6}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def encoded(stdout: str) -> list[int]:
    return sorted(int(n) for n in re.findall(r"encoded shard (\d+):", stdout))


def test_killed_index_flow_resumes_with_missing_shards_only(write_params: Callable[..., Path], tmp_path: Path) -> None:
    params = write_params("resume", **RESUME_PARAMS, **{"runner.workers": 1})
    shards = tmp_path / "artifacts" / "shards" / "minilm"
    load_dataset_flow(params_file=str(params))
    # `python -m flows.index`, each shard's encoding delayed by 2 s (tests/flows/slow_encoding.py)
    command = [sys.executable, str(SLOW_ENCODING), "2", "flows.index", "--params", str(params)]
    process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(process, lambda: len(list(shards.glob("shard-*.json"))) >= 2, "two finished shards", timeout=240)
    done = {int(p.stem.split("-")[1]): p.stat().st_mtime_ns for p in shards.glob("shard-*.json")}
    assert 2 <= len(done) < NUM_SHARDS and not (shards / "manifest.json").exists()

    rerun = run_flow("index", params)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert encoded(rerun.stdout + rerun.stderr) == sorted(set(range(NUM_SHARDS)) - set(done))
    assert {i: (shards / f"shard-{i:05d}.json").stat().st_mtime_ns for i in done} == done

    # An uninterrupted run elsewhere gives identical shards, index and search results.
    fresh = write_params("fresh", artifacts=tmp_path / "fresh", **RESUME_PARAMS)
    load_dataset_flow(params_file=str(fresh))
    index_flow(params_file=str(fresh))
    for name in [*(f"shard-{i:05d}.parquet" for i in range(NUM_SHARDS))]:
        assert sha(shards / name) == sha(tmp_path / "fresh/shards/minilm" / name), name
    assert sha(tmp_path / "artifacts/index/minilm/index.faiss") == sha(tmp_path / "fresh/index/minilm/index.faiss")
    search_flow(params_file=str(params))
    search_flow(params_file=str(fresh))
    for system in ("minilm", "bm25"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"artifacts/runs/{system}/run.parquet"),
                                      pd.read_parquet(tmp_path / f"fresh/runs/{system}/run.parquet"))

    # A deleted shard file is rebuilt, and only that one.
    mtimes = {p.name: p.stat().st_mtime_ns for p in shards.glob("shard-*.parquet")}
    before = sha(shards / "shard-00003.parquet")
    (shards / "shard-00003.parquet").unlink()
    again = run_flow("index", params)
    assert again.returncode == 0, again.stderr[-3000:]
    assert encoded(again.stdout + again.stderr) == [3]
    assert sha(shards / "shard-00003.parquet") == before
    assert {n: m for n, m in mtimes.items() if n != "shard-00003.parquet"} == \
        {p.name: p.stat().st_mtime_ns for p in shards.glob("shard-*.parquet") if p.name != "shard-00003.parquet"}
