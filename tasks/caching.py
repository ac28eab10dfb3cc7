"""Cache policy for tasks that write artifacts: keyed on content, valid only while the artifact is.

Prefect's default policy includes the flow run id, so a new process never reuses a result.
``ArtifactCache`` keys a task run on

* the content of its input artifacts (:func:`tasks.artifacts.fingerprint`),
* its other parameters (JSON),
* the code: the task function's compiled code (:func:`code_digest`) and the source files of the
  ``lir_core`` modules it names,

so any process, with any run id, reuses work whose inputs, settings and code are unchanged.
Before returning the key it checks the task's output artifact (manifest and checksums);
when that is missing or corrupt it drops the stored record for the key, so the task runs
again and its new result is stored under the same key. Why an existing artifact is rebuilt
(deleted, unfinished, corrupt, stale) goes to the Prefect run log.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import logging
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect.cache_policies import CachePolicy
from prefect.context import TaskRunContext
from prefect.filesystems import LocalFileSystem

from tasks.artifacts import MISSING, artifact_problem, fingerprint
from tasks.logs import run_logger

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=None)
def module_source_hash(name: str) -> str:
    """sha256 over the ``.py`` files of a module or package (sorted by path)."""
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(name)
    if spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations)))
        files = sorted(root.rglob("*.py"))
    else:
        root, files = Path(spec.origin).parent, [Path(spec.origin)]
    digest = hashlib.sha256()
    for file in files:
        digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def code_digest(code: types.CodeType) -> str:
    """sha256 of a function's compiled code: bytecode, names, constants and nested functions.

    Not its source text: a task that Prefect ships to a Dask worker arrives there without a source
    file that ``inspect.getsource`` can read ("could not get source code"), and its cache was
    skipped. The bytecode is the same in every process of the same Python; sets among the
    constants are hashed in sorted order, because string hashing (and so their order) differs
    from process to process.
    """
    digest = hashlib.sha256()

    def visit(value: Any) -> None:
        if isinstance(value, types.CodeType):
            digest.update(b"code:" + value.co_name.encode() + value.co_code)
            for part in (value.co_names, value.co_varnames, value.co_freevars, value.co_consts):
                visit(part)
        elif isinstance(value, tuple):
            digest.update(b"(")
            for item in value:
                visit(item)
            digest.update(b")")
        elif isinstance(value, frozenset):
            digest.update(b"{" + "\0".join(sorted(map(repr, value))).encode() + b"}")
        else:
            digest.update(type(value).__name__.encode() + b":" + repr(value).encode() + b"\0")

    visit(code)
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__, **dataclasses.asdict(value)}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot hash a {type(value).__name__} as a task parameter")


def record_path(task_ctx: TaskRunContext, key: str) -> Path | None:
    """The file holding the stored record of ``key``, or None for storages other than local files."""
    store = task_ctx.result_store
    storage = store.metadata_storage or store.result_storage
    if storage is None:
        from prefect.results import get_default_result_storage

        storage = get_default_result_storage()
    if isinstance(storage, LocalFileSystem):  # records are files named by their key
        return Path(storage.basepath or ".").expanduser().resolve() / key
    return None


def forget(task_ctx: TaskRunContext, key: str) -> bool:
    """Delete the stored record of ``key`` so that the task runs and stores a fresh result;
    returns whether there was one."""
    path = record_path(task_ctx, key)
    if path is None:  # other storages: overwrite is not possible from a policy; the run still rebuilds
        logger.warning("cannot drop cache record %s: the result storage is not a local folder", key)
        return False
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def log_rebuild_reason(task_ctx: TaskRunContext, key: str, output: Any, problem: str | None, custom: bool) -> None:
    """Say in the run log why a task rebuilds an artifact that exists or was cached: deleted,
    unfinished, corrupt (``problem``), or stale (valid, but no cached result for the current key:
    its inputs, parameters or code changed). A first build and a cache hit say nothing."""
    if problem is not None:
        had_record = forget(task_ctx, key)
        if problem == MISSING:
            if had_record:
                run_logger().warning("rebuilding %s: it was deleted after it was built", output)
        elif had_record or not custom:  # a custom check cannot tell a first build from a damaged one
            run_logger().warning("rebuilding %s: %s", output, problem)
        return
    path = record_path(task_ctx, key) if not custom else None
    if path is not None and not path.exists():
        run_logger().info("rebuilding %s: stale (no cached result for its current inputs, parameters and code; "
                          "they changed since it was built, or another task cache built it)", output)


@dataclass
class ArtifactCache(CachePolicy):
    """Content-keyed cache policy for a task that writes one artifact.

    Args:
        inputs: Parameters holding input artifacts (paths, ``pkg://`` refs or ids); their
            content, not their name, enters the key.
        output: Parameter holding the output folder, checked before a cached result is used.
        code: Modules (e.g. ``"lir_core.retrieve"``) whose source is part of the code version.
        is_valid: ``is_valid(parameters) -> bool`` for outputs that are not a whole artifact
            folder (e.g. one shard of a folder); defaults to a manifest check of ``output``.
    """

    inputs: tuple[str, ...] = ()
    output: str = "out_dir"
    code: tuple[str, ...] = ()
    is_valid: Callable[[Mapping[str, Any]], bool] | None = field(default=None, compare=False)

    def compute_key(
        self, task_ctx: TaskRunContext, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any
    ) -> str | None:
        parts = {
            "task": code_digest(task_ctx.task.fn.__code__),
            "code": {name: module_source_hash(name) for name in self.code},
            "inputs": {name: fingerprint(inputs.get(name)) for name in self.inputs},
            "params": {name: value for name, value in inputs.items() if name not in self.inputs},
        }
        key = hashlib.sha256(json.dumps(parts, sort_keys=True, default=_jsonable).encode()).hexdigest()
        if self.is_valid is not None:
            problem = None if self.is_valid(inputs) else "its output is missing or does not match its checksum"
        else:
            problem = artifact_problem(inputs[self.output])
        log_rebuild_reason(task_ctx, key, inputs.get(self.output), problem, custom=self.is_valid is not None)
        return key
