"""Atomic writes of folders (for files see :func:`lir_core.artifacts.atomic_path`)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _temporary_name(target: Path) -> Path:
    """A unique hidden name beside ``target`` (created with the usual umask-based mode)."""
    return target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target`` that replaces it when the block succeeds.

    A previous ``target`` is removed just before the rename, so only that short step is not
    atomic; on error the temporary folder is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_name(target)
    temporary.mkdir()
    try:
        yield temporary
        if target.exists():
            shutil.rmtree(target)
        os.replace(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
