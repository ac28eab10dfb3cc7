"""Task: mine BM25 hard negatives for training queries; writes a tuples Parquet artifact."""

from __future__ import annotations

import pandas as pd
from prefect import task

from lir_core.data import load_qrels, load_queries
from lir_core.data.doc_lookup import DictDocLookup
from lir_core.data.hard_negatives import mine_hard_negatives
from lir_core.data.holdout import holdout_queries, write_validation_set
from lir_core.data.sources import load_titles
from lir_core.retrieve.base import SearchResult
from lir_core.retrieve.bm25 import Bm25Retriever
from lir_core.retrieve.runs import write_run
from tasks.artifacts import artifact_dir, fingerprint
from tasks.caching import ArtifactCache
from tasks.logs import run_logger
from tasks.retry import retry_if_transient

TUPLES = "tuples.parquet"
RUN_STEM, QUERIES = "run", "queries.parquet"  # the training queries' BM25 run, as a run folder holds it
TITLE_QUERY = "title:"  # id prefix of a pseudo-query made of a document's title


@task(
    cache_policy=ArtifactCache(inputs=("docs", "queries", "qrels", "titles"),
                               code=("lir_core.data", "lir_core.retrieve")),
    retries=2, retry_delay_seconds=10, retry_condition_fn=retry_if_transient,
)
def mine_negatives(docs: str, queries: str, qrels: str, out_dir: str, depth: int = 100,
                   num_negatives: int = 7, validation_fraction: float = 0.0, validation_depth: int = 30,
                   titles: str | None = None) -> str:
    """BM25 over ``docs`` (the dataset's ``docs.parquet``) for the training ``queries`` (file or
    ``ir_datasets`` id); each query's judged positives in ``qrels`` and its best-ranked documents
    that are not judged relevant (at most ``num_negatives`` of the top ``depth``) become one tuple
    of ``out_dir/tuples.parquet``; their BM25 top ``depth`` is kept as ``run.parquet`` (a run
    folder's layout, for a teacher to re-score) with their texts in ``queries.parquet``. A
    ``validation_fraction`` of the judged queries is held out instead (:func:`~lir_core.data.holdout.holdout_queries`): their BM25 top ``validation_depth``,
    texts and qrels are written beside the tuples for validation during fine-tuning. With ``titles``
    (a collection: file or ``ir_datasets`` id) each of its documents' titles is added to the run as
    a pseudo-query without labels (id ``title:<doc_id>``), for a teacher to score. Returns ``out_dir``."""
    collection = read_docs(docs)
    query_texts, judged = load_queries(queries), load_qrels(qrels)
    if judged is None:
        raise ValueError(f"{qrels}: no qrels to take positives from")
    bm25 = Bm25Retriever()
    bm25.index(list(collection), list(collection.values()))
    run = bm25.search(query_texts, k=max(depth, validation_depth))
    held_out = holdout_queries([q for q in run if judged.get(q)], validation_fraction)
    pseudo = {f"{TITLE_QUERY}{doc_id}": title for doc_id, title in load_titles(titles).items()} if titles else {}
    pseudo_run = {q: ranking for q, ranking in bm25.search(pseudo, k=depth).items() if ranking} if pseudo else {}
    producer = {"task": "mine_negatives", "retriever": "bm25", "depth": depth, "num_negatives": num_negatives,
                "validation": {"fraction": validation_fraction, "depth": validation_depth, "queries": len(held_out)},
                "title_queries": len(pseudo_run),
                "inputs": {"docs": fingerprint(docs), "queries": fingerprint(queries), "qrels": fingerprint(qrels)}}
    with artifact_dir(out_dir, "tuples", producer) as tmp:
        training_run = {q: ranking for q, ranking in run.items() if q not in held_out}
        stats = mine_hard_negatives(training_run, judged, query_texts, DictDocLookup(collection, docs), tmp / TUPLES,
                                    num_negatives=num_negatives, depth=depth)
        kept = {**{q: run[q] for q in training_run if judged.get(q)}, **pseudo_run}
        texts = {**query_texts, **pseudo}
        write_run(SearchResult.from_run(kept, depth=depth), tmp / RUN_STEM, tag="bm25")
        pd.DataFrame({"query_id": list(kept), "query": [texts[q] for q in kept]}).to_parquet(tmp / QUERIES, index=False)
        if held_out:
            write_validation_set({q: run[q] for q in sorted(held_out)}, judged, query_texts, collection, tmp,
                                 validation_depth)
    run_logger().info("mined %d tuples (%d queries without a judged positive, %d without a negative) into %s; "
                      "%d queries held out for validation; %d title pseudo-queries", stats.num_tuples,
                      stats.num_without_positive, stats.num_without_negative, out_dir, len(held_out), len(pseudo_run))
    return str(out_dir)


def read_docs(docs: str) -> dict[str, str]:
    """``{doc_id: text}`` of a ``docs.parquet`` written by the load-dataset task."""
    frame = pd.read_parquet(docs, columns=["doc_id", "doc"])
    return dict(zip(frame["doc_id"].astype(str), frame["doc"]))
