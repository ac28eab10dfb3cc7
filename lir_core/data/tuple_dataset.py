"""TupleDataset: training tuples of a query with positive and negative documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import torch
from torch.utils.data import Dataset

from .doc_lookup import DocLookup, doc_lookup
from .readers import TupleRecord, read_tuples
from .samples import RankSample
from .sources import load_queries, resolve


class TupleDataset(Dataset[RankSample]):
    """Training tuples: ``dataset[i]`` is a RankSample with the positives first, then negatives.

    Args:
        tuples_dataset: An ``ir_datasets`` id with docpairs (e.g.
            ``"msmarco-passage/train/triples-small"``; each pair is one positive and one
            negative), or a JSONL/Parquet file with ``query_id``, ``pos_doc_ids``,
            ``neg_doc_ids`` and optionally the texts ``query``, ``pos_docs``, ``neg_docs`` (as
            written by :func:`~lir_core.data.hard_negatives.mine_hard_negatives`). All tuples
            are held in memory.
        num_docs: Keep the first ``num_docs`` documents (positives, then negatives) of each
            tuple; None keeps all.
        targets: ``"order"``: 1.0 for positives and 0.0 for negatives; None for no targets.
        docs: Collection file or ``ir_datasets`` id for texts the tuples do not carry; defaults
            to ``tuples_dataset`` when that is an id.
        queries: Query file or ``ir_datasets`` id for query texts the tuples do not carry;
            defaults likewise.

    Raises:
        ValueError: If there are no tuples, ``num_docs < 1``, or texts are missing and no
            source for them is known.
    """

    def __init__(
        self,
        tuples_dataset: str,
        num_docs: int | None = None,
        targets: Literal["order"] | None = "order",
        docs: str | None = None,
        queries: str | None = None,
    ) -> None:
        super().__init__()
        if num_docs is not None and num_docs < 1:
            raise ValueError(f"num_docs must be >= 1 or None, got {num_docs}")
        self.tuples_dataset = tuples_dataset
        self.num_docs = num_docs
        self.targets = targets
        resolved = resolve(tuples_dataset)
        dataset_id = None if isinstance(resolved, Path) else tuples_dataset
        self._tuples = read_tuples(resolved) if dataset_id is None else _docpair_tuples(resolved, tuples_dataset)
        if not self._tuples:
            raise ValueError(f"{tuples_dataset}: there are no tuples")
        queries_source = queries or dataset_id
        docs_source = docs or dataset_id
        need_queries = any(record.query is None for record in self._tuples)
        need_docs = any(record.pos_docs is None or record.neg_docs is None for record in self._tuples)
        self._queries = load_queries(self._source(queries_source, "queries")) if need_queries else {}
        missing = sorted({r.query_id for r in self._tuples if r.query is None} - set(self._queries))
        if missing:
            examples = ", ".join(repr(query_id) for query_id in missing[:5])
            raise ValueError(f"{tuples_dataset}: {len(missing)} tuple queries have no text (e.g. {examples})")
        self._docs: DocLookup | None = doc_lookup(self._source(docs_source, "docs")) if need_docs else None

    def _source(self, source: str | None, what: str) -> str:
        if source is None:
            raise ValueError(f"{self.tuples_dataset}: the tuples carry no {what} texts; pass {what}=...")
        return source

    def __len__(self) -> int:
        return len(self._tuples)

    def _texts(self, doc_ids: tuple[str, ...], texts: tuple[str, ...] | None) -> tuple[str, ...]:
        if texts is not None:
            return texts[: len(doc_ids)]
        assert self._docs is not None, "a lookup is built whenever a tuple lacks texts"
        return tuple(self._docs.texts(doc_ids))

    def __getitem__(self, index: int) -> RankSample:
        record = self._tuples[index]
        pos_doc_ids = record.pos_doc_ids[: self.num_docs]
        neg_doc_ids = record.neg_doc_ids[: None if self.num_docs is None else self.num_docs - len(pos_doc_ids)]
        targets = None
        if self.targets == "order":
            targets = torch.tensor([1.0] * len(pos_doc_ids) + [0.0] * len(neg_doc_ids))
        return RankSample(
            query_id=record.query_id,
            query=record.query if record.query is not None else self._queries[record.query_id],
            doc_ids=pos_doc_ids + neg_doc_ids,
            docs=self._texts(pos_doc_ids, record.pos_docs) + self._texts(neg_doc_ids, record.neg_docs),
            targets=targets,
        )


def _docpair_tuples(dataset: Any, dataset_id: str) -> list[TupleRecord]:
    if not dataset.has_docpairs():
        raise ValueError(f"{dataset_id}: the dataset has no docpairs to build tuples from")
    return [
        TupleRecord(pair.query_id, None, (pair.doc_id_a,), None, (pair.doc_id_b,), None)
        for pair in dataset.docpairs_iter()
    ]
