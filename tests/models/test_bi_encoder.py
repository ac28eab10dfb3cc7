"""Bi-encoders on tiny random backbones: encoding, pooling, scoring, save/load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from lir_core import (
    BiEncoderConfig,
    BiEncoderModel,
    BiEncoderModule,
    ColConfig,
    ColModel,
    DprConfig,
    DprModel,
    LightningIRModel,
)

BACKBONES = ["bert", "distilbert", "electra", "roberta"]
QUERY = "what is the capital of germany?"
DOCS = ["Berlin is the capital of Germany.", "Paris is the capital of France, really!", "dna"]


def _backbone_states(path: Path, texts: list[str], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    backbone = AutoModel.from_pretrained(str(path)).eval()
    encoding = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt",
                         return_token_type_ids=False)
    with torch.no_grad():
        return backbone(**encoding).last_hidden_state, encoding["attention_mask"]


@pytest.mark.parametrize("kind", BACKBONES)
@pytest.mark.parametrize("pooling", ["first", "mean", "max", "sum"])
def test_single_vector_pooling_matches_manual(tiny_backbone, kind: str, pooling: str) -> None:
    path = tiny_backbone(kind)
    module = BiEncoderModule(str(path), config=DprConfig(query_pooling_strategy=pooling, doc_pooling_strategy=pooling))
    states, mask = _backbone_states(path, DOCS, 512)
    expected = {
        "first": states[:, 0],
        "mean": (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True),
        "sum": (states * mask[..., None]).sum(1),
        "max": states.masked_fill(mask[..., None] == 0, -1e9).max(1).values,
    }[pooling]
    embeddings = module.encode_docs(DOCS, batch_size=2).embeddings
    assert embeddings.shape == (3, 1, 32)
    torch.testing.assert_close(embeddings[:, 0], expected, atol=1e-5, rtol=1e-5)


def test_projection_normalization_and_cosine(tiny_backbone) -> None:
    config = DprConfig(embedding_dim=8, normalize=True, query_pooling_strategy="mean", doc_pooling_strategy="mean")
    module = BiEncoderModule(str(tiny_backbone("bert")), config=config)
    docs = module.encode_docs(DOCS).embeddings[:, 0]
    assert docs.shape == (3, 8)
    torch.testing.assert_close(docs.norm(dim=-1), torch.ones(3))
    query = module.encode_queries([QUERY]).embeddings[:, 0]
    scores = module.score(QUERY, DOCS).scores
    torch.testing.assert_close(scores, docs @ query[0], atol=1e-5, rtol=1e-5)

    cosine = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig(similarity_function="cosine"))
    q = cosine.encode_queries([QUERY]).embeddings[0, 0]
    d = cosine.encode_docs(DOCS).embeddings[:, 0]
    torch.testing.assert_close(cosine.score(QUERY, DOCS).scores, torch.nn.functional.cosine_similarity(d, q[None]),
                               atol=1e-5, rtol=1e-5)


def test_paper_colbert_config_gives_multi_vector_maxsim(tiny_backbone) -> None:
    config = BiEncoderConfig(similarity_function="dot", query_pooling_strategy=None, doc_pooling_strategy=None,
                             embedding_dim=128)
    model = BiEncoderModel.from_pretrained(str(tiny_backbone("bert")), config=config)
    assert model.config.is_multi_vector and model.embedding_dim == 128
    module = BiEncoderModule(model=model, model_name_or_path=str(tiny_backbone("bert")))
    output = module.score(QUERY, DOCS)
    q, d = output.query_embeddings, output.doc_embeddings
    assert q.embeddings.shape[-1] == 128
    for i in range(len(DOCS)):
        sim = q.embeddings[0][q.scoring_mask[0]] @ d.embeddings[i][d.scoring_mask[i]].T
        assert output.scores[i].item() == pytest.approx(sim.max(dim=1).values.sum().item(), rel=1e-5)


def test_colbert_expansion_markers_and_punctuation_mask(tiny_backbone) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=ColConfig(embedding_dim=16, query_length=12))
    tokenizer = module.tokenizer
    encoding = tokenizer.tokenize_queries(["capital of germany"])
    ids = encoding["input_ids"][0]
    hf = tokenizer.tokenizer
    assert len(ids) == 12
    assert ids[1].item() == hf.convert_tokens_to_ids("[unused0]")
    n_real = len(hf("capital of germany")["input_ids"]) + 1
    assert (ids[n_real:] == hf.mask_token_id).all()
    assert encoding["attention_mask"].all()
    docs = tokenizer.tokenize_docs(["berlin, germany!"])
    assert docs["input_ids"][0, 1].item() == hf.convert_tokens_to_ids("[unused1]")
    embedding = module.encode_docs(["berlin, germany!"])
    tokens = hf.convert_ids_to_tokens(docs["input_ids"][0])
    masked = [t for t, keep in zip(tokens, embedding.scoring_mask[0].tolist()) if not keep]
    assert sorted(masked) == ["!", ","]
    torch.testing.assert_close(embedding.embeddings[0].norm(dim=-1), torch.ones(len(tokens)))


def test_roberta_without_marker_tokens_gets_them_added(tiny_backbone) -> None:
    module = BiEncoderModule(str(tiny_backbone("roberta")), config=ColConfig(embedding_dim=8))
    vocab = len(module.tokenizer)
    assert module.model.backbone.get_input_embeddings().num_embeddings == vocab
    assert module.score(QUERY, DOCS).scores.shape == (3,)


@pytest.mark.parametrize("kind", BACKBONES)
@pytest.mark.parametrize("config", [DprConfig(embedding_dim=8), ColConfig(embedding_dim=8),
                                    BiEncoderConfig(query_pooling_strategy="max", doc_pooling_strategy=None)],
                         ids=["dpr", "col", "mixed"])
def test_save_load_round_trip(tiny_backbone, tmp_path: Path, kind: str, config: BiEncoderConfig) -> None:
    module = BiEncoderModule(str(tiny_backbone(kind)), config=config)
    before = module.score(QUERY, DOCS).scores
    module.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "lir_config.json").read_text())
    assert saved["model_type"] == config.model_type
    assert saved["backbone"]["model_type"] == kind
    reloaded = BiEncoderModule(str(tmp_path))
    assert type(reloaded.model) is type(module.model)
    assert reloaded.config == module.config
    torch.testing.assert_close(reloaded.score(QUERY, DOCS).scores, before)
    generic = LightningIRModel.from_pretrained(tmp_path)
    assert type(generic) is type(module.model)


def test_model_class_follows_config(tiny_backbone) -> None:
    path = str(tiny_backbone("bert"))
    assert type(BiEncoderModel.from_pretrained(path, config=DprConfig())) is DprModel
    assert type(BiEncoderModel.from_pretrained(path, config=ColConfig())) is ColModel
    assert type(BiEncoderModel.from_pretrained(path)) is BiEncoderModel


def test_batched_encoding_keeps_input_order(tiny_backbone) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig(query_pooling_strategy="mean",
                                                                          doc_pooling_strategy="mean"))
    texts = ["a b c d e f g", "dna", "capital of germany is berlin", "x"] * 3
    together = module.encode_docs(texts, batch_size=len(texts)).embeddings
    one_by_one = torch.cat([module.encode_docs([t]).embeddings for t in texts])
    torch.testing.assert_close(module.encode_docs(texts, batch_size=3).embeddings, one_by_one, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(together, one_by_one, atol=1e-5, rtol=1e-5)


def test_several_queries_with_their_own_docs(tiny_backbone) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig())
    output = module.score([QUERY, "dna binds proteins"], [DOCS[:2], DOCS])
    assert output.scores.shape == (5,)
    torch.testing.assert_close(output.scores[2:], module.score("dna binds proteins", DOCS).scores)


def test_bf16_inference_is_close_to_fp32(tiny_backbone) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig(query_pooling_strategy="mean",
                                                                          doc_pooling_strategy="mean"))
    fp32 = module.encode_docs(DOCS).embeddings[:, 0]
    bf16 = module.encode_docs(DOCS, precision="bf16").embeddings[:, 0]
    assert bf16.dtype == torch.float32
    assert torch.nn.functional.cosine_similarity(fp32, bf16).min() > 0.99
