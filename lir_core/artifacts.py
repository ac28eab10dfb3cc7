"""Artifacts that are never read half-written: atomic writes and checksummed manifests.

Every artifact folder (encoded shards, an index, a run) carries a ``manifest.json`` listing
its files with row counts and sha256 checksums plus what produced it. A file is written
under a temporary name and renamed into place only when complete, and the manifest is
updated (atomically) after each finished file, so a crash leaves either a complete entry or
none, and a rerun can skip exactly the files whose checksums still match.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On an exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text)


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def config_hash(values: Any) -> str:
    """Stable short hash of JSON-serialisable parameters."""
    payload = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


@dataclass
class FileEntry:
    """One finished file of an artifact."""

    rows: int
    sha256: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Manifest:
    """What an artifact folder holds and what produced it.

    Attributes:
        kind: Artifact type, e.g. "dense-shards", "faiss-index", "run".
        producer: Facts about the producer (model id, config hash, code version, ...); a
            manifest whose producer differs from the expected one is stale.
        files: Relative file name -> entry, only for files that were completely written.
    """

    kind: str
    producer: dict[str, Any] = field(default_factory=dict)
    files: dict[str, FileEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: str | Path) -> "Manifest | None":
        """Read ``manifest.json`` from a folder, or None if there is none.

        Raises:
            ValueError: If the manifest is not valid JSON or lacks fields.
        """
        path = Path(directory) / MANIFEST_NAME
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text())
            files = {name: FileEntry(**entry) for name, entry in raw.get("files", {}).items()}
            return cls(kind=raw["kind"], producer=raw.get("producer", {}), files=files)
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: corrupt manifest ({error})") from error

    def save(self, directory: str | Path) -> None:
        """Write ``manifest.json`` atomically."""
        write_text_atomic(Path(directory) / MANIFEST_NAME, json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    def record(self, directory: str | Path, name: str, rows: int, **extra: Any) -> FileEntry:
        """Checksum a finished file, add it, and save the manifest."""
        entry = FileEntry(rows=rows, sha256=sha256_file(Path(directory) / name), extra=extra)
        self.files[name] = entry
        self.save(directory)
        return entry

    def is_valid(self, directory: str | Path, name: str) -> bool:
        """True if ``name`` is recorded and its bytes still match the checksum."""
        entry = self.files.get(name)
        path = Path(directory) / name
        return entry is not None and path.is_file() and sha256_file(path) == entry.sha256

    def verify(self, directory: str | Path) -> None:
        """Check every recorded file.

        Raises:
            FileNotFoundError: If a recorded file is missing.
            ValueError: If a file's checksum does not match (corrupt).
        """
        for name, entry in self.files.items():
            path = Path(directory) / name
            if not path.is_file():
                raise FileNotFoundError(f"{path}: listed in {MANIFEST_NAME} but missing")
            if sha256_file(path) != entry.sha256:
                raise ValueError(f"{path}: checksum mismatch (corrupt or modified file)")
