"""Mine hard negatives from a first-stage run and write them as TupleDataset Parquet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lir_core.artifacts import atomic_path

from .doc_lookup import DocLookup
from .readers import Qrels, Run

TUPLES_SCHEMA = pa.schema(
    [
        ("query_id", pa.string()),
        ("query", pa.string()),
        ("pos_doc_ids", pa.list_(pa.string())),
        ("pos_docs", pa.list_(pa.string())),
        ("neg_doc_ids", pa.list_(pa.string())),
        ("neg_docs", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True)
class MiningStats:
    """What :func:`mine_hard_negatives` wrote.

    Attributes:
        path: The Parquet file.
        num_tuples: Rows written (one per query).
        num_without_positive: Run queries skipped because no document is judged relevant.
        num_without_negative: Run queries skipped because no unjudged-or-non-relevant
            document is within ``depth``.
    """

    path: Path
    num_tuples: int
    num_without_positive: int
    num_without_negative: int


def mine_hard_negatives(
    run: Run,
    qrels: Qrels,
    queries: Mapping[str, str],
    docs: DocLookup,
    output_path: str | Path,
    num_negatives: int = 7,
    depth: int = 100,
    min_relevance: int = 1,
) -> MiningStats:
    """Write one training tuple per run query: its relevant documents and top-ranked non-relevant ones.

    Positives are the documents judged with relevance >= ``min_relevance``. Negatives are the
    best ranked of the first ``depth`` run documents that are not judged relevant at all
    (relevance <= 0 or unjudged), at most ``num_negatives`` of them. Queries without a
    positive or without a negative are skipped and counted. The file (schema
    :data:`TUPLES_SCHEMA`, read by :class:`~lir_core.data.tuple_dataset.TupleDataset`) is
    written under a temporary name and then renamed.

    Args:
        run: First-stage ranking ``{query_id: {doc_id: score}}``, best first (e.g. BM25).
        qrels: Judgements ``{query_id: {doc_id: relevance}}``.
        queries: Query texts by id.
        docs: Document text lookup (see :func:`~lir_core.data.doc_lookup.doc_lookup`).
        output_path: The Parquet file to write.
        num_negatives: Negatives per query, at most.
        depth: How many run documents per query to consider as negatives.
        min_relevance: Lowest relevance that makes a positive.

    Raises:
        ValueError: If ``num_negatives``, ``depth`` or ``min_relevance`` is < 1, a run query
            has no text, a document is not in the collection, or no tuple can be built.
    """
    if num_negatives < 1 or depth < 1 or min_relevance < 1:
        raise ValueError(
            f"num_negatives, depth and min_relevance must be >= 1, got {num_negatives}, {depth}, {min_relevance}"
        )
    missing = [query_id for query_id in run if query_id not in queries]
    if missing:
        raise ValueError(f"{len(missing)} run queries have no text (e.g. {missing[:5]})")
    rows: dict[str, list] = {name: [] for name in TUPLES_SCHEMA.names}
    without_positive = without_negative = 0
    for query_id, ranking in run.items():
        judged = qrels.get(query_id, {})
        positives = [doc_id for doc_id, relevance in judged.items() if relevance >= min_relevance]
        negatives = [doc_id for doc_id in list(ranking)[:depth] if judged.get(doc_id, 0) <= 0][:num_negatives]
        if not positives:
            without_positive += 1
            continue
        if not negatives:
            without_negative += 1
            continue
        for name, value in zip(
            TUPLES_SCHEMA.names,
            (query_id, queries[query_id], positives, docs.texts(positives), negatives, docs.texts(negatives)),
        ):
            rows[name].append(value)
    if not rows["query_id"]:
        raise ValueError(
            f"no tuple could be built: {without_positive} queries lack a positive, {without_negative} a negative"
        )
    with atomic_path(output_path) as temporary:
        pq.write_table(pa.table(rows, schema=TUPLES_SCHEMA), temporary)
    return MiningStats(Path(output_path), len(rows["query_id"]), without_positive, without_negative)
