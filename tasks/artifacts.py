"""Artifact plumbing shared by the tasks: model references, fingerprints, manifests.

An artifact is a folder written under a temporary name and renamed into place with a
``manifest.json`` (see :mod:`lir_core.artifacts`) that lists every file with its row count
and sha256. A folder whose manifest is missing, unreadable or does not match its files is
not an artifact: caches treat it as absent and the task that makes it runs again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from lir_core.artifacts import MANIFEST_NAME, Manifest, sha256_file
from lir_core.data.writers import atomic_directory

PKG_SCHEME = "pkg://"


def resolve_ref(ref: str | os.PathLike[str]) -> str:
    """Turn ``pkg://<package>/<sub/path>`` into the folder inside the installed package.

    Anything else (a path, a hub id, an ``ir_datasets`` id) is returned unchanged, so params
    files never hard-code a site-packages path.

    Raises:
        ModuleNotFoundError: If the package is not installed.
        FileNotFoundError: If the package has no such file or folder.
    """
    ref = str(ref)
    if not ref.startswith(PKG_SCHEME):
        return ref
    package, _, sub = ref[len(PKG_SCHEME):].partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{ref}: package {package!r} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / sub
    if not path.exists():
        raise FileNotFoundError(f"{ref}: {path} does not exist")
    return str(path)


_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def _file_hash(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime) within this process."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_HASHES:
        _FILE_HASHES[key] = sha256_file(path)
    return _FILE_HASHES[key]


def fingerprint(ref: Any) -> Any:
    """Content hash of an input: an artifact folder, any folder or file, or an id.

    Artifact folders hash their manifest's file checksums (not its producer facts), other
    folders every file's name and bytes, files their bytes; a string that names no file
    (an ``ir_datasets`` or hub id) hashes as itself. Dicts and lists are hashed item by item.
    """
    if ref is None:
        return "none"
    if isinstance(ref, Mapping):
        return {str(key): fingerprint(value) for key, value in ref.items()}
    if isinstance(ref, (list, tuple)):
        return [fingerprint(value) for value in ref]
    path = Path(resolve_ref(ref))
    if path.is_file():
        return "file:" + _file_hash(path)
    if path.is_dir():
        manifest = load_manifest(path)
        if manifest is not None:
            listing = sorted((name, entry.sha256) for name, entry in manifest.files.items())
        else:
            files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            listing = [(str(p.relative_to(path)), _file_hash(p)) for p in files]
        return "dir:" + hashlib.sha256(json.dumps(listing).encode()).hexdigest()
    return "id:" + str(ref)


def load_manifest(directory: str | Path) -> Manifest | None:
    """The folder's manifest, or None when it has none or an unreadable one."""
    try:
        return Manifest.load(directory)
    except ValueError:
        return None


MISSING = "it does not exist"


def artifact_problem(directory: str | Path) -> str | None:
    """Why ``directory`` is not an intact artifact (missing, incomplete, corrupt), or None if it is one."""
    directory = Path(directory)
    if not directory.exists():
        return MISSING
    try:
        manifest = Manifest.load(directory)
    except ValueError as error:
        return f"its manifest is unreadable ({error})"
    if manifest is None:
        return f"it has no {MANIFEST_NAME} (unfinished, or not written by a task)"
    if not manifest.files:
        return f"its {MANIFEST_NAME} lists no files"
    try:
        manifest.verify(directory)
    except (FileNotFoundError, ValueError) as error:
        return f"corrupt: {error}"
    return None


def is_valid_artifact(directory: str | Path) -> bool:
    """True if ``directory`` holds a manifest listing at least one file, all intact."""
    return artifact_problem(directory) is None


def parquet_rows(path: Path) -> int:
    """Row count of a Parquet file (0 for other files)."""
    return pq.ParquetFile(path).metadata.num_rows if path.suffix == ".parquet" else 0


def same_artifact(existing: Path, ours: Path) -> bool:
    """True if ``existing`` is an intact artifact with the same manifest (kind, producer, files
    and checksums) as the finished folder ``ours``."""
    theirs = load_manifest(existing)
    return theirs is not None and theirs == load_manifest(ours) and is_valid_artifact(existing)


@contextlib.contextmanager
def artifact_dir(out_dir: str | Path, kind: str, producer: Mapping[str, Any]) -> Iterator[Path]:
    """Yield a temporary folder; on success list its files in a manifest and move it onto ``out_dir``.

    A crash leaves ``out_dir`` as it was (no half-written artifact is ever visible). Writers of
    the same ``out_dir`` may run at once (two pipelines into one folder): each publishes with an
    atomic rename, and one that finds an intact artifact with the same manifest already in
    place (a concurrent writer won, or an earlier run made the same files) keeps that one and
    discards its own copy (:func:`lir_core.data.writers.publish_directory`).
    """
    with atomic_directory(out_dir, keep_existing=same_artifact) as temporary:
        yield temporary
        manifest = Manifest(kind=kind, producer=dict(producer))
        for file in sorted(p for p in temporary.rglob("*") if p.is_file()):
            name = str(file.relative_to(temporary))
            if name != MANIFEST_NAME:
                manifest.record(temporary, name, rows=parquet_rows(file))
        manifest.save(temporary)
