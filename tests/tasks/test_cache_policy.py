"""ArtifactCache: keys follow input content, params and code; a damaged output drops its record."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from prefect.filesystems import LocalFileSystem

from tasks.artifacts import artifact_dir
from tasks.caching import ArtifactCache, code_digest, module_source_hash


def make_task(out_dir: str, source: str, k: int = 10) -> str:  # stands in for a task body
    return out_dir


def other_task(out_dir: str, source: str, k: int = 10) -> str:
    return out_dir + "/"


def context(storage: Path, fn: Any = make_task) -> Any:
    store = SimpleNamespace(metadata_storage=None, result_storage=LocalFileSystem(basepath=str(storage)))
    return SimpleNamespace(task=SimpleNamespace(fn=fn), result_store=store)


def task_with_constants(out_dir: str) -> bool:
    return out_dir in {"alpha", "beta", "gamma", "delta"} and (lambda: "nested")() == "nested"  # noqa: PLC3002 - a set and a nested function among its constants


def write_artifact(path: Path, text: str) -> None:
    with artifact_dir(path, "test", {}) as tmp:
        (tmp / "data.txt").write_text(text)


def test_key_depends_on_content_params_and_code(tmp_path: Path) -> None:
    policy = ArtifactCache(inputs=("source",), code=("tasks.artifacts",))
    ctx = context(tmp_path / "store")
    source, out = tmp_path / "source.txt", tmp_path / "out"
    source.write_text("v1")
    write_artifact(out, "result")
    params = {"out_dir": str(out), "source": str(source), "k": 10}
    key = policy.compute_key(ctx, params, {})
    assert key == policy.compute_key(context(tmp_path / "store"), dict(params), {"run": "any"})
    assert policy.compute_key(ctx, {**params, "k": 20}, {}) != key
    assert policy.compute_key(context(tmp_path / "store", other_task), params, {}) != key
    assert ArtifactCache(inputs=("source",), code=("tasks.caching",)).compute_key(ctx, params, {}) != key
    source.write_text("v2")
    assert policy.compute_key(ctx, params, {}) != key
    copy = tmp_path / "copy.txt"
    copy.write_text("v1")
    source.write_text("v1")
    assert policy.compute_key(ctx, {**params, "source": str(copy)}, {}) == key


def test_damaged_output_drops_stored_record(tmp_path: Path) -> None:
    policy = ArtifactCache(inputs=("source",))
    storage = tmp_path / "store"
    storage.mkdir()
    out = tmp_path / "out"
    write_artifact(out, "result")
    params = {"out_dir": str(out), "source": "beir/scifact", "k": 1}
    key = policy.compute_key(context(storage), params, {})
    (storage / key).write_text("a stored result")
    assert policy.compute_key(context(storage), params, {}) == key and (storage / key).exists()
    (out / "data.txt").write_text("corrupted")
    assert policy.compute_key(context(storage), params, {}) == key
    assert not (storage / key).exists()


def test_custom_validity_check(tmp_path: Path) -> None:
    storage = tmp_path / "store"
    storage.mkdir()
    policy = ArtifactCache(output="unused", is_valid=lambda params: params["k"] > 0)
    key = policy.compute_key(context(storage), {"k": 1}, {})
    (storage / key).write_text("x")
    policy.compute_key(context(storage), {"k": 1}, {})
    assert (storage / key).exists()
    key0 = policy.compute_key(context(storage), {"k": 0}, {})
    (storage / key0).write_text("x")
    policy.compute_key(context(storage), {"k": 0}, {})
    assert not (storage / key0).exists()


def test_module_source_hash_covers_packages_and_modules() -> None:
    assert module_source_hash("tasks") != module_source_hash("tasks.caching")
    assert len(module_source_hash("lir_core.retrieve")) == 64


def test_code_key_needs_no_source_file_and_is_the_same_in_every_process(tmp_path: Path) -> None:
    """A task shipped to a Dask worker has no source file there; its key comes from its compiled
    code, which is the same in any process, whatever the string hash seed (set constants)."""
    script = "from tests.tasks.test_cache_policy import task_with_constants as f; " \
             "from tasks.caching import code_digest; print(code_digest(f.__code__))"
    digests = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert digests == {code_digest(task_with_constants.__code__)}
    assert code_digest(make_task.__code__) != code_digest(other_task.__code__)
    shipped = compile("def make_task(out_dir, source, k=10):\n    return out_dir\n", "<dask-worker>", "exec")
    namespace: dict[str, Any] = {}
    exec(shipped, namespace)  # noqa: S102 - the same function, compiled where no file exists
    assert code_digest(namespace["make_task"].__code__) == code_digest(make_task.__code__)
