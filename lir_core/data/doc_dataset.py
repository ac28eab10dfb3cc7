"""DocDataset: iterate over a document collection, e.g. for indexing."""

from __future__ import annotations

from collections.abc import Iterator

from .samples import DocSample
from .sharding import ShardedIterableDataset
from .sources import ensure_docs, iter_docs


class DocDataset(ShardedIterableDataset[DocSample]):
    """The documents of a collection, sharded across ranks and DataLoader workers.

    Args:
        doc_dataset: An ``ir_datasets`` id (e.g. ``"beir/scifact"``) or a collection file
            (TSV ``doc_id<TAB>[title<TAB>]text``, JSONL, Parquet or a TREC SGML collection
            ``<DOC><DOCNO>...</DOCNO>...</DOC>``, told by its first line). Titles are joined as
            ``"title text"``.

    Raises:
        ValueError: If the collection is empty, the id is unknown, or a file has a malformed
            line, non-UTF-8 bytes or a repeated doc id (named with its file and line).
        FileNotFoundError: If a file name is given that does not exist.
    """

    def __init__(self, doc_dataset: str) -> None:
        super().__init__()
        ensure_docs(doc_dataset)
        self.doc_dataset = doc_dataset

    def shard(self, shard_index: int, num_shards: int) -> Iterator[DocSample]:
        """Yield every ``num_shards``-th document starting at ``shard_index``."""
        return iter_docs(self.doc_dataset, shard_index, num_shards)
