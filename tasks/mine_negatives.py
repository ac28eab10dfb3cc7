"""Task: mine BM25 hard negatives for training queries; writes a tuples Parquet artifact."""

from __future__ import annotations

import pandas as pd
from prefect import task

from lir_core.data import load_qrels, load_queries
from lir_core.data.doc_lookup import DictDocLookup
from lir_core.data.hard_negatives import mine_hard_negatives
from lir_core.retrieve.bm25 import Bm25Retriever
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.logs import run_logger
from tasks.retry import retry_if_transient

TUPLES = "tuples.parquet"


@task(
    cache_policy=ArtifactCache(inputs=("docs", "queries", "qrels"), code=("lir_core.data", "lir_core.retrieve")),
    retries=2, retry_delay_seconds=10, retry_condition_fn=retry_if_transient,
)
def mine_negatives(docs: str, queries: str, qrels: str, out_dir: str, depth: int = 100,
                   num_negatives: int = 7) -> str:
    """BM25 over ``docs`` (the dataset's ``docs.parquet``) for the training ``queries`` (file or
    ``ir_datasets`` id); each query's judged positives in ``qrels`` and its best-ranked documents
    that are not judged relevant (at most ``num_negatives`` of the top ``depth``) become one tuple
    of ``out_dir/tuples.parquet``; returns ``out_dir``."""
    collection = read_docs(docs)
    query_texts, judged = load_queries(queries), load_qrels(qrels)
    if judged is None:
        raise ValueError(f"{qrels}: no qrels to take positives from")
    bm25 = Bm25Retriever()
    bm25.index(list(collection), list(collection.values()))
    run = bm25.search(query_texts, k=depth)
    producer = {"task": "mine_negatives", "retriever": "bm25", "depth": depth, "num_negatives": num_negatives,
                "inputs": {"docs": fingerprint(docs), "queries": fingerprint(queries), "qrels": fingerprint(qrels)}}
    with artifact_dir(out_dir, "tuples", producer) as tmp:
        stats = mine_hard_negatives(run, judged, query_texts, DictDocLookup(collection, docs), tmp / TUPLES,
                                    num_negatives=num_negatives, depth=depth)
    run_logger().info("mined %d tuples (%d queries without a judged positive, %d without a negative) into %s",
                      stats.num_tuples, stats.num_without_positive, stats.num_without_negative, out_dir)
    return str(out_dir)


def read_docs(docs: str) -> dict[str, str]:
    """``{doc_id: text}`` of a ``docs.parquet`` written by the load-dataset task."""
    frame = pd.read_parquet(docs, columns=["doc_id", "doc"])
    return dict(zip(frame["doc_id"].astype(str), frame["doc"]))
