"""Typed records that flow from datasets through the datamodule into a module.

Every dataset yields one of the ``*Sample`` records; the datamodule collates them into
the matching ``*Batch`` record. Batches hold raw texts: the module tokenizes them, so the
data layer knows nothing about a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch only in annotations: readers and sources load without it
    import torch


@dataclass(frozen=True)
class DocSample:
    """One document of a collection."""

    doc_id: str
    doc: str


@dataclass(frozen=True)
class QuerySample:
    """One query, with its relevance judgements where the dataset has them."""

    query_id: str
    query: str
    qrels: dict[str, int] | None = None


@dataclass(frozen=True)
class RankSample:
    """A query with a ranked or sampled list of documents (run, tuple or training sample).

    ``targets`` holds one value per document (relevance label, rank or score, depending on
    the dataset's ``targets`` setting) or is None when there is nothing to learn from.
    """

    query_id: str
    query: str
    doc_ids: tuple[str, ...]
    docs: tuple[str, ...]
    targets: torch.Tensor | None = None
    qrels: dict[str, int] | None = None


@dataclass
class IndexBatch:
    """Documents to encode and index."""

    doc_ids: list[str]
    docs: list[str]


@dataclass
class SearchBatch:
    """Queries to encode and search."""

    query_ids: list[str]
    queries: list[str]
    qrels: list[dict[str, int] | None] = field(default_factory=list)


@dataclass
class RankBatch:
    """Queries, each with its own list of documents: used for training and re-ranking.

    ``docs[i]`` are the documents of ``queries[i]``; ``targets`` is a flat tensor with one
    value per document in that order, or None.
    """

    query_ids: list[str]
    queries: list[str]
    doc_ids: list[tuple[str, ...]]
    docs: list[tuple[str, ...]]
    targets: torch.Tensor | None = None
    qrels: list[dict[str, int] | None] = field(default_factory=list)

    @property
    def num_docs(self) -> list[int]:
        """Number of documents per query."""
        return [len(d) for d in self.docs]
