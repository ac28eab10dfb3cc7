"""Task: read a collection, queries and qrels (files or ``ir_datasets`` ids) into Parquet."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from prefect import task

from lir_core.data.readers import Qrels
from lir_core.data.sources import check_qrels_docs, check_qrels_queries, load_docs, load_qrels, load_queries, load_run
from lir_core.retrieve.base import SearchResult
from lir_core.retrieve.runs import write_run
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.logs import run_logger, warnings_to_run_log
from tasks.retry import retry_if_transient

DOCS, QUERIES, QRELS = "docs.parquet", "queries.parquet", "qrels.parquet"


@task(
    cache_policy=ArtifactCache(inputs=("docs", "queries", "qrels"), code=("lir_core.data",)),
    retries=2, retry_delay_seconds=10, retry_condition_fn=retry_if_transient,
)
def load_dataset(out_dir: str, docs: str | None = None, queries: str | None = None,
                 qrels: str | None = None, docs_row_group: int = 10_000) -> str:
    """Write ``docs.parquet`` (doc_id, doc), ``queries.parquet`` (query_id, query) and
    ``qrels.parquet`` (query_id, doc_id, relevance) for the sources given; returns ``out_dir``.

    Every source is read and checked before anything is written: qrels naming queries or
    documents that are not among the ones given are logged as warnings (an error when none
    is known; see :mod:`lir_core.data.sources`).

    Raises:
        ValueError: On an empty source, a bad line (malformed, not UTF-8, a repeated id; named
            with its file and line), or qrels none of whose queries or documents is known.
    """
    doc_texts = load_docs(docs) if docs else None
    query_texts = load_queries(queries) if queries else None
    judged = _judgements(qrels) if qrels else None
    if judged is not None:
        with warnings_to_run_log():
            if query_texts is not None:
                check_qrels_queries(judged, query_texts, str(qrels))
            if doc_texts is not None:
                check_qrels_docs(judged, doc_texts, str(qrels))
    sources = {"docs": docs, "queries": queries, "qrels": qrels}
    producer = {"task": "load_dataset", "sources": sources,
                "inputs": {name: fingerprint(value) for name, value in sources.items()}}
    with artifact_dir(out_dir, "dataset", producer) as tmp:
        if doc_texts is not None:
            table = pa.table({"doc_id": list(doc_texts), "doc": list(doc_texts.values())})
            pq.write_table(table, tmp / DOCS, row_group_size=docs_row_group)
        if query_texts is not None:
            pq.write_table(pa.table({"query_id": list(query_texts), "query": list(query_texts.values())}), tmp / QUERIES)
        if judged is not None:
            rows = [(q, d, r) for q, docs_ in judged.items() for d, r in docs_.items()]
            pq.write_table(pa.table({"query_id": [j[0] for j in rows], "doc_id": [j[1] for j in rows],
                                     "relevance": pa.array([j[2] for j in rows], pa.int32())}), tmp / QRELS)
    run_logger().info("dataset written to %s (%s)", out_dir, ", ".join(sorted(p.name for p in Path(out_dir).iterdir())))
    return str(out_dir)


def _judgements(qrels: str) -> Qrels:
    """The qrels of a source.

    Raises:
        ValueError: If the source has no judgements.
    """
    judged = load_qrels(qrels)
    if not judged:
        raise ValueError(f"{qrels}: there are no relevance judgements")
    return judged


@task(
    cache_policy=ArtifactCache(inputs=("source",), code=("lir_core.data", "lir_core.retrieve")),
    retries=2, retry_delay_seconds=10, retry_condition_fn=retry_if_transient,
)
def import_run(source: str, out_dir: str, run_from: str | None = None, depth: int | None = None,
               tag: str = "imported") -> str:
    """Write the run of ``source`` (a run/qrels file or an ``ir_datasets`` id: its scoreddocs, or
    its qrels with ``run_from="qrels"``) as a run folder, keeping ``depth`` documents per query;
    returns ``out_dir``."""
    run = load_run(source, run_from)  # type: ignore[arg-type]
    result = SearchResult.from_run(run, depth=depth)
    producer = {"task": "import_run", "source": source, "run_from": run_from, "depth": depth,
                "inputs": {"source": fingerprint(source)}}
    with artifact_dir(out_dir, "run", producer) as tmp:
        write_run(result, tmp / "run", tag=tag)
    run_logger().info("imported %s: %d queries", source, len(result.query_ids))
    return str(out_dir)
