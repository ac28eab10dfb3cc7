"""PLAID search (Santhanam et al., CIKM 2022) over a ``PlaidIndex``, one query at a time.

1. Candidate generation: the ``n_probe`` best centroids of every query token; candidates are
   the documents in their inverted lists.
2. Pruned centroid interaction: each candidate is scored by MaxSim over its distinct
   centroids, counting only centroids that score ``>= centroid_score_threshold`` with some
   query token; the best ``candidate_k`` survive.
3. Full centroid interaction (no pruning) keeps the best ``exact_k``.
4. Exact re-scoring: MaxSim with those documents' decompressed token vectors. Computed without
   materialising them: ``q . normalize(c + r) = (q . c + q . r) / |c + r|``, where ``q . c`` is
   already in the centroid scores and ``|c + r|`` was stored at build time.
"""

from __future__ import annotations

import numpy as np
import torch

from lir_core.retrieve.base import Searcher
from lir_core.retrieve.plaid.config import PlaidIndexConfig, PlaidSearchConfig
from lir_core.retrieve.plaid.maxsim import segment_max
from lir_core.retrieve.plaid.plaid_index import PlaidIndex
from lir_core.retrieve.plaid.records import QueryTokens
from lir_core.retrieve.search import clamp_k
from lir_core.retrieve.sparse.ragged import ragged_arange, top_k
from lir_core.retrieve.sparse.storage import StoredIndex

PLAID_ARRAYS = (
    "centroids", "bucket_cutoffs", "bucket_weights", "codes", "residuals", "token_norms", "doc_offsets", "doc_ids",
    "ivf_offsets", "ivf_doc_ordinals", "doc_code_offsets", "doc_codes",
)


class PlaidSearcher(Searcher):
    """Approximate MaxSim top-k search of a PLAID index (arguments: see :class:`Searcher`;
    ``search_config`` is a ``PlaidSearchConfig``)."""

    index_type = PlaidIndexConfig.index_type
    index_arrays = PLAID_ARRAYS
    search_config: PlaidSearchConfig

    def open(self, stored: StoredIndex) -> None:
        self.normalize_queries = stored.facts["similarity_function"] == "cosine"
        self.index = PlaidIndex.from_arrays(stored.arrays, normalize=bool(stored.facts["normalize"]))

    def search_embeddings(
        self, query_embeddings: torch.Tensor, query_mask: torch.Tensor | None = None, k: int | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Approximate top-k documents for ``[Q, tokens, dim]`` query embeddings + scoring mask.

        Returns at most ``min(k, num_docs)`` documents per query, all among the generated
        candidates.

        Raises:
            ValueError: On no queries, a query without scoring tokens, or another dimension.
        """
        queries = QueryTokens.from_embeddings(
            query_embeddings, query_mask, self.index.codec.dim, self.normalize_queries
        )
        return self.search_tokens(queries, k)

    def search_tokens(self, queries: QueryTokens, k: int | None = None) -> tuple[list[list[str]], list[list[float]]]:
        """Top-k document ids and (decompressed) MaxSim scores per query, best first."""
        k = clamp_k(self.search_config.k if k is None else k, self.index.num_docs)
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        # One matrix product scores every query token of the batch against all centroids.
        centroid_scores = queries.vectors.astype(np.float32) @ self.index.codec.centroids.T
        doc_ids: list[list[str]] = []
        scores: list[list[float]] = []
        for position in range(len(queries)):
            rows = slice(queries.offsets[position], queries.offsets[position + 1])
            ordinals, values = self.search_query(queries.vectors[rows], centroid_scores[rows], k)
            doc_ids.append(self.index.doc_ids[ordinals].tolist())
            scores.append(values.astype(np.float64).tolist())
        return doc_ids, scores

    def search_query(
        self, query: np.ndarray, centroid_scores: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k document ordinals and scores of one query ``[tokens, dim]`` (module docstring stages)."""
        candidate_k, exact_k = self.search_config.stage_sizes(k)
        candidates = self.generate_candidates(centroid_scores)
        threshold = self.search_config.centroid_score_threshold
        if len(candidates) > candidate_k:
            kept = centroid_scores.max(axis=0) >= threshold if threshold is not None else None
            candidates, _ = top_k(candidates, self.centroid_interaction(centroid_scores, candidates, kept), candidate_k)
        if len(candidates) > exact_k:
            candidates, _ = top_k(candidates, self.centroid_interaction(centroid_scores, candidates, None), exact_k)
        return top_k(candidates, self.exact_scores(query, centroid_scores, candidates), k)

    def exact_scores(self, query: np.ndarray, centroid_scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """MaxSim of one query with the candidates' decompressed token vectors (module docstring)."""
        starts = self.index.doc_offsets[candidates]
        lengths = self.index.doc_offsets[candidates + 1] - starts
        tokens = ragged_arange(starts, lengths)
        codes = np.take(self.index.codes, tokens)
        residuals = self.index.codec.residuals(np.take(self.index.residuals, tokens, axis=0))
        similarity = np.asarray(query, dtype=np.float32) @ residuals.T
        similarity += np.take(centroid_scores, codes, axis=1)
        similarity /= np.take(self.index.token_norms, tokens)
        return np.maximum.reduceat(similarity, np.cumsum(lengths) - lengths, axis=1).sum(axis=0)

    def generate_candidates(self, centroid_scores: np.ndarray) -> np.ndarray:
        """Documents in the inverted lists of each query token's ``n_probe`` best centroids."""
        n_probe = min(self.search_config.n_probe, centroid_scores.shape[1])
        probed = np.unique(np.argpartition(-centroid_scores, n_probe - 1, axis=1)[:, :n_probe])
        starts = self.index.ivf_offsets[probed]
        postings = ragged_arange(starts, self.index.ivf_offsets[probed + 1] - starts)
        return np.unique(self.index.ivf_doc_ordinals[postings]).astype(np.int64)

    def centroid_interaction(
        self, centroid_scores: np.ndarray, candidates: np.ndarray, kept: np.ndarray | None
    ) -> np.ndarray:
        """Approximate MaxSim of candidates from their distinct centroids' scores.

        Args:
            centroid_scores: ``[query tokens, num_centroids]``.
            candidates: Document ordinals.
            kept: ``[num_centroids]`` bool, the centroids that count (None: all). A document
                left without any counts 0.
        """
        starts = self.index.doc_code_offsets[candidates]
        lengths = self.index.doc_code_offsets[candidates + 1] - starts
        codes = self.index.doc_codes[ragged_arange(starts, lengths)]
        if kept is not None:
            keep = kept[codes]
            codes = codes[keep]
            lengths = np.add.reduceat(keep.astype(np.int64), np.cumsum(lengths) - lengths)
        return segment_max(np.take(centroid_scores, codes, axis=1), lengths).sum(axis=0)
