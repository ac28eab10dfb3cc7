"""Damaged artifacts are detected and rebuilt, byte-identical (issue 13's cases that already
passed, kept passing here): a truncated shard, a truncated faiss index, a deleted manifest, a
flipped byte in a run file; and a writer killed mid-artifact leaves the previous artifact intact.

Each case builds the artifacts with the task bodies (tiny random BERT, the three-document
dataset), damages one, and checks the chain a pipeline rerun goes through: the task's cache
policy drops the stored result and says why (naming the file), and the task body rebuilds it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bad_input_helpers import write_dataset
from prefect.filesystems import LocalFileSystem
from processes import kill_when

from lir_core.retrieve.shards import ShardSpec
from tasks.artifacts import is_valid_artifact
from tasks.build_index import build_index
from tasks.encode_shard import encode_shard, write_shards_manifest
from tasks.load_dataset import load_dataset
from tasks.search import search

ROOT = Path(__file__).parents[2]
SPEC = ShardSpec(0, 0, 3)


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Pipeline:
    """The dataset, one shard, a faiss-flat index and a dense run, built by the task bodies."""

    def __init__(self, root: Path, model: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        dataset = write_dataset(root)
        self.root, self.model = root, model
        self.data = Path(load_dataset.fn(str(dataset.out), docs=str(dataset.docs), queries=str(dataset.queries),
                                         qrels=str(dataset.qrels)))
        self.shards, self.index, self.run = root / "shards", root / "index", root / "run"
        self.tasks: dict[str, tuple[Any, Callable[[], dict[str, Any]]]] = {
            "shard": (encode_shard, lambda: {"model": model, "docs": str(self.data / "docs.parquet"),
                                             "out_dir": str(self.shards), "shard": SPEC, "batch_size": 2}),
            "index": (build_index, lambda: {"source": str(self.shards), "index_dir": str(self.index),
                                            "config": {"index_type": "faiss-flat"}}),
            "run": (search, lambda: {"index_dir": str(self.index), "queries": str(self.data / "queries.parquet"),
                                     "out_dir": str(self.run), "k": 3, "model": model, "batch_size": 2}),
        }
        self.build()

    def build(self) -> None:
        for name, (task, params) in self.tasks.items():
            task.fn(**params())
            if name == "shard":
                write_shards_manifest.fn(str(self.shards), [SPEC.shard_id])

    def key(self, name: str, storage: Path) -> str:
        """The task's cache key, computed as Prefect does before running it (drops a damaged record)."""
        task, params = self.tasks[name]
        store = SimpleNamespace(metadata_storage=None, result_storage=LocalFileSystem(basepath=str(storage)))
        return task.cache_policy.compute_key(SimpleNamespace(task=task, result_store=store), params(), {})


@pytest.fixture
def pipeline(tmp_path: Path, tiny_backbone: Callable[..., Path]) -> Pipeline:
    return Pipeline(tmp_path, str(tiny_backbone("bert")))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def largest_file(folder: Path) -> Path:
    files = [p for p in folder.iterdir() if p.is_file() and p.name != "manifest.json"]
    return max(files, key=lambda p: p.stat().st_size)


