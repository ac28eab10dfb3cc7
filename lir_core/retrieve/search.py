"""Search an index with query texts, outside Lightning or inside it (SearchCallback).

Any index folder carries a ``manifest.json`` whose ``kind`` is the ``index_type`` of its
config; :meth:`Retriever.open` picks the searcher registered for it (faiss, sparse, PLAID,
...). Searcher classes take ``(index_dir, search_config, module)`` and check in their
constructor that the module encodes like the index's encoder (see
:func:`lir_core.retrieve.shards.check_encoder`).

Example:
    >>> result = search(module, "index", {"q1": "vitamin d"}, FaissSearchConfig(k=10))  # doctest: +SKIP
    >>> retriever = Retriever.open(module, "index", FaissSearchConfig(k=10))  # doctest: +SKIP
    >>> retriever.search(["vitamin d", "aspirin"]).doc_ids  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from lir_core.artifacts import Manifest
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.data.samples import DocSample
from lir_core.progress import progress_bar
from lir_core.retrieve.base import SearchConfig, Searcher, SearchResult, as_query_dict, searcher_class_for


def clamp_k(k: int, num_docs: int) -> int:
    """``k`` limited to the collection size, with a warning when it is larger.

    Asking for more documents than there are is not an error: every document is returned.
    """
    if k > num_docs:
        warnings.warn(f"k={k} exceeds the {num_docs} documents of the collection; returning {num_docs}", stacklevel=2)
        return num_docs
    return k


@dataclass
class Retriever:
    """A module bound to a searcher: searches query texts directly.

    Attributes:
        module: Encodes the queries.
        searcher: Searches the index with the encoded queries.
        search_config: How to search (``k`` and the index family's settings).
        batch_size: Queries encoded per forward pass.
    """

    module: BiEncoderModule
    searcher: Searcher
    search_config: SearchConfig
    batch_size: int = 32

    @classmethod
    def open(
        cls, module: BiEncoderModule, index_dir: str | Path, search_config: SearchConfig, batch_size: int = 32
    ) -> "Retriever":
        """Open the index in ``index_dir`` with the searcher its manifest names.

        Raises:
            FileNotFoundError: If ``index_dir`` has no manifest.
            ValueError: If no searcher is registered for the index type, or the module does
                not match the index.
        """
        index_dir = Path(index_dir)
        manifest = Manifest.load(index_dir)
        if manifest is None:
            raise FileNotFoundError(f"{index_dir}: no manifest.json; index the collection first")
        searcher = searcher_class_for(manifest.kind)(index_dir, search_config, module)  # type: ignore[call-arg]
        return cls(module, searcher, search_config, batch_size)

    def search(
        self, queries: Mapping[str, str] | Sequence[str], show_progress_bar: bool | None = None
    ) -> SearchResult:
        """Top-k documents for ``{query_id: text}`` or a list of texts (ids "0", "1", ...).

        ``show_progress_bar``: a bar counting the queries searched (encoded and looked up) on
        stderr; None: in a terminal only (see :mod:`lir_core.progress`).

        Raises:
            ValueError: If there are no queries or a query is empty.
        """
        query_dict = as_query_dict(queries)
        query_ids, texts = list(query_dict), list(query_dict.values())
        doc_ids: list[list[str]] = [[] for _ in texts]
        scores: list[list[float]] = [[] for _ in texts]
        with progress_bar(len(texts), "searching", "query", show_progress_bar) as bar:
            for indices, embedding in self.module.iter_encode(texts, "query", self.batch_size, show_progress_bar=False):
                found_ids, found_scores = self.searcher.search_embeddings(
                    embedding.embeddings, embedding.scoring_mask, self.search_config.k
                )
                for position, ids, values in zip(indices, found_ids, found_scores):
                    doc_ids[position], scores[position] = ids, values
                bar.update(len(indices))
        return SearchResult(query_ids, doc_ids, scores)


def search(
    module: BiEncoderModule,
    index_dir: str | Path,
    queries: Mapping[str, str] | Sequence[str],
    search_config: SearchConfig,
    batch_size: int = 32,
    show_progress_bar: bool | None = None,
) -> SearchResult:
    """Encode queries with ``module`` and search the index in ``index_dir`` (see :class:`Retriever`;
    ``show_progress_bar`` as for :meth:`Retriever.search`)."""
    return Retriever.open(module, index_dir, search_config, batch_size).search(queries, show_progress_bar)


def exhaustive_search(
    module: BiEncoderModule,
    docs: Mapping[str, str] | Sequence[DocSample],
    queries: Mapping[str, str] | Sequence[str],
    k: int,
    batch_size: int = 32,
    show_progress_bar: bool | None = None,
) -> SearchResult:
    """Brute force: score every query against every document with ``module``'s own scoring.

    Works for every bi-encoder (dense, multi-vector MaxSim, sparse); meant as the reference
    that indexes are checked against, on small collections. ``show_progress_bar``: bars for
    encoding the documents and for searching, on stderr; None: in a terminal only (see
    :mod:`lir_core.progress`).
    """
    if isinstance(docs, Mapping):
        doc_ids, texts = [str(d) for d in docs], list(docs.values())
    else:
        doc_ids, texts = [d.doc_id for d in docs], [d.doc for d in docs]
    query_dict = as_query_dict(queries)
    k = clamp_k(k, len(doc_ids))
    doc_embeddings = module.encode_docs(texts, batch_size, show_progress_bar=show_progress_bar)
    result = SearchResult(list(query_dict), [], [])
    with progress_bar(len(query_dict), "searching", "query", show_progress_bar) as bar:
        query_embeddings = module.encode_queries(list(query_dict.values()), batch_size, show_progress_bar=False)
        with module.inference_context("fp32"):
            for position in range(len(query_embeddings)):
                scores = module.model.score(query_embeddings[position : position + 1], doc_embeddings, [len(doc_ids)])
                top = torch.topk(scores, k)
                result.doc_ids.append([doc_ids[i] for i in top.indices.tolist()])
                result.scores.append(top.values.tolist())
                bar.update()
    return result
