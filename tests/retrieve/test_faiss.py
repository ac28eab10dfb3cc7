"""Faiss indexes built from shards: exactness, recall of approximate indexes, checks and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lir_core.retrieve import (
    FaissFlatIndexConfig,
    FaissHNSWIndexConfig,
    FaissIVFIndexConfig,
    FaissIVFPQIndexConfig,
    FaissPQIndexConfig,
    FaissSearchConfig,
    Retriever,
    encode_collection,
    exhaustive_search,
    indexer_for,
    search,
)
from lir_core.retrieve.faiss import FaissFlatSearcher, FaissIVFSearcher
from lir_core.retrieve.search import clamp_k

QUERIES = {"q1": "capital of germany", "q2": "vitamin deficiency bone", "q3": "sparse retrieval index", "q4": "dog"}


def build(module, docs, root: Path, config, shard_size: int = 25) -> Path:
    """Encode ``docs`` into shards under ``root`` and build ``config``'s index; return the index folder."""
    encode_collection(module, docs, root / "shards", shard_size=shard_size, batch_size=16)
    index_dir = root / config.index_type
    indexer_for(config).build(root / "shards", index_dir, config)
    return index_dir


@pytest.mark.parametrize("similarity", ["dot", "cosine"])
def test_flat_scores_equal_the_module_scores(bi_encoder, small_docs, tmp_path, similarity) -> None:
    module = bi_encoder(similarity_function=similarity)
    index_dir = build(module, small_docs, tmp_path, FaissFlatIndexConfig())
    result = search(module, index_dir, QUERIES, FaissSearchConfig(k=10))
    reference = exhaustive_search(module, small_docs, QUERIES, k=10)
    texts = {d.doc_id: d.doc for d in small_docs}
    assert result.query_ids == list(QUERIES)
    for query_id, doc_ids, scores, expected_scores in zip(
        result.query_ids, result.doc_ids, result.scores, reference.scores
    ):
        assert len(doc_ids) == 10
        np.testing.assert_allclose(scores, expected_scores, atol=1e-4)
        brute = module.score(QUERIES[query_id], [texts[d] for d in doc_ids]).scores.numpy()
        np.testing.assert_allclose(scores, brute, atol=1e-4)
        assert scores == sorted(scores, reverse=True)


def test_index_manifest_records_encoder_config_and_counts(bi_encoder, small_docs, tmp_path) -> None:
    module = bi_encoder(similarity_function="cosine")
    index_dir = build(module, small_docs, tmp_path, FaissFlatIndexConfig())
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["kind"] == "faiss-flat"
    assert manifest["producer"]["encoder"]["dim"] == 32
    assert manifest["producer"]["encoder"]["similarity_function"] == "cosine"
    assert manifest["producer"]["index_config"] == {"index_type": "faiss-flat"}
    assert manifest["producer"]["num_docs"] == 60
    assert {name: entry["rows"] for name, entry in manifest["files"].items()} == {
        "index.faiss": 60, "doc_ids.parquet": 60,
    }


@pytest.fixture(scope="module")
def collection_3k(bi_encoder, doc_factory, tmp_path_factory):
    """3000 documents encoded into shards once, with exact flat top-10 as reference."""
    module = bi_encoder(similarity_function="cosine")
    root = tmp_path_factory.mktemp("collection3k")
    docs = doc_factory(3000, seed=1)
    queries = {f"q{i}": d.doc for i, d in enumerate(doc_factory(100, seed=2))}
    flat = build(module, docs, root, FaissFlatIndexConfig(), shard_size=1000)
    exact = search(module, flat, queries, FaissSearchConfig(k=10))
    return module, root, queries, exact


def recall_at_10(result, exact) -> float:
    hits = [len(set(a) & set(b)) / len(b) for a, b in zip(result.doc_ids, exact.doc_ids)]
    return float(np.mean(hits))


@pytest.mark.parametrize(
    ("config", "minimum"),
    [
        (FaissIVFIndexConfig(), 0.95),
        (FaissHNSWIndexConfig(), 0.95),
        # 16 codes of 4 bits for 32 floats: lossy, but 30x better than chance (10 / 3000). Measured
        # 0.15-0.33 over processes: the tiny tokenizer's trained vocabulary differs from one
        # process to the next (tokenizers breaks frequency ties arbitrarily), and so do the vectors.
        (FaissIVFPQIndexConfig(num_subquantizers=16, n_bits=4), 0.1),
        (FaissPQIndexConfig(num_subquantizers=16, n_bits=4), 0.1),
    ],
    ids=["ivf", "hnsw", "ivfpq", "pq"],
)
def test_approximate_indexes_recall_the_exact_top_10(collection_3k, config, minimum) -> None:
    """IVF and HNSW at their default settings find >= 95% of the exact top 10."""
    module, root, queries, exact = collection_3k
    index_dir = root / config.index_type
    indexer_for(config).build(root / "shards", index_dir, config)
    result = search(module, index_dir, queries, FaissSearchConfig(k=10))
    assert recall_at_10(result, exact) >= minimum
    assert all(scores == sorted(scores, reverse=True) for scores in result.scores)


