"""Exact sparse search at scale: results identical to the former dense accumulation (same top-k,
same float64 scores, ties in the same order), with memory that follows the postings a search
reads, not the collection size (no ``[queries x num_docs]`` array)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from lir_core.retrieve.sparse import (
    InvertedIndex,
    SparseDocs,
    SparseIndexConfig,
    SparseIndexer,
    SparseQueries,
    SparseSearchConfig,
    SparseSearcher,
)
from lir_core.retrieve.sparse import inverted_index, searcher
from lir_core.retrieve.sparse.ragged import top_k, top_k_of_many


def random_docs(num_docs: int, vocab: int, terms_per_doc: int, seed: int, levels: int | None = None) -> SparseDocs:
    """Documents of ``terms_per_doc`` distinct terms drawn with Zipf-like frequencies; weights
    quantised to ``levels`` values (many tied scores) or continuous."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, vocab + 1, dtype=np.float64)
    probabilities = (1 / ranks) / np.sum(1 / ranks)
    term_ids = np.concatenate([
        np.sort(rng.choice(vocab, terms_per_doc, replace=False, p=probabilities)) for _ in range(num_docs)
    ])
    weights = rng.random(len(term_ids)).astype(np.float32) + 0.01
    if levels is not None:
        weights = (np.ceil(weights * levels) / levels).astype(np.float32)
    offsets = np.arange(num_docs + 1) * terms_per_doc
    return SparseDocs([f"d{seed}-{i}" for i in range(num_docs)], offsets, term_ids, weights)


def uniform_docs(num_docs: int, first_term: int, vocab: int, terms_per_doc: int, seed: int) -> SparseDocs:
    """Documents of terms drawn uniformly from ``[first_term, vocab)`` (a repeated term is summed)."""
    rng = np.random.default_rng(seed)
    term_ids = rng.integers(first_term, vocab, num_docs * terms_per_doc)
    weights = rng.random(len(term_ids)).astype(np.float32) + 0.01
    return SparseDocs([f"u{seed}-{i}" for i in range(num_docs)], np.arange(num_docs + 1) * terms_per_doc,
                      term_ids, weights)


def random_queries(num_queries: int, vocab: int, terms: int, seed: int, levels: int | None = None,
                   term_range: int | None = None) -> SparseQueries:
    """Queries of ``terms`` distinct terms drawn uniformly from ``[0, term_range or vocab)``."""
    rng = np.random.default_rng(seed)
    term_ids = np.concatenate([np.sort(rng.choice(term_range or vocab, terms, replace=False))
                               for _ in range(num_queries)])
    weights = rng.random(len(term_ids)).astype(np.float32) + 0.01
    if levels is not None:
        weights = (np.ceil(weights * levels) / levels).astype(np.float32)
    return SparseQueries(np.arange(num_queries + 1) * terms, term_ids, weights, vocab)


def former_search(index: InvertedIndex, queries: SparseQueries, k: int,
                  max_postings_per_term: int | None = None) -> tuple[list[list[str]], list[list[float]]]:
    """The search as it was: dense ``[block x num_docs]`` float64 scores, then the matched top-k."""
    doc_ids: list[list[str]] = []
    scores: list[list[float]] = []
    batch = max(1, 2**22 // index.num_docs)
    for start in range(0, len(queries), batch):
        block = index.score(queries.slice(start, min(start + batch, len(queries))), max_postings_per_term)
        for row in block:
            matched = np.flatnonzero(row > 0)
            ordinals, values = top_k(matched, row[matched], k)
            doc_ids.append(index.doc_ids[ordinals].tolist())
            scores.append(values.tolist())
    return doc_ids, scores


def build(tmp_path: Path, shards: list[SparseDocs], vocab: int) -> Path:
    SparseIndexer().build_from_docs(shards, tmp_path, SparseIndexConfig(vocab_size=vocab))
    return tmp_path


@pytest.mark.parametrize("levels", [None, 4], ids=["continuous", "ties"])
@pytest.mark.parametrize("dense_scores_per_posting", [0, 8, 10**9], ids=["sorted-keys", "default", "dense"])
@pytest.mark.parametrize("block_postings", [1, 5_000, 2**20], ids=["one-query-blocks", "small-blocks", "default"])
def test_search_is_identical_to_the_former_dense_accumulation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, levels: int | None, dense_scores_per_posting: int,
    block_postings: int,
) -> None:
    vocab = 500
    shards = [random_docs(700, vocab, 25, seed, levels=levels) for seed in range(3)]
    index_dir = build(tmp_path, shards, vocab)
    queries = random_queries(40, vocab, 12, seed=7, levels=levels)
    monkeypatch.setattr(inverted_index, "DENSE_SCORES_PER_POSTING", dense_scores_per_posting)
    monkeypatch.setattr(searcher, "BLOCK_POSTINGS", block_postings)
    for k, limit in [(1, None), (10, None), (100, None), (10, 5), (2100, None)]:
        found = SparseSearcher(index_dir, SparseSearchConfig(k=k, max_postings_per_term=limit)).search_sparse(queries)
        expected = former_search(InvertedIndex(**{name: np.load(index_dir / f"{name}.npy") for name in (
            "term_offsets", "doc_ordinals", "weights", "doc_ids")}), queries, min(k, 2100), limit)
        assert found == expected  # the same documents in the same order, bit-identical scores


