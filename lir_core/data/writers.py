"""Atomic file writes and run writers (TREC run text and Parquet)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .readers import Run


def _temporary_name(target: Path) -> Path:
    """A unique hidden name beside ``target`` (created with the usual umask-based mode)."""
    return target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary file path beside ``target``, renamed onto it when the block succeeds.

    The block writes the file at that path (it does not exist yet). Readers never see a
    half-written ``target``; on error the temporary file is removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_name(target)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


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


def run_rows(run: Run) -> Iterator[tuple[str, str, int, float]]:
    """Yield ``(query_id, doc_id, rank, score)`` with 1-based ranks in each query's dict order."""
    for query_id, ranking in run.items():
        for rank, (doc_id, score) in enumerate(ranking.items(), start=1):
            yield query_id, doc_id, rank, float(score)


def write_trec_run(run: Run, path: str | Path, tag: str = "lir") -> Path:
    """Write a run as a TREC run file (``qid Q0 docid rank score tag``), atomically.

    Raises:
        ValueError: If ``tag`` is empty or contains whitespace.
    """
    if not tag or any(character.isspace() for character in tag):
        raise ValueError(f"the run tag must be one non-empty word, got {tag!r}")
    with atomic_path(path) as temporary, open(temporary, "w", encoding="utf-8") as handle:
        for query_id, doc_id, rank, score in run_rows(run):
            handle.write(f"{query_id} Q0 {doc_id} {rank} {score!r} {tag}\n")
    return Path(path)


RUN_SCHEMA = pa.schema(
    [("query_id", pa.string()), ("doc_id", pa.string()), ("rank", pa.int32()), ("score", pa.float64())]
)


def write_parquet_run(run: Run, path: str | Path) -> Path:
    """Write a run as Parquet with columns ``query_id, doc_id, rank, score``, atomically."""
    columns = list(zip(*run_rows(run))) or [[], [], [], []]
    table = pa.Table.from_arrays([pa.array(column, type=f.type) for column, f in zip(columns, RUN_SCHEMA)], schema=RUN_SCHEMA)
    with atomic_path(path) as temporary:
        pq.write_table(table, temporary)
    return Path(path)
