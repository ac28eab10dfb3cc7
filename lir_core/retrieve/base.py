"""Interfaces shared by every index family (faiss dense, sparse inverted, PLAID multi-vector).

An index is built from encoded shards (see :mod:`lir_core.retrieve.shards`) by the
``Indexer`` registered for its ``IndexConfig`` type, and searched by the matching
``Searcher``. Configs are dataclasses so that YAML (``class_path``/``init_args``) and
manifests can carry them.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from lir_core.classes import INDEX_CONFIGS, INDEXERS, SEARCHERS

if TYPE_CHECKING:  # torch only in annotations: the BM25 and run-file paths load without it
    import torch

    from lir_core.bi_encoder.module import BiEncoderModule
    from lir_core.retrieve.sparse.storage import StoredIndex

BM25 = "bm25"  # the index type of BM25 (lir_core.retrieve.bm25), built from texts, not from shards


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
class IndexConfig:
    """Base of all index configurations; ``index_type`` names the family and format."""

    index_type: ClassVar[str] = "base"
    # The settings a search of this index takes; its searchers take them from here.
    search_config_class: ClassVar[type[SearchConfig]] = SearchConfig

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

    @classmethod
    def from_run(
        cls,
        run: Mapping[str, Mapping[str, float] | Iterable[tuple[str, float]]],
        depth: int | None = None,
        sort: bool = False,
    ) -> "SearchResult":
        """From a run dict ``{query_id: {doc_id: score}}`` (the inverse of :meth:`to_run`), or
        ``{query_id: [(doc_id, score), ...]}``.

        Args:
            run: Each query's ranking, in query order.
            depth: Keep each query's first ``depth`` documents (None: all).
            sort: Order each query's documents best first (stable: ties keep their order);
                False keeps the given order.
        """
        result = cls([], [], [])
        for query_id, ranking in run.items():
            items = list(ranking.items() if isinstance(ranking, Mapping) else ranking)
            if sort:
                items.sort(key=lambda item: -item[1])
            items = items[:depth]
            result.query_ids.append(query_id)
            result.doc_ids.append([doc_id for doc_id, _ in items])
            result.scores.append([float(score) for _, score in items])
        return result


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

    def check_config(self, config: IndexConfig) -> None:
        """Check that ``config`` is this indexer's kind of config.

        Raises:
            TypeError: If ``config`` is not a ``config_class``.
        """
        if not isinstance(config, self.config_class):
            raise TypeError(f"{type(self).__name__} needs a {self.config_class.__name__}, got {type(config).__name__}")


class Searcher(ABC):
    """Searches an index with encoded queries.

    Subclasses set ``index_type`` (then they are the searcher of that type) and
    ``search_config_class``, the settings they take. The shared constructor opens an index
    folder written by ``save_arrays`` (:mod:`lir_core.retrieve.sparse.storage`) and hands it
    to :meth:`open`; searchers of other formats (faiss) override ``__init__``.

    Args:
        index_dir: The index folder.
        search_config: A ``search_config_class`` (None: its defaults); ``k`` comes with each call.
        module: The query encoder; when given it must encode like the index's encoder.
        mmap: Memory-map the index arrays.
        verify: Check the files' checksums when opening.

    Raises:
        FileNotFoundError: If the folder has no manifest or lacks a listed file.
        ValueError: If the folder holds another index type, a file is corrupt (named), or the
            module does not match the index.
        TypeError: If ``search_config`` is not a ``search_config_class``.
    """

    index_type: ClassVar[str]
    search_config_class: ClassVar[type[SearchConfig]] = SearchConfig  # that of ``index_type``'s config
    index_arrays: ClassVar[tuple[str, ...]] = ()  # the arrays (``<name>.npy``) the searcher reads
    index_files: ClassVar[tuple[str, ...]] = ()  # other files it needs (checked, not loaded)
    dim_fact: ClassVar[str] = "dim"  # the manifest fact a query encoder's vector width must match

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "index_type" in cls.__dict__:
            SEARCHERS.register(cls, cls.index_type)
            if "search_config_class" not in cls.__dict__:  # a searcher may still name its own
                cls.search_config_class = INDEX_CONFIGS.get(cls.index_type).search_config_class

    def __init__(
        self,
        index_dir: str | Path,
        search_config: SearchConfig | None = None,
        module: BiEncoderModule | None = None,
        mmap: bool = True,
        verify: bool = True,
    ) -> None:
        from lir_core.retrieve.sparse.storage import load_arrays  # storage builds on this module

        self.search_config = self.checked_search_config(search_config)
        stored = load_arrays(index_dir, self.index_type, self.index_arrays, extra_files=self.index_files,
                             mmap=mmap, verify=verify)
        stored.check_module(module, int(stored.facts[self.dim_fact]))
        self.manifest = stored.manifest
        self.open(stored)

    @classmethod
    def checked_search_config(cls, search_config: SearchConfig | None) -> SearchConfig:
        """``search_config``, or the defaults of ``search_config_class`` for None.

        Raises:
            TypeError: If ``search_config`` is not a ``search_config_class``.
        """
        search_config = cls.search_config_class() if search_config is None else search_config
        if not isinstance(search_config, cls.search_config_class):
            name = cls.search_config_class.__name__
            article = "an" if name[0] in "AEIOU" else "a"
            raise TypeError(f"{cls.__name__} needs {article} {name}, got {type(search_config).__name__}")
        return search_config

    def open(self, stored: StoredIndex) -> None:
        """Take the opened index (its arrays, facts and manifest); called by ``__init__``."""

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
    """The settings a search of an index type takes: its index config's ``search_config_class``
    (``SearchConfig``, just ``k``, for BM25). Only config modules are imported, no searcher.

    Raises:
        ValueError: If no index config has that index type.
    """
    if index_type == BM25:
        return SearchConfig
    return INDEX_CONFIGS.get(index_type, kind="index type to search").search_config_class


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