def test_score_matched_equals_the_positive_entries_of_score() -> None:
    vocab = 200
    index = InvertedIndex.from_docs([random_docs(300, vocab, 20, seed=1, levels=3)], vocab)
    queries = random_queries(9, vocab, 15, seed=2)
    # an empty query, and one whose only term no document has
    queries = SparseQueries(np.concatenate([queries.offsets, [queries.offsets[-1]] * 2]),
                            queries.term_ids, queries.weights, vocab)
    dense = index.score(queries)
    matched = index.score_matched(queries)
    for position in range(len(queries)):
        ordinals, values = matched.row(position)
        expected = np.flatnonzero(dense[position] > 0)
        np.testing.assert_array_equal(ordinals, expected)
        np.testing.assert_array_equal(values, dense[position][expected])
    assert matched.row(len(queries) - 1)[0].size == 0


def test_search_memory_does_not_grow_with_the_collection(tmp_path: Path) -> None:
    """The same queries touch the same postings in a collection of 27k documents and in one of
    202k (the extra documents use other terms): the searcher's peak extra memory (tracemalloc,
    numpy's buffers included) stays the same and within ~100 bytes per posting read. The former
    dense accumulation allocated 8 bytes per query and document: 32 MB at the large size."""
    vocab, query_vocab = 1_000, 200
    touched = random_docs(2_000, query_vocab, 20, seed=1)
    others = [uniform_docs(25_000, query_vocab, vocab, 10, seed) for seed in range(2, 10)]
    queries = random_queries(20, vocab, 15, seed=9, term_range=query_vocab)

    peaks, num_docs = {}, {}
    for name, shards in {"small": [touched, others[0]], "large": [touched, *others]}.items():
        index_dir = build(tmp_path / name, shards, vocab)
        search = SparseSearcher(index_dir, SparseSearchConfig(k=10))
        search.search_sparse(queries)  # warm up (first-call allocations of numpy and the mmap)
        tracemalloc.start()
        result = search.search_sparse(queries)
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        num_docs[name] = search.index.num_docs
        assert result == former_search(search.index, queries, 10)
        postings = int(search.index.postings_per_query(queries).sum())
    assert num_docs == {"small": 27_000, "large": 202_000}
    assert peaks["large"] <= 1.1 * peaks["small"] + 64 * 1024, peaks
    assert peaks["large"] <= 100 * postings + 256 * 1024, (peaks, postings)
    assert peaks["large"] < len(queries) * num_docs["large"] * 8 / 4


@pytest.mark.parametrize("levels", [None, 50, 3], ids=["continuous", "some-ties", "many-ties"])
@pytest.mark.parametrize("k", [1, 10, 1000])
def test_top_k_of_many_equals_top_k(levels: int | None, k: int) -> None:
    rng = np.random.default_rng(k)
    for count in (5, 2_000, 200_000):
        scores = rng.random(count) * 4
        if levels is not None:
            scores = np.ceil(scores * levels) / levels
        ordinals = np.sort(rng.choice(10 * count, count, replace=False))
        expected = top_k(ordinals, scores, k)
        found = top_k_of_many(ordinals, scores, k)
        np.testing.assert_array_equal(found[0], expected[0])
        np.testing.assert_array_equal(found[1], expected[1])
