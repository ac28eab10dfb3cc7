"""Interfaces shared by every index family (faiss dense, sparse inverted, PLAID multi-vector).

An index is built from encoded shards (see :mod:`lir_core.retrieve.shards`) by the
``Indexer`` registered for its ``IndexConfig`` type, and searched by the matching
``Searcher``. Configs are dataclasses so that YAML (``class_path``/``init_args``) and
manifests can carry them.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch

from lir_core.classes import INDEX_CONFIGS, INDEXERS, SEARCHERS

BM25 = "bm25"  # the index type of BM25 (lir_core.retrieve.bm25), built from texts, not from shards


@dataclass
class IndexConfig:
    """Base of all index configurations; ``index_type`` names the family and format."""

    index_type: ClassVar[str] = "base"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        INDEX_CONFIGS.register(cls, cls.index_type if "index_type" in cls.__dict__ else None)

    def to_dict(self) -> dict[str, Any]:
        """Fields plus ``index_type``, for manifests."""
        return {"index_type": self.index_type, **dataclasses.asdict(self)}

    @staticmethod
    def from_dict(values: Mapping[str, Any]) -> "IndexConfig":
        """Rebuild the config class named by ``values["index_type"]``."""
        values = dict(values)
        return INDEX_CONFIGS.get(values.pop("index_type"))(**values)


@dataclass
class SearchConfig:
    """Base of all search configurations.

    Args:
        k: Number of documents to return per query.
    """

    k: int = 10

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"{type(self).__name__}.k must be >= 1, got {self.k}")


@dataclass
class SearchResult:
    """Top-k documents per query: ``doc_ids[i]`` and ``scores[i]`` are sorted best first."""

    query_ids: list[str]
    doc_ids: list[list[str]]
    scores: list[list[float]]

    def to_run(self) -> dict[str, dict[str, float]]:
        """As a run dict ``{query_id: {doc_id: score}}``."""
        return {
            qid: dict(zip(dids, map(float, scores)))
            for qid, dids, scores in zip(self.query_ids, self.doc_ids, self.scores)
        }


class Indexer(ABC):
    """Builds an index of one family from encoded shards."""

    config_class: ClassVar[type[IndexConfig]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "config_class" in cls.__dict__:
            INDEXERS.register(cls, cls.config_class.index_type)

    @abstractmethod
    def build(self, shards_dir: Path, index_dir: Path, config: IndexConfig) -> None:
        """Read shards from ``shards_dir`` and write the index (with its manifest) to ``index_dir``."""


class Searcher(ABC):
    """Searches an index with encoded queries.

    Subclasses set ``index_type`` (then they are the searcher of that type) and
    ``search_config_class``, the settings they take.
    """

    index_type: ClassVar[str]
    search_config_class: ClassVar[type[SearchConfig]] = SearchConfig

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "index_type" in cls.__dict__:
            SEARCHERS.register(cls, cls.index_type)

    @abstractmethod
    def search_embeddings(
        self, query_embeddings: torch.Tensor, query_mask: torch.Tensor, k: int
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k doc ids and scores for encoded queries (``[Q, tokens, dim]`` + mask)."""


def indexer_for(config: IndexConfig) -> Indexer:
    """The indexer registered for a config's index type."""
    return INDEXERS.get(config.index_type, kind="index type to build")()


def searcher_class_for(index_type: str) -> type[Searcher]:
    """The searcher class registered for an index type."""
    return SEARCHERS.get(index_type, kind="index type to search")


def search_config_class(index_type: str) -> type[SearchConfig]:
    """The settings a search of an index type takes: its searcher's ``search_config_class``
    (``SearchConfig``, just ``k``, for BM25).

    Raises:
        ValueError: If no searcher reads that index type.
    """
    return SearchConfig if index_type == BM25 else searcher_class_for(index_type).search_config_class


def as_query_dict(queries: Mapping[str, str] | Sequence[str]) -> dict[str, str]:
    """Accept ``{query_id: text}`` or a list of texts (ids "0", "1", ...)."""
    if isinstance(queries, Mapping):
        result = {str(k): v for k, v in queries.items()}
    else:
        result = {str(i): q for i, q in enumerate(queries)}
    if not result:
        raise ValueError("no queries to search")
    for query_id, text in result.items():
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"query {query_id!r} is empty")
    return result
