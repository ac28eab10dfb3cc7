"""Approximate learned-sparse retrieval with Seismic (optional ``pyseismic-lsr`` package).

Seismic prunes each posting list statically, clusters it into blocks with summary vectors
and skips blocks whose summary cannot beat the current top-k, trading exactness for speed.
The index is saved in Seismic's own format (``seismic.index.seismic``) inside an index
folder with a checksummed manifest like every other index here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
import torch

from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.retrieve.base import IndexConfig, SearchConfig, Searcher
from lir_core.retrieve.search import clamp_k
from lir_core.retrieve.sparse.config import SeismicIndexConfig, SeismicSearchConfig
from lir_core.retrieve.sparse.indexer import SparseShardsIndexer, resolve_vocab_size
from lir_core.retrieve.sparse.records import SparseDocs, SparseQueries, stack_docs
from lir_core.retrieve.sparse.storage import StoredIndex, save_arrays

SEISMIC_FILE = "seismic.index.seismic"
_SEISMIC_SUFFIX = ".index.seismic"


def import_seismic() -> ModuleType:
    """The ``seismic`` module, or an ImportError that says how to install it."""
    try:
        return importlib.import_module("seismic")
    except ImportError as error:
        raise ImportError("Seismic indexes need the optional package: pip install pyseismic-lsr") from error


class SeismicIndexer(SparseShardsIndexer):
    """Builds a Seismic index from sparse document vectors."""

    family_name = "Seismic"

    config_class: ClassVar[type[IndexConfig]] = SeismicIndexConfig

    def build_from_docs(
        self,
        shards: Iterable[SparseDocs],
        index_dir: str | Path,
        config: SeismicIndexConfig,
        vocab_size: int | None = None,
        encoder: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """Index in-memory shards and write the index folder atomically (see ``SparseIndexer``)."""
        seismic = import_seismic()
        vocab_size = resolve_vocab_size(config.vocab_size, vocab_size)
        doc_ids, matrix = stack_docs(shards, vocab_size)
        dataset = seismic.SeismicDataset(dim=vocab_size)
        # Seismic skips documents without terms; it needs strictly increasing ids per row
        # (stack_docs sorts and sums them).
        dataset.add_documents_by_id(
            doc_ids, matrix.indices.astype(np.int64), matrix.data.astype(np.float32), matrix.indptr.astype(np.int64)
        )
        index = seismic.SeismicIndex.build_from_dataset(
            dataset, n_postings=config.n_postings, centroid_fraction=config.centroid_fraction,
            min_cluster_size=config.min_cluster_size, summary_energy=config.summary_energy,
            max_fraction=config.max_fraction, doc_cut=config.doc_cut,
        )
        facts = {"num_docs": len(doc_ids), "vocab_size": vocab_size, "num_postings": int(matrix.nnz)}
        save_arrays(index_dir, {}, config, facts, encoder, inputs,
                    extra_files={SEISMIC_FILE: lambda path: _save_seismic(index, path)})


def _save_seismic(index: Any, path: Path) -> None:
    """Save to exactly ``path`` (Seismic appends ``.index.seismic`` to the name it is given)."""
    index.save(str(path))
    Path(f"{path}{_SEISMIC_SUFFIX}").replace(path)


class SeismicSearcher(Searcher):
    """Approximate top-k search of a Seismic index.

    Args:
        index_dir: The index folder.
        search_config: A ``SeismicSearchConfig`` (None: defaults); ``k`` comes with each call.
        module: The query encoder; when given it must encode like the index's encoder.
        verify: Check the files' checksums when opening.

    Raises:
        As :class:`~lir_core.retrieve.base.Searcher`; ImportError without ``pyseismic-lsr``.
    """

    index_type = SeismicIndexConfig.index_type
    index_files = (SEISMIC_FILE,)
    dim_fact = "vocab_size"
    search_config: SeismicSearchConfig

    def __init__(
        self,
        index_dir: str | Path,
        search_config: SearchConfig | None = None,
        module: BiEncoderModule | None = None,
        verify: bool = True,
    ) -> None:
        self._seismic = import_seismic()  # before anything else: the package is optional
        super().__init__(index_dir, search_config, module, verify=verify)

    def open(self, stored: StoredIndex) -> None:
        self.vocab_size = int(stored.facts["vocab_size"])
        self.num_docs = int(stored.facts["num_docs"])
        self.index = self._seismic.SeismicIndex.load(str(stored.directory / SEISMIC_FILE))
        self._string_dtype = self._seismic.get_seismic_string()

    def search_embeddings(
        self, query_embeddings: torch.Tensor, query_mask: torch.Tensor | None = None, k: int | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Approximate top-k documents for pooled sparse query vectors ``[Q, 1, vocab]``."""
        return self.search_sparse(SparseQueries.from_embeddings(query_embeddings, self.vocab_size), k)

    def search_sparse(self, queries: SparseQueries, k: int | None = None) -> tuple[list[list[str]], list[list[float]]]:
        """Approximate top-k document ids and scores per query, best first."""
        k = clamp_k(self.search_config.k if k is None else k, self.num_docs)
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        # One ``search`` call per query: pyseismic-lsr 0.5.4's ``batch_search`` intermittently
        # returned other documents than ``search`` for the same queries and index.
        results = []
        for position in range(len(queries)):
            term_ids, weights = queries.row(position)
            results.append(self.index.search(
                str(position), term_ids.astype(str).astype(self._string_dtype), weights.astype(np.float32),
                k, self.search_config.query_cut, self.search_config.heap_factor,
            ))
        doc_ids = [[doc_id for _, _, doc_id in result] for result in results]
        scores = [[float(score) for _, score, _ in result] for result in results]
        return doc_ids, scores
