"""Index folders of numpy arrays: written atomically with a checksummed manifest, loaded with mmap.

Every array is one ``<name>.npy`` file (``np.save``), so a large index opens with
``np.load(mmap_mode="r")`` without reading it into memory (the ``bm25s`` way). A (re)build
first removes the folder's manifest, writes every file under a temporary name renamed into
place when complete, and writes the manifest last, so a half-built index never looks
finished. The ``manifest.json`` has the config's ``index_type`` as its ``kind`` (so
``searcher_class_for`` finds the searcher) and records the index config, the encoder that
produced the vectors, the index's shape facts and a sha256 per file, which ``load_arrays``
checks before use. Shared by the sparse and the PLAID/multi-vector index families.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lir_core.artifacts import MANIFEST_NAME, FileEntry, Manifest, atomic_path, sha256_file
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.retrieve.base import IndexConfig
from lir_core.retrieve.shards import check_encoder


@dataclass
class StoredIndex:
    """An index folder opened for search.

    Attributes:
        directory: The index folder.
        manifest: Its manifest (``producer`` holds ``index_config``, ``facts``, ``encoder``).
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
    def encoder(self) -> dict[str, Any]:
        """The encoder fingerprint of the vectors (empty when built from bare vectors)."""
        return self.manifest.producer["encoder"]

    def check_module(self, module: BiEncoderModule | None, dim: int) -> None:
        """Check that ``module`` encodes queries for this index (no-op for None).

        Compares the full encoder fingerprint when the index recorded one (built from
        shards), else only the vector dimension.

        Raises:
            ValueError: Naming the index folder and what differs.
        """
        if module is None:
            return
        if self.encoder:
            check_encoder(self.encoder, module, self.directory)
        elif module.model.embedding_dim != dim:
            raise ValueError(
                f"{self.directory}: index holds {dim}-d vectors, the module encodes {module.model.embedding_dim}-d"
            )


def save_arrays(
    index_dir: str | Path,
    arrays: Mapping[str, np.ndarray],
    config: IndexConfig,
    facts: Mapping[str, Any],
    encoder: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | None = None,
    extra_files: Mapping[str, Callable[[Path], None]] | None = None,
) -> Manifest:
    """Write arrays (and optional files written by callbacks) as one index folder.

    Args:
        index_dir: Target folder; an index already there stops counting as finished at once.
        arrays: Name -> array, each saved as ``<name>.npy``.
        config: The index config (stored so that the searcher can check the index type).
        facts: JSON-serialisable shape facts (``num_docs``, ``dim``, ...) checked at search.
        encoder: Fingerprint of the encoder of the vectors (the shards' producer), checked
            against the query module at search; None for bare vectors.
        inputs: Other facts about the inputs (e.g. the shards manifest's checksum).
        extra_files: File name -> ``write(path)`` for files in a library's own format (e.g.
            a Seismic index), written atomically and checksummed like the arrays.

    Returns:
        The manifest that was written.
    """
    index_dir = Path(index_dir)
    producer = {"index_config": config.to_dict(), "facts": dict(facts), "encoder": dict(encoder or {}), **(inputs or {})}
    manifest = Manifest(kind=config.index_type, producer=producer)
    index_dir.mkdir(parents=True, exist_ok=True)
    (index_dir / MANIFEST_NAME).unlink(missing_ok=True)
    for name, array in arrays.items():
        file_name = f"{name}.npy"
        with atomic_path(index_dir / file_name) as tmp, open(tmp, "wb") as handle:
            np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
        manifest.files[file_name] = FileEntry(
            rows=int(array.shape[0]), sha256=sha256_file(index_dir / file_name),
            extra={"shape": list(array.shape), "dtype": str(array.dtype)},
        )
    for file_name, write in (extra_files or {}).items():
        with atomic_path(index_dir / file_name) as tmp:
            write(tmp)
        manifest.files[file_name] = FileEntry(rows=int(facts["num_docs"]), sha256=sha256_file(index_dir / file_name))
    manifest.save(index_dir)
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
    if manifest.kind != index_type:
        raise ValueError(f"{index_dir}: holds a {manifest.kind!r} index, expected {index_type!r}")
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
