"""Sparse indexes on bad input: clear errors naming what is wrong, never a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch

from lir_core.bi_encoder.config import BiEncoderConfig
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.data.samples import DocSample
from lir_core.models.splade import SpladeConfig
from lir_core.retrieve.faiss import FaissSearchConfig
from lir_core.retrieve.plaid import PlaidSearcher
from lir_core.retrieve.shards import encode_collection
from lir_core.retrieve.sparse import SparseDocs, SparseIndexConfig, SparseIndexer, SparseSearcher

VOCAB = 50


def two_docs(ids: tuple[str, str] = ("a", "b"), term_ids: tuple[int, ...] = (1, 4, 4), weights=(1.0, 2.0, 0.5)) -> SparseDocs:
    return SparseDocs(list(ids), np.array([0, 2, 3]), np.array(term_ids), np.array(weights))


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    SparseIndexer().build_from_docs([two_docs()], tmp_path, SparseIndexConfig(vocab_size=VOCAB))
    return tmp_path


def test_corrupt_index_file_is_named(index_dir: Path) -> None:
    path = index_dir / "weights.npy"
    path.write_bytes(path.read_bytes()[:-4] + b"\x00\x00\x00\x01")
    with pytest.raises(ValueError, match=r"weights\.npy: checksum mismatch"):
        SparseSearcher(index_dir)


def test_missing_index_file_is_named(index_dir: Path) -> None:
    (index_dir / "doc_ordinals.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"doc_ordinals\.npy"):
        SparseSearcher(index_dir)


def test_folder_without_manifest_is_not_an_index(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no manifest.json"):
        SparseSearcher(tmp_path)


def test_another_index_type_is_refused(index_dir: Path) -> None:
    with pytest.raises(ValueError, match="holds a 'sparse-inverted' index, expected 'plaid'"):
        PlaidSearcher(index_dir)
    with pytest.raises(TypeError, match="SparseSearchConfig"):
        SparseSearcher(index_dir, FaissSearchConfig())


def test_queries_of_another_dimension_are_refused(index_dir: Path) -> None:
    with pytest.raises(ValueError, match="vocabulary of 50"):
        SparseSearcher(index_dir).search_embeddings(torch.ones(1, 1, 64), None, 3)
    with pytest.raises(ValueError, match="no queries"):
        SparseSearcher(index_dir).search_embeddings(torch.ones(0, 1, VOCAB), None, 3)


def test_bad_documents_are_refused(tmp_path: Path) -> None:
    indexer = SparseIndexer()
    with pytest.raises(ValueError, match="more than once"):
        indexer.build_from_docs([two_docs(("a", "a"))], tmp_path, SparseIndexConfig(vocab_size=VOCAB))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        indexer.build_from_docs([two_docs()], tmp_path, SparseIndexConfig(vocab_size=3))
    with pytest.raises(ValueError, match="non-negative"):
        indexer.build_from_docs([two_docs(weights=(1.0, -2.0, 0.5))], tmp_path, SparseIndexConfig(vocab_size=VOCAB))
    with pytest.raises(ValueError, match="no documents"):
        indexer.build_from_docs([], tmp_path, SparseIndexConfig(vocab_size=VOCAB))
    with pytest.raises(ValueError, match="vocab_size=50 but the vectors have 60"):
        indexer.build_from_docs([two_docs()], tmp_path, SparseIndexConfig(vocab_size=VOCAB), vocab_size=60)
    with pytest.raises(ValueError, match="len\\(doc_ids\\) \\+ 1"):
        SparseDocs(["a"], np.array([0, 1, 2]), np.array([1, 2]), np.array([1.0, 1.0]))


def test_a_duplicate_term_in_a_document_is_summed(index_dir: Path) -> None:
    query = torch.zeros(1, 1, VOCAB)
    query[0, 0, 4] = 1.0
    doc_ids, scores = SparseSearcher(index_dir).search_embeddings(query, None, 2)
    assert doc_ids == [["a", "b"]]
    np.testing.assert_allclose(scores, [[2.0, 0.5]])


DOCS = [DocSample(f"d{i}", text) for i, text in enumerate(["berlin capital", "paris capital", "vitamin bone"])]


def test_index_of_another_encoder_is_refused(tiny_backbone: Callable[..., Path], tmp_path: Path) -> None:
    splade = BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=SpladeConfig(doc_length=16))
    encode_collection(splade, DOCS, tmp_path / "shards")
    SparseIndexer().build(tmp_path / "shards", tmp_path / "index", SparseIndexConfig())
    other = BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=SpladeConfig(doc_length=16))
    torch.nn.init.normal_(other.model.backbone.get_input_embeddings().weight)
    with pytest.raises(ValueError, match="different encoder"):
        SparseSearcher(tmp_path / "index", module=other)
    dense = BiEncoderModule(str(tiny_backbone("bert")), config=BiEncoderConfig())
    encode_collection(dense, DOCS, tmp_path / "dense")
    with pytest.raises(ValueError, match="need sparse shards, these are dense shards"):
        SparseIndexer().build(tmp_path / "dense", tmp_path / "index2", SparseIndexConfig())
