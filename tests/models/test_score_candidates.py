"""``score_candidates``: re-ranking scores equal ``score``'s, with each distinct document encoded once."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

from lir_core import BiEncoderModule, ColConfig, CrossEncoderModule, DprConfig, MonoConfig, SpladeConfig

QUERIES = ["capital of germany", "french capital", "dna replication"]
# Overlapping candidate lists, as in a re-ranked top k: "Berlin ..." is a candidate of every query.
CANDIDATES = [
    ["Berlin is the capital of Germany.", "Paris is the capital of France.", "dna"],
    ["Paris is the capital of France.", "Berlin is the capital of Germany."],
    ["dna", "Berlin is the capital of Germany.", "cells copy their dna before they divide"],
]


@pytest.fixture(params=["dpr", "col", "splade"])
def bi_encoder(request, tiny_backbone) -> BiEncoderModule:
    torch.manual_seed(0)
    if request.param == "splade":
        return BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=SpladeConfig()).eval()
    config = DprConfig() if request.param == "dpr" else ColConfig(embedding_dim=16)
    return BiEncoderModule(str(tiny_backbone("bert")), config=config).eval()


def test_bi_encoder_candidates_scores_equal_pairwise_scores(bi_encoder: BiEncoderModule) -> None:
    expected = bi_encoder.score(QUERIES, CANDIDATES).scores
    scores = bi_encoder.score_candidates(QUERIES, CANDIDATES)
    assert scores.shape == (sum(len(c) for c in CANDIDATES),)
    torch.testing.assert_close(scores, expected, atol=1e-5, rtol=1e-5)


def test_bi_encoder_encodes_each_distinct_document_once(bi_encoder: BiEncoderModule, monkeypatch) -> None:
    encoded: Counter[str] = Counter()
    encode_batch = bi_encoder._encode_batch

    def counting(texts, input_type):
        if input_type == "doc":
            encoded.update(texts)
        return encode_batch(texts, input_type)

    monkeypatch.setattr(bi_encoder, "_encode_batch", counting)
    bi_encoder.score_candidates(QUERIES, CANDIDATES, batch_size=2)
    assert encoded == Counter({text: 1 for candidates in CANDIDATES for text in candidates})


def test_cross_encoder_candidates_scores_equal_score(tiny_backbone) -> None:
    torch.manual_seed(0)
    module = CrossEncoderModule(str(tiny_backbone("bert")), config=MonoConfig()).eval()
    torch.testing.assert_close(module.score_candidates(QUERIES, CANDIDATES), module.score(QUERIES, CANDIDATES).scores)


def test_candidates_need_one_list_per_query(bi_encoder: BiEncoderModule) -> None:
    with pytest.raises(ValueError, match="3 queries but 2 doc lists"):
        bi_encoder.score_candidates(QUERIES, CANDIDATES[:2])
