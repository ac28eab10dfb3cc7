"""Separate and frozen document encoders (DPR's two towers; query-side fine-tuning)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lir_core import BiEncoderModule, DprConfig
from lir_core.bi_encoder.model import DOC_ENCODER_DIR
from lir_core.loss import LocalizedContrastiveEstimation

QUERIES = ["what is the capital of germany?", "vitamin d and bone loss"]
DOCS = [["Berlin is the capital of Germany.", "Paris is the capital of France."],
        ["Vitamin D deficiency is associated with bone loss.", "Aspirin reduces the risk of heart attack."]]
FLAT_DOCS = [doc for docs in DOCS for doc in docs]


def _train_steps(module: BiEncoderModule, steps: int = 5) -> None:
    """A few plain AdamW steps of LCE on the two toy queries (positive first)."""
    optimizer = torch.optim.AdamW([p for p in module.parameters() if p.requires_grad], lr=1e-2)
    module.train()
    targets = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    for _ in range(steps):
        scores = module.model.score(module._encode_batch(QUERIES, "query"),
                                    module._encode_batch(FLAT_DOCS, "doc"), 2).view(2, 2)
        loss = LocalizedContrastiveEstimation()(scores, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    module.eval()


def test_frozen_doc_encoder_trains_queries_only_and_round_trips(tiny_backbone, tmp_path: Path) -> None:
    path = str(tiny_backbone("bert"))
    base = BiEncoderModule(path, config=DprConfig(query_pooling_strategy="mean", doc_pooling_strategy="mean"))
    module = BiEncoderModule(path, config=base.config.replace(doc_encoder="frozen"))
    assert module.model.doc_backbone is not None
    assert not any(p.requires_grad for p in module.model.doc_backbone.parameters())
    module.train()
    assert not module.model.doc_backbone.training, "a frozen document backbone never uses dropout"
    assert module.model.backbone.training

    _train_steps(module)

    # Documents are encoded exactly as by the base model, so its index stays valid ...
    torch.testing.assert_close(module.encode_docs(FLAT_DOCS).embeddings, base.encode_docs(FLAT_DOCS).embeddings)
    # ... while queries moved.
    moved = (module.encode_queries(QUERIES).embeddings - base.encode_queries(QUERIES).embeddings).abs().max()
    assert moved > 1e-3

    module.save_pretrained(tmp_path)
    assert (tmp_path / DOC_ENCODER_DIR / "config.json").is_file()
    reloaded = BiEncoderModule(str(tmp_path))
    assert reloaded.config.doc_encoder == "frozen"
    torch.testing.assert_close(reloaded.score(QUERIES, DOCS).scores, module.score(QUERIES, DOCS).scores)
    torch.testing.assert_close(reloaded.encode_docs(FLAT_DOCS).embeddings, base.encode_docs(FLAT_DOCS).embeddings)


def test_separate_doc_encoder_trains_both_towers_apart(tiny_backbone, tmp_path: Path) -> None:
    path = str(tiny_backbone("bert"))
    module = BiEncoderModule(path, config=DprConfig(doc_encoder="separate"))
    before = module.encode_docs(FLAT_DOCS).embeddings
    # Both towers start from the checkpoint's weights.
    query_side = module.model.backbone.state_dict()
    for name, tensor in module.model.doc_backbone.state_dict().items():
        torch.testing.assert_close(tensor, query_side[name])

    _train_steps(module)

    assert (module.encode_docs(FLAT_DOCS).embeddings - before).abs().max() > 1e-3
    differs = [name for name, tensor in module.model.doc_backbone.state_dict().items()
               if not torch.equal(tensor, module.model.backbone.state_dict()[name])]
    assert differs, "the two towers are trained as separate weights"
    module.save_pretrained(tmp_path)
    reloaded = BiEncoderModule(str(tmp_path))
    torch.testing.assert_close(reloaded.score(QUERIES, DOCS).scores, module.score(QUERIES, DOCS).scores)


def test_saved_model_missing_its_doc_encoder_is_an_error(tiny_backbone, tmp_path: Path) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig(doc_encoder="frozen"))
    module.save_pretrained(tmp_path)
    for file in (tmp_path / DOC_ENCODER_DIR).iterdir():
        file.unlink()
    (tmp_path / DOC_ENCODER_DIR).rmdir()
    with pytest.raises(FileNotFoundError, match=DOC_ENCODER_DIR):
        BiEncoderModule(str(tmp_path))


def test_doc_encoder_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="doc_encoder"):
        DprConfig(doc_encoder="twin")
    with pytest.raises(ValueError, match="linear projection"):
        DprConfig(doc_encoder="frozen", embedding_dim=8)
    assert DprConfig(doc_encoder="separate", embedding_dim=8).projection == "linear"


def test_index_check_accepts_query_side_fine_tuning_only(tiny_backbone) -> None:
    from lir_core.retrieve.shards import check_encoder, encoder_fingerprint

    path = str(tiny_backbone("bert"))
    base = BiEncoderModule(path, config=DprConfig())
    recorded = encoder_fingerprint(base)  # what an index of the base model records
    frozen = BiEncoderModule(path, config=DprConfig(doc_encoder="frozen"))
    _train_steps(frozen)
    check_encoder(recorded, frozen, "index")  # documents are encoded as in the index
    separate = BiEncoderModule(path, config=DprConfig(doc_encoder="separate"))
    _train_steps(separate)
    with pytest.raises(ValueError, match="weights_sha256"):
        check_encoder(recorded, separate, "index")
    shared = BiEncoderModule(path, config=DprConfig())
    _train_steps(shared)
    with pytest.raises(ValueError, match="weights_sha256"):
        check_encoder(recorded, shared, "index")
