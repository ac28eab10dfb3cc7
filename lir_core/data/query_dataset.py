"""QueryDataset: iterate over queries, with their qrels, e.g. for retrieval."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .readers import Qrels
from .samples import QuerySample
from .sharding import ShardedIterableDataset
from .sources import check_qrels_queries, ensure_queries, iter_queries, load_qrels, load_queries, resolve


class QueryDataset(ShardedIterableDataset[QuerySample]):
    """The queries of a dataset, sharded across ranks and DataLoader workers.

    Each sample carries the query's judgements (``{doc_id: relevance}``) when qrels are known,
    else None.

    Args:
        query_dataset: An ``ir_datasets`` id (e.g. ``"beir/scifact/test"``) or a query file
            (TSV ``query_id<TAB>text``, JSONL, Parquet or a TREC topic file ``<top><num>...
            <title>...</top>``, whose titles are the queries).
        qrels: A qrels file or ``ir_datasets`` id; defaults to the dataset's own qrels when
            ``query_dataset`` is an id.

    Raises:
        ValueError: If there are no queries, or none of the judged queries is among them
            (a warning is given when only some are unknown).
    """

    def __init__(self, query_dataset: str, qrels: str | None = None) -> None:
        super().__init__()
        ensure_queries(query_dataset)
        self.query_dataset = query_dataset
        self.qrels_source = qrels
        self._qrels = self._load_qrels()

    def _load_qrels(self) -> Qrels | None:
        if self.qrels_source is None and isinstance(resolve(self.query_dataset), Path):
            return None
        source = self.qrels_source or self.query_dataset
        qrels = load_qrels(source)
        if qrels is not None:
            check_qrels_queries(qrels, load_queries(self.query_dataset), source)
        return qrels

    @property
    def has_qrels(self) -> bool:
        """Whether the queries come with relevance judgements."""
        return self._qrels is not None

    def shard(self, shard_index: int, num_shards: int) -> Iterator[QuerySample]:
        """Yield every ``num_shards``-th query starting at ``shard_index``, with its qrels when known."""
        for sample in iter_queries(self.query_dataset, shard_index, num_shards):
            qrels = None if self._qrels is None else self._qrels.get(sample.query_id, {})
            yield QuerySample(sample.query_id, sample.query, qrels)
