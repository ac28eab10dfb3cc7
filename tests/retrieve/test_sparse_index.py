"""Sparse indexes: the exact inverted index equals brute-force dot products and reads only the
query's postings; the optional Seismic backend has high recall against it."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch

from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.data.samples import DocSample
from lir_core.models.splade import SpladeConfig
from lir_core.retrieve.base import IndexConfig, indexer_for, searcher_class_for
from lir_core.retrieve.search import exhaustive_search, search
from lir_core.retrieve.shards import encode_collection
from lir_core.retrieve.sparse import (
    InvertedIndex,
    SeismicIndexConfig,
    SeismicIndexer,
    SeismicSearchConfig,
    SeismicSearcher,
    SparseDocs,
    SparseIndexConfig,
    SparseIndexer,
    SparseQueries,
    SparseSearchConfig,
    SparseSearcher,
)
from lir_core.retrieve.sparse.ragged import ragged_arange

VOCAB = 300


def random_sparse(rows: int, density: float, seed: int) -> np.ndarray:
    """``[rows, VOCAB]`` non-negative vectors with about ``density`` non-zeros."""
    rng = np.random.default_rng(seed)
    return (rng.random((rows, VOCAB)) * (rng.random((rows, VOCAB)) < density)).astype(np.float32)


def docs_from_dense(dense: np.ndarray, shard_size: int) -> list[SparseDocs]:
    """Split dense rows into CSR shards with ids ``d0, d1, ...`` (terms in descending weight order)."""
    shards = []
    for start in range(0, len(dense), shard_size):
        rows = dense[start : start + shard_size]
        offsets, term_ids, weights = [0], [], []
        for row in rows:
            nonzero = np.flatnonzero(row)
            nonzero = nonzero[np.argsort(-row[nonzero])]
            term_ids.extend(nonzero)
            weights.extend(row[nonzero])
            offsets.append(len(term_ids))
        ids = [f"d{i}" for i in range(start, start + len(rows))]
        shards.append(SparseDocs(ids, np.array(offsets), np.array(term_ids), np.array(weights)))
    return shards


def exact_top_k(queries: np.ndarray, docs: np.ndarray, k: int) -> tuple[list[list[str]], list[list[float]]]:
    """Brute-force dot products (float64); documents sharing no term (score 0) are not retrieved."""
    scores = queries.astype(np.float64) @ docs.astype(np.float64).T
    ids, values = [], []
    for row in scores:
        matched = np.flatnonzero(row > 0)
        order = matched[np.lexsort((matched, -row[matched]))][:k]
        ids.append([f"d{i}" for i in order])
        values.append(row[order].tolist())
    return ids, values


@pytest.fixture(scope="module")
def collection() -> np.ndarray:
    return random_sparse(400, 0.05, seed=0)


@pytest.fixture(scope="module")
def index_dir(collection: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sparse-index")
    SparseIndexer().build_from_docs(docs_from_dense(collection, 64), directory, SparseIndexConfig(vocab_size=VOCAB))
    return directory


def assert_same_ranking(found: tuple[list, list], expected: tuple[list, list]) -> None:
    for found_ids, found_scores, ids, scores in zip(*found, *expected):
        assert found_ids == ids
        np.testing.assert_allclose(found_scores, scores, rtol=0, atol=1e-5)


@pytest.mark.parametrize("k", [1, 10, 400])
def test_search_equals_exact_dot_products_on_random_vectors(
    collection: np.ndarray, index_dir: Path, k: int
) -> None:
    queries = random_sparse(25, 0.08, seed=1)
    found = SparseSearcher(index_dir).search_embeddings(torch.from_numpy(queries)[:, None], None, k)
    assert_same_ranking(found, exact_top_k(queries, collection, k))


def test_k_beyond_the_collection_returns_every_matching_doc_with_a_warning(
    collection: np.ndarray, index_dir: Path
) -> None:
    queries = random_sparse(3, 0.08, seed=2)
    with pytest.warns(UserWarning, match="exceeds the 400 documents"):
        found = SparseSearcher(index_dir).search_embeddings(torch.from_numpy(queries)[:, None], None, 10_000)
    assert_same_ranking(found, exact_top_k(queries, collection, 10_000))


def test_postings_are_term_major_and_impact_ordered(collection: np.ndarray) -> None:
    index = InvertedIndex.from_docs(docs_from_dense(collection, 50), VOCAB)
    assert index.num_postings == np.count_nonzero(collection)
    for term in range(VOCAB):
        start, end = index.term_offsets[term], index.term_offsets[term + 1]
        docs, weights = index.doc_ordinals[start:end], index.weights[start:end]
        assert np.all(np.diff(weights) <= 0), "postings must be in descending weight order"
        assert sorted(docs.tolist()) == np.flatnonzero(collection[:, term]).tolist()
        np.testing.assert_array_equal(weights, collection[docs, term])


class RecordingArray(np.ndarray):
    """A numpy array that records the positions read through fancy indexing or slicing."""

    def __array_finalize__(self, obj: object) -> None:
        self.reads = getattr(obj, "reads", None)

    def __getitem__(self, key: object) -> np.ndarray:
        if self.reads is not None:
            self.reads.append(np.arange(len(self))[key])
        return np.asarray(super().__getitem__(key))


def test_a_query_reads_only_its_own_terms_postings(collection: np.ndarray) -> None:
    index = InvertedIndex.from_docs(docs_from_dense(collection, 100), VOCAB)
    query = random_sparse(1, 0.03, seed=5)
    queries = SparseQueries.from_embeddings(torch.from_numpy(query), VOCAB)
    terms = np.flatnonzero(query[0])
    expected = set(ragged_arange(index.term_offsets[terms], np.diff(index.term_offsets)[terms]).tolist())
    assert 0 < len(expected) < index.num_postings / 10

    reads: list[np.ndarray] = []
    for name in ("doc_ordinals", "weights"):
        recording = getattr(index, name).view(RecordingArray)
        recording.reads = reads
        setattr(index, name, recording)
    index.score(queries)
    read_positions = set(np.concatenate(reads).tolist())
    assert read_positions == expected

    # Black-box check: poisoning every other posting does not change the scores.
    poisoned = InvertedIndex.from_docs(docs_from_dense(collection, 100), VOCAB)
    outside = np.setdiff1d(np.arange(poisoned.num_postings), np.fromiter(expected, dtype=np.int64))
    poisoned.weights[outside] = np.nan
    clean = InvertedIndex.from_docs(docs_from_dense(collection, 100), VOCAB)
    np.testing.assert_allclose(poisoned.score(queries), clean.score(queries))
    np.testing.assert_allclose(clean.score(queries)[0], query[0].astype(np.float64) @ collection.T, atol=1e-5)


def test_queries_scored_together_equal_queries_scored_alone(collection: np.ndarray) -> None:
    index = InvertedIndex.from_docs(docs_from_dense(collection, 100), VOCAB)
    queries = SparseQueries.from_embeddings(torch.from_numpy(random_sparse(7, 0.05, seed=6)), VOCAB)
    together = index.score(queries)
    for position in range(len(queries)):
        np.testing.assert_allclose(together[position], index.score(queries.slice(position, position + 1))[0])


def test_early_termination_reads_the_highest_impact_postings_only(
    collection: np.ndarray, index_dir: Path
) -> None:
    limit = 3
    query = random_sparse(1, 0.1, seed=7)
    truncated = np.zeros_like(collection)
    for term in range(VOCAB):
        best = np.argsort(-collection[:, term], kind="stable")[:limit]
        truncated[best, term] = collection[best, term]
    truncated[collection == 0] = 0
    searcher = SparseSearcher(index_dir, SparseSearchConfig(max_postings_per_term=limit))
    found = searcher.search_embeddings(torch.from_numpy(query)[:, None], None, 10)
    expected = exact_top_k(query, truncated, 10)
    np.testing.assert_allclose(found[1][0], expected[1][0], atol=1e-5)
    assert set(found[0][0]) == set(expected[0][0])


def test_an_all_zero_query_retrieves_nothing(index_dir: Path) -> None:
    doc_ids, scores = SparseSearcher(index_dir).search_embeddings(torch.zeros(1, 1, VOCAB), None, 5)
    assert doc_ids == [[]] and scores == [[]]


def test_registries_and_config_round_trip() -> None:
    config = SparseIndexConfig(vocab_size=7)
    assert IndexConfig.from_dict(config.to_dict()) == config
    assert isinstance(indexer_for(config), SparseIndexer)
    assert searcher_class_for("sparse-inverted") is SparseSearcher


@pytest.fixture(scope="module")
def tiny_splade(tiny_backbone: Callable[..., Path]) -> BiEncoderModule:
    return BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=SpladeConfig(doc_length=32))


DOCS = [DocSample(f"doc-{i}", text) for i, text in enumerate([
    "berlin is the capital of germany", "paris is the capital of france", "vitamin d deficiency and bone loss",
    "aspirin reduces the risk of heart attack", "the protein binds to dna", "neural networks learn text",
    "information retrieval ranks documents", "a randomized controlled trial of cancer patients",
    "mutations in the gene cause a rare disease", "sparse retrieval uses an inverted index",
    "the quick brown fox jumps over the lazy dog", "dense retrieval uses vectors",
])]
QUERIES = {"q1": "capital of germany", "q2": "bone loss vitamin", "q3": "inverted index retrieval"}


def test_tiny_splade_vectors_match_model_scores(tiny_splade: BiEncoderModule, tmp_path: Path) -> None:
    doc_embeddings = tiny_splade.encode_docs([doc.doc for doc in DOCS])
    docs = SparseDocs.from_embedding([doc.doc_id for doc in DOCS], doc_embeddings)
    SparseIndexer().build_from_docs([docs], tmp_path, SparseIndexConfig(), vocab_size=tiny_splade.model.embedding_dim)
    query_embeddings = tiny_splade.encode_queries(list(QUERIES.values()))
    doc_ids, scores = SparseSearcher(tmp_path, module=tiny_splade).search_embeddings(
        query_embeddings.embeddings, query_embeddings.scoring_mask, 5
    )
    for position in range(len(QUERIES)):
        expected = tiny_splade.model.score(query_embeddings[position : position + 1], doc_embeddings, len(DOCS))
        top = torch.topk(expected, 5)
        assert doc_ids[position] == [DOCS[i].doc_id for i in top.indices.tolist()]
        np.testing.assert_allclose(scores[position], top.values.tolist(), atol=1e-5)


def test_index_from_shards_searches_like_exhaustive_scoring(tiny_splade: BiEncoderModule, tmp_path: Path) -> None:
    encode_collection(tiny_splade, DOCS, tmp_path / "shards", shard_size=5)
    indexer = indexer_for(SparseIndexConfig())
    indexer.build(tmp_path / "shards", tmp_path / "index", SparseIndexConfig())
    found = search(tiny_splade, tmp_path / "index", QUERIES, SparseSearchConfig(k=4))
    expected = exhaustive_search(tiny_splade, {doc.doc_id: doc.doc for doc in DOCS}, QUERIES, 4)
    assert found.query_ids == expected.query_ids
    assert found.doc_ids == expected.doc_ids
    np.testing.assert_allclose(found.scores, expected.scores, atol=1e-5)


def test_sparse_queries_are_validated() -> None:
    with pytest.raises(ValueError, match="no queries"):
        SparseQueries.from_embeddings(torch.zeros(0, 1, VOCAB), VOCAB)
    with pytest.raises(ValueError, match="vocabulary of 300"):
        SparseQueries.from_embeddings(torch.ones(2, 1, 64), VOCAB)
    with pytest.raises(ValueError, match="one pooled vector"):
        SparseQueries.from_embeddings(torch.ones(2, 3, VOCAB), VOCAB)
    with pytest.raises(ValueError, match="non-negative"):
        SparseQueries.from_embeddings(-torch.ones(1, 1, VOCAB), VOCAB)


@pytest.fixture(scope="module")
def seismic_dir(collection: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("seismic")
    directory = tmp_path_factory.mktemp("seismic")
    SeismicIndexer().build_from_docs(docs_from_dense(collection, 128), directory, SeismicIndexConfig(n_postings=200),
                                     vocab_size=VOCAB)
    return directory


def test_seismic_has_high_recall_against_exact_search(seismic_dir: Path, index_dir: Path) -> None:
    queries = torch.from_numpy(random_sparse(30, 0.08, seed=3))[:, None]
    config = SeismicSearchConfig(query_cut=VOCAB, heap_factor=0.9)
    found_ids, found_scores = SeismicSearcher(seismic_dir, config).search_embeddings(queries, None, 10)
    exact_ids, exact_scores = SparseSearcher(index_dir).search_embeddings(queries, None, 10)
    recall = np.mean([len(set(found) & set(exact)) / len(exact) for found, exact in zip(found_ids, exact_ids)])
    assert recall >= 0.9
    assert np.mean([found[0] == exact[0] for found, exact in zip(found_ids, exact_ids)]) >= 0.9
    np.testing.assert_allclose(found_scores[0][0], exact_scores[0][0], rtol=1e-3)
    assert searcher_class_for("sparse-seismic") is SeismicSearcher


def test_corrupt_seismic_file_is_named(seismic_dir: Path, tmp_path: Path) -> None:
    for path in seismic_dir.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "seismic.index.seismic").write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"seismic\.index\.seismic: checksum mismatch"):
        SeismicSearcher(tmp_path)


@pytest.mark.slow
def test_real_splade_vectors_match_model_scores(splade_path: Path, tmp_path: Path) -> None:
    module = BiEncoderModule(str(splade_path), config=SpladeConfig())
    doc_embeddings = module.encode_docs([doc.doc for doc in DOCS])
    docs = SparseDocs.from_embedding([doc.doc_id for doc in DOCS], doc_embeddings)
    SparseIndexer().build_from_docs([docs], tmp_path, SparseIndexConfig(), vocab_size=module.model.embedding_dim)
    query_embeddings = module.encode_queries(list(QUERIES.values()))
    doc_ids, scores = SparseSearcher(tmp_path, module=module).search_embeddings(query_embeddings.embeddings, None, 5)
    for position in range(len(QUERIES)):
        expected = module.model.score(query_embeddings[position : position + 1], doc_embeddings, len(DOCS))
        top = torch.topk(expected, 5)
        matching = top.values > 0  # documents sharing no term with the query are not retrieved
        assert doc_ids[position] == [DOCS[i].doc_id for i in top.indices[matching].tolist()]
        np.testing.assert_allclose(scores[position], top.values[matching].tolist(), atol=1e-4)