def test_ivf_n_probe_trades_recall(collection_3k) -> None:
    module, root, queries, exact = collection_3k
    config = FaissIVFIndexConfig()
    index_dir = root / "ivf-probe"
    indexer_for(config).build(root / "shards", index_dir, config)
    one = search(module, index_dir, queries, FaissSearchConfig(k=10, n_probe=1))
    every = search(module, index_dir, queries, FaissSearchConfig(k=10, n_probe=10_000))
    assert recall_at_10(one, exact) < recall_at_10(every, exact) == 1.0


def test_ivf_returns_only_the_documents_its_probed_lists_hold(collection_3k) -> None:
    """IVF with one probed list of ~50 documents and k=200: faiss pads with row -1, which
    must not come back as a document."""
    module, root, queries, _ = collection_3k
    config = FaissIVFIndexConfig(num_centroids=64)
    index_dir = root / "ivf-64"
    indexer_for(config).build(root / "shards", index_dir, config)
    result = search(module, index_dir, dict(list(queries.items())[:5]), FaissSearchConfig(k=200, n_probe=1))
    for doc_ids, scores in zip(result.doc_ids, result.scores):
        assert 0 < len(doc_ids) < 200 and len(scores) == len(doc_ids) == len(set(doc_ids))
        assert scores == sorted(scores, reverse=True)


def test_searcher_direct_api_and_k_larger_than_collection(bi_encoder, small_docs, tmp_path) -> None:
    module = bi_encoder()
    index_dir = build(module, small_docs[:7], tmp_path, FaissFlatIndexConfig())
    searcher = FaissFlatSearcher(index_dir, FaissSearchConfig(k=3), module)
    embedding = module.encode_queries(["capital of germany"])
    doc_ids, scores = searcher.search_embeddings(embedding.embeddings, embedding.scoring_mask, 3)
    assert len(doc_ids[0]) == 3 and len(scores[0]) == 3
    with pytest.warns(UserWarning, match="k=50 exceeds the 7 documents"):
        result = Retriever.open(module, index_dir, FaissSearchConfig(k=50)).search(["capital", "dog"])
    assert [len(ids) for ids in result.doc_ids] == [7, 7]
    assert sorted(result.doc_ids[0]) == sorted(d.doc_id for d in small_docs[:7])
    assert clamp_k(3, 7) == 3


def test_module_that_does_not_match_the_index_is_refused(bi_encoder, small_docs, tmp_path) -> None:
    index_dir = build(bi_encoder(), small_docs, tmp_path, FaissFlatIndexConfig())
    with pytest.raises(ValueError, match=r"dim: artifact 32 vs module 16"):
        search(bi_encoder(embedding_dim=16), index_dir, QUERIES, FaissSearchConfig())
    other = bi_encoder()
    with torch.no_grad():
        other.model.backbone.embeddings.word_embeddings.weight[7] += 1.0
    with pytest.raises(ValueError, match="weights_sha256"):
        search(other, index_dir, QUERIES, FaissSearchConfig())


def test_empty_queries_and_wrong_configs_are_clear_errors(bi_encoder, small_docs, tmp_path) -> None:
    module = bi_encoder()
    index_dir = build(module, small_docs, tmp_path, FaissFlatIndexConfig())
    with pytest.raises(ValueError, match="query 'q2' is empty"):
        search(module, index_dir, {"q1": "dog", "q2": "  "}, FaissSearchConfig())
    with pytest.raises(ValueError, match="no queries"):
        search(module, index_dir, [], FaissSearchConfig())
    with pytest.raises(ValueError, match="k must be >= 1"):
        FaissSearchConfig(k=0)
    with pytest.raises(ValueError, match="holds a 'faiss-flat' index"):
        FaissIVFSearcher(index_dir, FaissSearchConfig(), module)
    with pytest.raises(FileNotFoundError, match="no manifest.json"):
        search(module, tmp_path / "missing", QUERIES, FaissSearchConfig())
    with pytest.raises(ValueError, match="num_subquantizers=5 must divide the dimension 32"):
        config = FaissPQIndexConfig(num_subquantizers=5)
        indexer_for(config).build(tmp_path / "shards", tmp_path / "pq", config)
    with pytest.raises(ValueError, match="training needs at least 256 documents, the collection has 60"):
        indexer_for(FaissPQIndexConfig(num_subquantizers=4)).build(
            tmp_path / "shards", tmp_path / "pq", FaissPQIndexConfig(num_subquantizers=4)
        )


def test_corrupt_index_file_is_named(bi_encoder, small_docs, tmp_path) -> None:
    module = bi_encoder()
    index_dir = build(module, small_docs, tmp_path, FaissFlatIndexConfig())
    path = index_dir / "index.faiss"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="index.faiss: checksum mismatch"):
        search(module, index_dir, QUERIES, FaissSearchConfig())


def test_multi_vector_shards_need_another_index(bi_encoder, small_docs, tmp_path) -> None:
    module = bi_encoder(query_pooling_strategy=None, doc_pooling_strategy=None)
    encode_collection(module, small_docs[:5], tmp_path / "shards")
    with pytest.raises(ValueError, match="multi-vector shards"):
        indexer_for(FaissFlatIndexConfig()).build(tmp_path / "shards", tmp_path / "index", FaissFlatIndexConfig())
