"""A cross-encoder builds on any encoder checkpoint: backbone loaded, head new, and a warning.

The paper's first snippet, ``CrossEncoderModule(path)``, on a plain HuggingFace folder, a
sentence-transformers folder and a saved bi-encoder (tiny random models built here), and on
the shipped MiniLM.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
import torch
from transformers import AutoModel

from lir_core import (
    BiEncoderModule,
    ColConfig,
    CrossEncoderConfig,
    CrossEncoderModel,
    CrossEncoderModule,
    DprConfig,
    MonoConfig,
    MonoModel,
    MonoT5Model,
)

QUERY = "what is the capital of germany?"
DOCS = ["Berlin is the capital of Germany.", "Paris is the capital of France."]
NEW_HEAD = "newly initialized: ['linear.bias', 'linear.weight']"


def _sentence_transformers_folder(backbone: Path, folder: Path) -> Path:
    """A sentence-transformers stack (Transformer, mean Pooling, Normalize) over ``backbone``."""
    shutil.copytree(backbone, folder)
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 32, "pooling_mode_mean_tokens": True}))
    (folder / "2_Normalize").mkdir()
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 64}))
    return folder


def _assert_same_backbone(model: CrossEncoderModel, reference: Path) -> None:
    expected = AutoModel.from_pretrained(str(reference)).state_dict()
    loaded = model.backbone.state_dict()
    assert expected.keys() == loaded.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(loaded[name], tensor, msg=name)


def _warnings(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def test_plain_huggingface_folder(tiny_backbone, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        model = CrossEncoderModel.from_pretrained(str(tiny_backbone("bert")))
    assert type(model) is CrossEncoderModel and model.config == CrossEncoderConfig()
    _assert_same_backbone(model, tiny_backbone("bert"))
    assert "Some weights of CrossEncoderModel were not initialized" in _warnings(caplog)
    assert NEW_HEAD in _warnings(caplog)


def test_sentence_transformers_folder(tiny_backbone, tmp_path: Path, caplog) -> None:
    folder = _sentence_transformers_folder(tiny_backbone("bert"), tmp_path / "st")
    assert type(BiEncoderModule(str(folder)).config) is DprConfig  # the folder is a bi-encoder
    with caplog.at_level(logging.WARNING):
        module = CrossEncoderModule(str(folder))
    assert type(module.model) is CrossEncoderModel and module.config == CrossEncoderConfig()
    _assert_same_backbone(module.model, folder)
    assert NEW_HEAD in _warnings(caplog)
    scores = module.score(QUERY, DOCS).scores
    assert scores.shape == (2,) and torch.isfinite(scores).all()


def test_saved_bi_encoder_folder(tiny_backbone, tmp_path: Path, caplog) -> None:
    BiEncoderModule(str(tiny_backbone("bert")), config=ColConfig(embedding_dim=8)).save_pretrained(tmp_path)
    with caplog.at_level(logging.WARNING):
        module = CrossEncoderModule(str(tmp_path))
    assert type(module.model) is CrossEncoderModel
    _assert_same_backbone(module.model, tiny_backbone("bert"))
    warnings = _warnings(caplog)
    assert NEW_HEAD in warnings
    assert "were not used when initializing CrossEncoderModel: ['projection.weight']" in warnings


def test_saved_bi_encoder_folder_with_a_cross_encoder_config(tiny_backbone, tmp_path: Path) -> None:
    BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig()).save_pretrained(tmp_path)
    model = CrossEncoderModel.from_pretrained(tmp_path, config=MonoConfig(scoring_strategy="mono"))
    assert type(model) is MonoModel and model.linear.out_features == 2


def test_built_cross_encoder_saves_and_reloads_without_warning(tiny_backbone, tmp_path: Path, caplog) -> None:
    BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig()).save_pretrained(tmp_path / "bi")
    module = CrossEncoderModule(str(tmp_path / "bi"))
    before = module.score(QUERY, DOCS).scores
    module.save_pretrained(tmp_path / "cross")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        reloaded = CrossEncoderModule(str(tmp_path / "cross"))
    assert "newly initialized" not in _warnings(caplog)
    torch.testing.assert_close(reloaded.score(QUERY, DOCS).scores, before)


def test_the_papers_snippet_on_the_shipped_minilm(minilm_path: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        module = CrossEncoderModule(str(minilm_path))
    assert type(module.model) is CrossEncoderModel and NEW_HEAD in _warnings(caplog)
    scores = module.score("What is the capital of Germany?",
                          ["Berlin is the capital of Germany.", "Paris is the capital of France."]).scores
    assert scores.shape == (2,) and torch.isfinite(scores).all()


def test_bi_encoders_stay_refused_where_no_new_head_can_help(tiny_backbone, tmp_path: Path) -> None:
    BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig()).save_pretrained(tmp_path)
    with pytest.raises(TypeError, match="holds a 'dpr' model .* which MonoT5Model cannot load"):
        MonoT5Model.from_pretrained(tmp_path)  # an encoder-decoder model on an encoder
