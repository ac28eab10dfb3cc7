"""Runs (ranked documents per query) as Parquet and TREC files, and checks against a collection.

The Parquet file has columns ``query_id: string, doc_id: string, rank: int32, score:
float64`` sorted by query (in result order) and rank; the TREC file has the usual
``query_id Q0 doc_id rank score tag`` lines. Both are written atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from lir_core.artifacts import Manifest, atomic_path
from lir_core.data.readers import text_lines
from lir_core.retrieve.base import SearchResult

if TYPE_CHECKING:  # pandas (over 1 s to import) is imported by the functions that build a frame
    import pandas as pd

RUN_COLUMNS = ("query_id", "doc_id", "rank", "score")
RUN_SCHEMA = pa.schema(
    [("query_id", pa.string()), ("doc_id", pa.string()), ("rank", pa.int32()), ("score", pa.float64())]
)


@dataclass(frozen=True)
class RunFiles:
    """The files a run was written to."""

    parquet: Path
    trec: Path


def run_frame(result: SearchResult) -> pd.DataFrame:
    """A result as a run frame (ranks from 1, in the result's order)."""
    import pandas as pd

    rows = [
        (query_id, doc_id, rank, float(score))
        for query_id, doc_ids, scores in zip(result.query_ids, result.doc_ids, result.scores)
        for rank, (doc_id, score) in enumerate(zip(doc_ids, scores), start=1)
    ]
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS)).astype({"rank": "int32", "score": "float64"})


def write_run(
    result: SearchResult,
    stem: str | Path,
    tag: str = "lir_core",
    producer: Mapping[str, Any] | None = None,
) -> RunFiles:
    """Write ``{stem}.parquet`` and ``{stem}.run`` (TREC), each atomically.

    Args:
        result: The ranked documents per query.
        stem: Path without suffix, e.g. ``runs/beir-scifact-test``.
        tag: The TREC run tag (no whitespace).
        producer: When given, both files are recorded (rows, sha256) in the folder's
            ``manifest.json`` (kind "runs") with this producer.

    Raises:
        ValueError: If ``tag`` contains whitespace.
    """
    if not tag or any(c.isspace() for c in tag):
        raise ValueError(f"a TREC run tag must be non-empty without whitespace, got {tag!r}")
    stem = Path(stem)
    files = RunFiles(stem.with_name(stem.name + ".parquet"), stem.with_name(stem.name + ".run"))
    frame = run_frame(result)
    with atomic_path(files.parquet) as tmp:
        pq.write_table(pa.Table.from_pandas(frame, schema=RUN_SCHEMA, preserve_index=False), tmp)
    with atomic_path(files.trec) as tmp, open(tmp, "w") as handle:
        for query_id, doc_id, rank, score in frame.itertuples(index=False):
            handle.write(f"{query_id} Q0 {doc_id} {rank} {score:.9g} {tag}\n")
    if producer is not None:
        manifest = Manifest.load(stem.parent) or Manifest(kind="runs")
        manifest.producer = dict(producer)
        for path in (files.parquet, files.trec):
            manifest.record(stem.parent, path.name, rows=len(frame))
    return files


def read_run(path: str | Path) -> pd.DataFrame:
    """Read a run written by :func:`write_run` (``.parquet``) or any TREC run file.

    Returns:
        A frame with columns query_id, doc_id, rank, score, sorted by query and rank.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If a TREC line does not have six fields or the file is not UTF-8 (naming the line).
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such run file")
    if path.suffix == ".parquet":
        frame = pq.read_table(path).to_pandas()
    else:
        rows = []
        for line_number, line in text_lines(path):
            fields = line.split()
            if len(fields) != 6:
                raise ValueError(f"{path}:{line_number}: expected 'qid Q0 docid rank score tag', got {line!r}")
            rows.append((fields[0], fields[2], int(fields[3]), float(fields[4])))
        frame = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
    frame = frame.astype({"query_id": str, "doc_id": str, "rank": "int32", "score": "float64"})
    return frame.sort_values(["query_id", "rank"], kind="stable").reset_index(drop=True)


def validate_run_doc_ids(run: pd.DataFrame | SearchResult, doc_ids: Iterable[str], shown: int = 5) -> None:
    """Check that every document a run names is in the collection.

    Args:
        run: A run frame (column ``doc_id``) or a search result.
        doc_ids: The collection's doc ids.
        shown: How many unknown ids the error lists.

    Raises:
        ValueError: Counting the unknown ids and listing the first few.
    """
    named = (d for ids in run.doc_ids for d in ids) if isinstance(run, SearchResult) else run["doc_id"]
    known = set(doc_ids)
    unknown = list(dict.fromkeys(d for d in named if d not in known))
    if unknown:
        raise ValueError(
            f"the run names {len(unknown)} document(s) not in the collection, e.g. {unknown[:shown]}"
        )
