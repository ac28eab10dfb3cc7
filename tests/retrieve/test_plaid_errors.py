"""Multi-vector indexes on bad input: clear errors naming what is wrong, never a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch

from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.data.samples import DocSample
from lir_core.models.col import ColConfig
from lir_core.models.splade import SpladeConfig
from lir_core.retrieve.plaid import (
    ExhaustiveMaxSimIndexConfig,
    ExhaustiveMaxSimIndexer,
    ExhaustiveMaxSimSearcher,
    MultiVectorDocs,
    PlaidIndex,
    PlaidIndexConfig,
    PlaidIndexer,
    PlaidSearcher,
    ResidualCodec,
)
from lir_core.retrieve.shards import encode_collection

DIM = 16


def random_docs(num_docs: int, dim: int = DIM, seed: int = 0, prefix: str = "d") -> MultiVectorDocs:
    rng = np.random.default_rng(seed)
    counts = rng.integers(3, 9, size=num_docs)
    vectors = rng.normal(size=(int(counts.sum()), dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return MultiVectorDocs([f"{prefix}{i}" for i in range(num_docs)], counts, vectors)


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    shards = [random_docs(30), random_docs(20, seed=1, prefix="e")]
    exhaustive_dir, plaid_dir = tmp_path_factory.mktemp("exhaustive"), tmp_path_factory.mktemp("plaid")
    ExhaustiveMaxSimIndexer().build_from_docs(shards, exhaustive_dir, ExhaustiveMaxSimIndexConfig())
    PlaidIndexer().build_from_docs(shards, plaid_dir, PlaidIndexConfig(num_centroids=16))
    return exhaustive_dir, plaid_dir


@pytest.mark.parametrize("searcher_class", [ExhaustiveMaxSimSearcher, PlaidSearcher])
def test_bad_queries_are_refused(indexes: tuple[Path, Path], searcher_class: type) -> None:
    searcher = searcher_class(indexes[searcher_class is PlaidSearcher])
    with pytest.raises(ValueError, match="index holds 16-d vectors"):
        searcher.search_embeddings(torch.ones(2, 4, 8), None, 3)
    with pytest.raises(ValueError, match="no queries"):
        searcher.search_embeddings(torch.ones(0, 4, DIM), None, 3)
    with pytest.raises(ValueError, match="query 1 has no scoring tokens"):
        searcher.search_embeddings(torch.ones(2, 4, DIM), torch.tensor([[1, 0, 0, 0], [0, 0, 0, 0]]), 3)


@pytest.mark.parametrize("searcher_class", [ExhaustiveMaxSimSearcher, PlaidSearcher])
def test_k_beyond_the_collection_returns_at_most_every_doc(indexes: tuple[Path, Path], searcher_class: type) -> None:
    searcher = searcher_class(indexes[searcher_class is PlaidSearcher])
    with pytest.warns(UserWarning, match="exceeds the 50 documents"):
        doc_ids, scores = searcher.search_embeddings(torch.ones(1, 3, DIM), None, 1000)
    assert len(doc_ids[0]) == len(set(doc_ids[0])) == len(scores[0])
    assert len(doc_ids[0]) <= 50
    if searcher_class is ExhaustiveMaxSimSearcher:
        assert len(doc_ids[0]) == 50


def test_corrupt_and_missing_files_are_named(indexes: tuple[Path, Path], tmp_path: Path) -> None:
    _, plaid_dir = indexes
    for path in plaid_dir.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    residuals = tmp_path / "residuals.npy"
    residuals.write_bytes(residuals.read_bytes()[:-1] + b"\xff")
    with pytest.raises(ValueError, match=r"residuals\.npy: checksum mismatch"):
        PlaidSearcher(tmp_path)
    residuals.write_bytes(b"\x93NUMPY truncated")
    with pytest.raises(ValueError, match=r"residuals\.npy: unreadable index file"):
        PlaidSearcher(tmp_path, verify=False)
    (tmp_path / "codes.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"codes\.npy"):
        PlaidSearcher(tmp_path)


def test_bad_collections_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="re-iterable"):
        PlaidIndex.build(iter([random_docs(5)]), PlaidIndexConfig())
    with pytest.raises(ValueError, match="at least as many tokens"):
        PlaidIndex.build([random_docs(2)], PlaidIndexConfig(num_centroids=1000))
    with pytest.raises(ValueError, match="different dimensions"):
        PlaidIndex.build([random_docs(5), random_docs(5, dim=8, prefix="e")], PlaidIndexConfig())
    with pytest.raises(ValueError, match="more than once"):
        ExhaustiveMaxSimIndexer().build_from_docs([random_docs(5), random_docs(5)], tmp_path, ExhaustiveMaxSimIndexConfig())
    with pytest.raises(ValueError, match="no documents"):
        ExhaustiveMaxSimIndexer().build_from_docs([], tmp_path, ExhaustiveMaxSimIndexConfig())
    with pytest.raises(ValueError, match="'b' has no scoring tokens"):
        MultiVectorDocs(["a", "b"], [2, 0], np.zeros((2, DIM)))
    with pytest.raises(ValueError, match="n_bits must be one of"):
        PlaidIndexConfig(n_bits=3)
    with pytest.raises(ValueError, match="do not fill whole bytes"):
        ResidualCodec.train(np.ones((50, 6), dtype=np.float32), num_centroids=2, n_bits=1, niter=2, seed=0)


DOCS = [DocSample(f"d{i}", text) for i, text in enumerate(["berlin capital germany", "paris capital france",
                                                             "vitamin bone loss", "aspirin heart attack"])]


def test_index_of_another_encoder_is_refused(tiny_backbone: Callable[..., Path], tmp_path: Path) -> None:
    colbert = BiEncoderModule(str(tiny_backbone("bert")), config=ColConfig(embedding_dim=16, doc_length=16))
    encode_collection(colbert, DOCS, tmp_path / "shards")
    ExhaustiveMaxSimIndexer().build(tmp_path / "shards", tmp_path / "index", ExhaustiveMaxSimIndexConfig())
    ExhaustiveMaxSimSearcher(tmp_path / "index", module=colbert)
    other = BiEncoderModule(str(tiny_backbone("bert")), config=ColConfig(embedding_dim=8, doc_length=16))
    with pytest.raises(ValueError, match="different encoder"):
        ExhaustiveMaxSimSearcher(tmp_path / "index", module=other)
    ExhaustiveMaxSimIndexer().build_from_docs([random_docs(4)], tmp_path / "bare", ExhaustiveMaxSimIndexConfig())
    with pytest.raises(ValueError, match="index holds 16-d vectors, the module encodes 8-d"):
        ExhaustiveMaxSimSearcher(tmp_path / "bare", module=other)
    splade = BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=SpladeConfig(doc_length=16))
    encode_collection(splade, DOCS, tmp_path / "sparse")
    with pytest.raises(ValueError, match="need multi-vector shards, these are sparse shards"):
        PlaidIndexer().build(tmp_path / "sparse", tmp_path / "plaid", PlaidIndexConfig())
