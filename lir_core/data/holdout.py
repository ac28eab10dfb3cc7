"""Holding out training queries for validation, and writing the held-out set for a RunDataset.

The split is a fixed function of the query ids (their CRC32), so it needs no seed and is the same
on every machine and in every run: training and model selection never see each other's queries,
and test queries are never part of either.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .readers import Qrels, Run

RUN, QUERIES, QRELS, DOCS = ("validation-run.parquet", "validation-queries.parquet", "validation-qrels.parquet",
                             "validation-docs.parquet")


def holdout_queries(query_ids: Iterable[str], fraction: float) -> set[str]:
    """The ``fraction`` of ``query_ids`` with the smallest CRC32 of their id (at least one when
    ``fraction > 0`` and there are two or more ids; none when ``fraction`` is 0).

    Raises:
        ValueError: If ``fraction`` is not in [0, 1).
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"the validation fraction must be in [0, 1), got {fraction}")
    ids = sorted(set(query_ids), key=lambda query_id: (zlib.crc32(query_id.encode()), query_id))
    if fraction == 0 or len(ids) < 2:
        return set()
    return set(ids[: max(1, round(fraction * len(ids)))])


@dataclass(frozen=True)
class ValidationFiles:
    """A held-out validation set: a run to re-rank, its queries, their qrels and the texts of the
    run's documents (Parquet files), so that it needs no other source."""

    run: Path
    queries: Path
    qrels: Path
    docs: Path

    @classmethod
    def in_folder(cls, folder: str | Path) -> ValidationFiles:
        """The files of a validation set written into ``folder`` by :func:`write_validation_set`."""
        folder = Path(folder)
        return cls(folder / RUN, folder / QUERIES, folder / QRELS, folder / DOCS)

    def exist(self) -> bool:
        """Whether all three files are there."""
        return all(path.is_file() for path in (self.run, self.queries, self.qrels, self.docs))


def write_validation_set(run: Run, qrels: Qrels, queries: Mapping[str, str], docs: Mapping[str, str],
                         folder: str | Path, depth: int) -> ValidationFiles:
    """Write the top ``depth`` of ``run``'s queries, their texts and qrels, and the texts of those
    documents into ``folder``.

    Raises:
        ValueError: If ``run`` is empty, a run query has no text or no qrels, or ``depth < 1``.
    """
    if depth < 1:
        raise ValueError(f"validation depth must be >= 1, got {depth}")
    if not run:
        raise ValueError("no validation queries to write")
    unknown = sorted(query_id for query_id in run if query_id not in queries or query_id not in qrels)
    if unknown:
        raise ValueError(f"validation queries without text or qrels: {unknown[:5]}")
    files = ValidationFiles.in_folder(folder)
    ranked = [(q, d, s) for q, ranking in run.items() for d, s in list(ranking.items())[:depth]]
    pq.write_table(pa.table({"query_id": [r[0] for r in ranked], "doc_id": [r[1] for r in ranked],
                             "score": [float(r[2]) for r in ranked]}), files.run)
    pq.write_table(pa.table({"query_id": list(run), "query": [queries[q] for q in run]}), files.queries)
    doc_ids = sorted({r[1] for r in ranked})
    pq.write_table(pa.table({"doc_id": doc_ids, "doc": [docs[d] for d in doc_ids]}), files.docs)
    judged = [(q, d, r) for q in run for d, r in qrels[q].items()]
    pq.write_table(pa.table({"query_id": [j[0] for j in judged], "doc_id": [j[1] for j in judged],
                             "relevance": pa.array([j[2] for j in judged], pa.int32())}), files.qrels)
    return files
