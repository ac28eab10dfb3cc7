"""Index folders of numpy arrays: written atomically with a checksummed manifest, loaded with mmap.

Every array is one ``<name>.npy`` file (``np.save``), so a large index opens with
``np.load(mmap_mode="r")`` without reading it into memory (the ``bm25s`` way). The folder is
built under a temporary name and renamed into place when complete; its ``manifest.json``
records the index config, the index's shape facts and a sha256 per file, which ``load_arrays``
checks before use. Shared by the sparse and the PLAID/multi-vector index families.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lir_core.artifacts import MANIFEST_NAME, Manifest
from lir_core.data.writers import atomic_directory
from lir_core.retrieve.base import IndexConfig

INDEX_KIND = "index"


@dataclass
class StoredIndex:
    """An index folder opened for search.

    Attributes:
        directory: The index folder.
        manifest: Its manifest (``producer`` holds ``index_config``, ``facts`` and ``source``).
        arrays: Array name -> array (memory-mapped when loaded with ``mmap=True``).
    """

    directory: Path
    manifest: Manifest
    arrays: dict[str, np.ndarray]

    @property
    def facts(self) -> dict[str, Any]:
        """Shape facts recorded at build time (``num_docs``, ``dim``, ...)."""
        return self.manifest.producer["facts"]

    @property
    def config(self) -> IndexConfig:
        """The config the index was built with."""
        return IndexConfig.from_dict(self.manifest.producer["index_config"])


def save_arrays(
    index_dir: str | Path,
    arrays: Mapping[str, np.ndarray],
    config: IndexConfig,
    facts: Mapping[str, Any],
    source: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, Any] | None = None,
) -> Manifest:
    """Write arrays (and optional files written by callbacks) as one index folder, atomically.

    Args:
        index_dir: Target folder; an existing index there is replaced only on success.
        arrays: Name -> array, each saved as ``<name>.npy``.
        config: The index config (stored so that the searcher can check the index type).
        facts: JSON-serialisable shape facts (``num_docs``, ``dim``, ...) checked at search.
        source: What the index was built from (e.g. the shards' manifest producer: model).
        extra_files: File name -> callable ``write(path)`` for files in a library's own
            format (e.g. a Seismic index), checksummed like the arrays.

    Returns:
        The manifest that was written.
    """
    index_dir = Path(index_dir)
    producer = {"index_config": config.to_dict(), "facts": dict(facts), "source": dict(source or {})}
    manifest = Manifest(kind=INDEX_KIND, producer=producer)
    with atomic_directory(index_dir) as tmp_dir:
        for name, array in arrays.items():
            file_name = f"{name}.npy"
            with open(tmp_dir / file_name, "wb") as handle:
                np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
            manifest.record(tmp_dir, file_name, rows=int(array.shape[0]) if array.ndim else 1,
                            shape=list(array.shape), dtype=str(array.dtype))
        for file_name, write in (extra_files or {}).items():
            write(tmp_dir / file_name)
            manifest.record(tmp_dir, file_name, rows=int(facts.get("num_docs", 0)))
    return manifest


def load_arrays(
    index_dir: str | Path,
    index_type: str,
    names: tuple[str, ...],
    extra_files: tuple[str, ...] = (),
    mmap: bool = True,
    verify: bool = True,
) -> StoredIndex:
    """Open an index folder written by ``save_arrays``.

    Args:
        index_dir: The index folder.
        index_type: The index type the caller can search; another type is an error.
        names: Arrays the caller needs (``<name>.npy``).
        extra_files: Other files the caller needs (checked, not loaded).
        mmap: Memory-map the arrays instead of reading them into memory.
        verify: Check every file's sha256 against the manifest first (reads all bytes once).

    Returns:
        The opened index.

    Raises:
        FileNotFoundError: If the folder has no manifest (not an index, or never finished)
            or a listed file is missing.
        ValueError: If the index has another type, lacks a needed file in its manifest, or
            a file is corrupt (checksum mismatch or unreadable), naming the file.
    """
    index_dir = Path(index_dir)
    manifest = Manifest.load(index_dir)
    if manifest is None:
        raise FileNotFoundError(f"{index_dir}: no {MANIFEST_NAME}; not an index folder (or its build never finished)")
    stored_type = manifest.producer.get("index_config", {}).get("index_type")
    if manifest.kind != INDEX_KIND or stored_type != index_type:
        raise ValueError(f"{index_dir}: holds a {stored_type!r} index, expected {index_type!r}")
    needed = [f"{name}.npy" for name in names] + list(extra_files)
    unlisted = [file_name for file_name in needed if file_name not in manifest.files]
    if unlisted:
        raise ValueError(f"{index_dir}: incomplete index, {MANIFEST_NAME} does not list {unlisted}")
    if verify:
        manifest.verify(index_dir)
    arrays = {}
    for name in names:
        path = index_dir / f"{name}.npy"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: listed in {MANIFEST_NAME} but missing")
        try:
            arrays[name] = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        except (ValueError, OSError, EOFError) as error:
            raise ValueError(f"{path}: unreadable index file ({error})") from error
    return StoredIndex(index_dir, manifest, arrays)
