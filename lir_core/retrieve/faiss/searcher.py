"""Search faiss indexes written by :mod:`lir_core.retrieve.faiss.indexer`."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import faiss
import numpy as np
import pyarrow.parquet as pq
import torch

from lir_core.artifacts import Manifest
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.retrieve.base import SearchConfig, Searcher
from lir_core.retrieve.faiss.config import FaissSearchConfig
from lir_core.retrieve.faiss.indexer import DOC_IDS_FILE, INDEX_FILE, prepare_vectors
from lir_core.retrieve.search import clamp_k
from lir_core.retrieve.shards import check_encoder


class FaissSearcher(Searcher):
    """Searches one faiss index family; subclasses bind it to an ``index_type``.

    Args:
        index_dir: Folder written by the matching indexer.
        search_config: A :class:`FaissSearchConfig` (``n_probe`` for IVF, ``ef_search`` for HNSW).
        module: The module whose query vectors will be searched; it must encode like the
            module that built the index (same weights, config, dimension).

    Raises:
        FileNotFoundError: If the folder has no manifest or lacks a listed file.
        ValueError: If the folder holds another index type, a file is corrupt, or the module
            does not match the index.
        TypeError: If ``search_config`` is not a FaissSearchConfig.
    """

    index_type: ClassVar[str]

    def __init__(self, index_dir: str | Path, search_config: SearchConfig, module: BiEncoderModule) -> None:
        if not isinstance(search_config, FaissSearchConfig):
            raise TypeError(f"{type(self).__name__} needs a FaissSearchConfig, got {type(search_config).__name__}")
        index_dir = Path(index_dir)
        manifest = Manifest.load(index_dir)
        if manifest is None:
            raise FileNotFoundError(f"{index_dir}: no manifest.json; build the index first")
        if manifest.kind != self.index_type:
            raise ValueError(
                f"{index_dir}: holds a {manifest.kind!r} index, {type(self).__name__} reads {self.index_type!r}"
            )
        manifest.verify(index_dir)
        check_encoder(manifest.producer["encoder"], module, index_dir)
        self.index_dir = index_dir
        self.search_config = search_config
        self.normalize = manifest.producer["encoder"]["similarity_function"] == "cosine"
        self.index = faiss.read_index(str(index_dir / INDEX_FILE))
        # A NumPy object array, not the Arrow column: fancy indexing by faiss' row matrix is
        # ~40x cheaper per query than Arrow's take(), which dominated the per-query overhead.
        self.doc_ids = np.asarray(pq.read_table(index_dir / DOC_IDS_FILE).column("doc_id").to_pylist(), dtype=object)
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is not None:
            ivf.nprobe = min(search_config.n_probe, ivf.nlist)

    @property
    def num_docs(self) -> int:
        """Documents in the index."""
        return int(self.index.ntotal)

    def search_embeddings(
        self, query_embeddings: torch.Tensor, query_mask: torch.Tensor, k: int
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k doc ids and inner-product (or cosine) scores for single-vector queries ``[Q, 1, dim]``.

        Raises:
            ValueError: For multi-vector queries or a dimension that differs from the index.
        """
        if query_embeddings.dim() != 3 or query_embeddings.shape[1] != 1:
            raise ValueError(f"faiss searches single-vector queries [Q, 1, dim], got {tuple(query_embeddings.shape)}")
        if query_embeddings.shape[2] != self.index.d:
            raise ValueError(f"queries have dimension {query_embeddings.shape[2]}, the index {self.index.d}")
        k = clamp_k(k, self.num_docs)
        if isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = max(self.search_config.ef_search, k)
        queries = prepare_vectors(query_embeddings[:, 0].detach().float().cpu().numpy(), self.normalize)
        scores, rows = self.index.search(queries, k)
        names = self.doc_ids[rows]
        found = rows >= 0  # IVF may find fewer than k documents in the probed lists (row -1)
        if found.all():
            return names.tolist(), scores.tolist()
        return (
            [row_names[row_found].tolist() for row_names, row_found in zip(names, found)],
            [row_scores[row_found].tolist() for row_scores, row_found in zip(scores, found)],
        )


class FaissFlatSearcher(FaissSearcher):
    """Searches ``faiss-flat`` indexes."""

    index_type = "faiss-flat"


class FaissIVFSearcher(FaissSearcher):
    """Searches ``faiss-ivf`` indexes."""

    index_type = "faiss-ivf"


class FaissPQSearcher(FaissSearcher):
    """Searches ``faiss-pq`` indexes."""

    index_type = "faiss-pq"


class FaissIVFPQSearcher(FaissSearcher):
    """Searches ``faiss-ivfpq`` indexes."""

    index_type = "faiss-ivfpq"


class FaissHNSWSearcher(FaissSearcher):
    """Searches ``faiss-hnsw`` indexes."""

    index_type = "faiss-hnsw"
