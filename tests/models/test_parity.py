"""Parity with reference implementations on real weights and real SciFact texts."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch
from staged_data import missing_data

from lir_core import BiEncoderModule, DprModel, SpladeConfig, SpladeModel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scifact_texts() -> tuple[list[str], list[str]]:
    ir_datasets = pytest.importorskip("ir_datasets")
    try:
        dataset = ir_datasets.load("beir/scifact/test")
        docs = [f"{d.title} {d.text}" for d in itertools.islice(dataset.docs_iter(), 48)]
        queries = [q.text for q in itertools.islice(dataset.queries_iter(), 24)]
    except Exception as error:  # the cache is seeded by `make test`; say so rather than fail obscurely
        missing_data(f"beir/scifact/test not available offline ({type(error).__name__}: {error})")
    return docs, queries


def test_minilm_equals_sentence_transformers(minilm_path: Path, scifact_texts) -> None:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    docs, queries = scifact_texts
    reference = sentence_transformers.SentenceTransformer(str(minilm_path), device="cpu")
    module = BiEncoderModule(str(minilm_path))
    assert isinstance(module.model, DprModel)
    assert module.config.doc_length == reference.max_seq_length == 256
    assert module.config.normalize and module.config.doc_pooling_strategy == "mean"
    for texts, encode in ((docs, module.encode_docs), (queries, module.encode_queries)):
        expected = reference.encode(texts, convert_to_tensor=True, batch_size=16)
        torch.testing.assert_close(encode(texts, batch_size=7).embeddings[:, 0], expected, atol=1e-5, rtol=0)


def test_minilm_bf16_is_close(minilm_path: Path, scifact_texts) -> None:
    docs = scifact_texts[0][:16]  # bf16 is emulated (slow) on CPUs without AMX / AVX-512 BF16
    module = BiEncoderModule(str(minilm_path))
    fp32 = module.encode_docs(docs).embeddings[:, 0]
    bf16 = module.encode_docs(docs, precision="bf16").embeddings[:, 0]
    assert torch.nn.functional.cosine_similarity(fp32, bf16).min() > 0.999


def test_splade_equals_sentence_transformers_sparse_encoder(splade_path: Path, scifact_texts) -> None:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    docs, queries = scifact_texts[0][:24], scifact_texts[1]  # 512-token documents: the slowest parity check
    reference = sentence_transformers.SparseEncoder(str(splade_path), device="cpu")
    length = reference.max_seq_length
    module = BiEncoderModule(str(splade_path), config=SpladeConfig(query_length=length, doc_length=length))
    assert isinstance(module.model, SpladeModel)
    for texts, encode in ((docs, module.encode_docs), (queries, module.encode_queries)):
        expected = reference.encode(texts, convert_to_tensor=True, batch_size=16).to_dense()
        ours = encode(texts, batch_size=16).embeddings[:, 0]
        assert ours.shape == expected.shape == (len(texts), 30522)
        torch.testing.assert_close(ours, expected, atol=1e-5, rtol=1e-5)
        assert torch.equal(ours > 0, expected > 0)
