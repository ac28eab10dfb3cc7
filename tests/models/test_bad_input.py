"""Bad input gets a clear error or defined behaviour."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from lir_core import (
    BiEncoderConfig,
    BiEncoderModule,
    ColConfig,
    CrossEncoderConfig,
    CrossEncoderModule,
    DprConfig,
    LightningIRModel,
    MonoConfig,
)


def test_unknown_pooling_and_similarity() -> None:
    with pytest.raises(ValueError, match="unknown pooling 'median'"):
        BiEncoderConfig(query_pooling_strategy="median")
    with pytest.raises(ValueError, match="similarity_function"):
        BiEncoderConfig(similarity_function="l2")
    with pytest.raises(ValueError, match="pooling_strategy"):
        CrossEncoderConfig(pooling_strategy="max")
    with pytest.raises(ValueError, match="scoring_strategy"):
        MonoConfig(scoring_strategy="listwise")


def test_unknown_model_type_in_saved_config(tiny_backbone, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig()).save_pretrained(folder)
    (folder / "lir_config.json").write_text(json.dumps({"model_type": "quantum-encoder"}))
    with pytest.raises(ValueError, match="Unknown model type 'quantum-encoder'"):
        BiEncoderModule(str(folder))


def test_unknown_config_field(tiny_backbone, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig()).save_pretrained(folder)
    config = json.loads((folder / "lir_config.json").read_text())
    (folder / "lir_config.json").write_text(json.dumps({**config, "colour": "blue"}))
    with pytest.raises(ValueError, match=r"no field\(s\) \['colour'\]"):
        BiEncoderModule(str(folder))


def test_backbone_that_does_not_match_the_saved_config(tiny_backbone, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig()).save_pretrained(folder)
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny_backbone("roberta") / name, folder / name)
    with pytest.raises(ValueError, match="backbone is 'roberta' but the saved Lightning IR config expects 'bert'"):
        BiEncoderModule(str(folder))


def test_head_weights_that_do_not_match_the_config(tiny_backbone, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    BiEncoderModule(str(tiny_backbone("bert")), config=ColConfig(embedding_dim=16)).save_pretrained(folder)
    with pytest.raises(ValueError, match=r"'projection.weight' has shape \(16, 32\), the config needs \(8, 32\)"):
        BiEncoderModule(str(folder), config=ColConfig(embedding_dim=8))


def test_cross_encoder_folder_is_not_a_bi_encoder(tiny_backbone, tmp_path: Path) -> None:
    CrossEncoderModule(str(tiny_backbone("bert")), config=MonoConfig()).save_pretrained(tmp_path)
    with pytest.raises(TypeError, match="holds a 'mono' model"):
        BiEncoderModule(str(tmp_path))


def test_missing_model_files(tmp_path: Path, tiny_backbone) -> None:
    with pytest.raises(FileNotFoundError, match="no config.json"):
        BiEncoderModule(str(tmp_path))
    folder = tmp_path / "m"
    BiEncoderModule(str(tiny_backbone("bert")), config=ColConfig(embedding_dim=8)).save_pretrained(folder)
    (folder / "lir_heads.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="missing head weights"):
        BiEncoderModule(str(folder))
    with pytest.raises(ValueError, match="Cannot tell which model type"):
        LightningIRModel.from_pretrained(tiny_backbone("bert"))


def test_empty_inputs(tiny_backbone) -> None:
    bi = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig())
    cross = CrossEncoderModule(str(tiny_backbone("bert")), config=MonoConfig())
    for module in (bi, cross):
        with pytest.raises(ValueError, match="docs is empty"):
            module.score("query", [])
        with pytest.raises(ValueError, match="queries is empty"):
            module.score([], [])
        with pytest.raises(ValueError, match=r"docs\[0\] must be a non-empty list"):
            module.score(["q"], [[]])
    with pytest.raises(ValueError, match="no doc texts"):
        bi.encode_docs([])
    with pytest.raises(TypeError, match="not a single string"):
        bi.tokenizer.tokenize_docs("one string")


def test_empty_strings_and_overlong_texts_are_scored(tiny_backbone) -> None:
    config = ColConfig(embedding_dim=8, doc_length=16, query_length=8)
    module = BiEncoderModule(str(tiny_backbone("bert")), config=config)
    scores = module.score("", ["", "dna " * 1000])
    assert torch.isfinite(scores.scores).all()
    assert module.tokenizer.tokenize_docs(["dna " * 1000])["input_ids"].shape[1] == 16
    dpr = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig(doc_length=10_000))
    assert torch.isfinite(dpr.score("dna", ["dna " * 1000]).scores).all()