# (artifact, what is damaged, how, the reason the cache policy gives)
CASES = {
    "truncated-shard": ("shard", lambda p: p.shards / SPEC.file, truncate,
                        "its output is missing or does not match its checksum"),
    "truncated-faiss-index": ("index", lambda p: largest_file(p.index), truncate, "checksum mismatch"),
    "deleted-index-manifest": ("index", lambda p: p.index / "manifest.json", Path.unlink,
                               "it has no manifest.json (unfinished, or not written by a task)"),
    "deleted-run-manifest": ("run", lambda p: p.run / "manifest.json", Path.unlink,
                             "it has no manifest.json (unfinished, or not written by a task)"),
    "flipped-byte-in-run-file": ("run", lambda p: p.run / "run.run", flip_byte, "checksum mismatch"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_damaged_artifact_is_detected_and_rebuilt_identically(
    case: str, pipeline: Pipeline, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    artifact, target, damage, reason = CASES[case]
    folder = {"shard": pipeline.shards, "index": pipeline.index, "run": pipeline.run}[artifact]
    before = digests(folder)
    storage = tmp_path / "cache"
    storage.mkdir()
    key = pipeline.key(artifact, storage)
    (storage / key).write_text("the stored result of the first run")
    assert pipeline.key(artifact, storage) == key and (storage / key).exists()  # intact: cached

    path = target(pipeline)
    damage(path)
    with caplog.at_level(logging.WARNING, logger="tasks"):
        assert pipeline.key(artifact, storage) == key
    assert not (storage / key).exists(), "the damaged artifact's cached result must be dropped"
    warning, = [r.getMessage() for r in caplog.records if r.getMessage().startswith("rebuilding")]
    assert warning.startswith(f"rebuilding {folder}: ") and reason in warning
    if reason == "checksum mismatch":
        assert str(path) in warning  # names the damaged file

    pipeline.build()  # the rerun
    assert digests(folder) == before, "the rebuilt artifact must equal the original byte for byte"
    if artifact != "shard":
        assert is_valid_artifact(folder)


WRITER = """
import sys, time
from pathlib import Path
from tasks.artifacts import artifact_dir
with artifact_dir(sys.argv[1], "slow", {"task": "slow"}) as tmp:
    for index in range(1000):
        (tmp / f"part-{index}.txt").write_text(f"new {index}")
        if index == 3:
            print("writing", flush=True)
        time.sleep(0.05)
"""


def test_writer_killed_mid_artifact_leaves_the_previous_one_intact(tmp_path: Path) -> None:
    from tasks.artifacts import artifact_dir

    out = tmp_path / "artifacts" / "slow"
    with artifact_dir(out, "slow", {"task": "slow"}) as tmp:
        (tmp / "part-0.txt").write_text("old 0")
    before = digests(out)
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    stdout = process.stdout
    assert stdout is not None

    def writing() -> bool:
        started = stdout.readline() == "writing\n"
        time.sleep(0.1)  # into the middle of the write
        return started

    kill_when(process, writing, "writing")
    assert digests(out) == before and is_valid_artifact(out)
    leftovers = [p.name for p in out.parent.iterdir() if p != out]
    assert len(leftovers) == 1 and leftovers[0].startswith(".slow.") and leftovers[0].endswith(".tmp")
    with artifact_dir(out, "slow", {"task": "slow"}) as tmp:  # the rerun publishes normally
        (tmp / "part-0.txt").write_text("new 0")
    assert (out / "part-0.txt").read_text() == "new 0" and is_valid_artifact(out)


# Encodes three shards, each after a 3 s wait (a slowed-down encoder, so that the test can kill it between shards).
ENCODER = """
import sys, time
import tasks.encode_shard as task_module
from lir_core.retrieve.shards import ShardSpec
encode = task_module.encode
def slow_encode(*args, **kwargs):
    time.sleep(3)
    return encode(*args, **kwargs)
task_module.encode = slow_encode
model, docs, out = sys.argv[1:4]
for shard_id in range(3):
    task_module.encode_shard.fn(model, docs, out, ShardSpec(shard_id, shard_id, shard_id + 1), batch_size=1)
"""


def test_killed_encoding_resumes_with_finished_shards_kept(tmp_path: Path, tiny_backbone: Callable[..., Path]) -> None:
    """``kill -9`` between shards: a rerun keeps the finished shards (untouched) and encodes the
    rest, and the shards equal those of an uninterrupted run."""
    clean = Pipeline(tmp_path / "clean", str(tiny_backbone("bert")))
    docs, model = str(clean.data / "docs.parquet"), clean.model
    reference, shards = tmp_path / "reference", tmp_path / "shards"
    for shard_id in range(3):
        encode_shard.fn(model, docs, str(reference), ShardSpec(shard_id, shard_id, shard_id + 1), batch_size=1)
    process = subprocess.Popen([sys.executable, "-c", ENCODER, model, docs, str(shards)], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    kill_when(process, (shards / "shard-00000.json").exists, "a finished shard")
    finished = {p.name: p.stat().st_mtime_ns for p in shards.glob("shard-*") if not p.name.startswith(".")}
    assert sorted(finished) == ["shard-00000.json", "shard-00000.parquet"]
    for shard_id in range(3):  # the rerun
        encode_shard.fn(model, docs, str(shards), ShardSpec(shard_id, shard_id, shard_id + 1), batch_size=1)
    assert {name: (shards / name).stat().st_mtime_ns for name in finished} == finished, "finished shards were redone"
    assert {name: digest for name, digest in digests(shards).items() if not name.startswith(".")} == digests(reference)
