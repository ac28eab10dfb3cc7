"""Hub-id registry and sentence-transformers folder loading (no downloads)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from lir_core import BiEncoderModule, ColConfig, DprConfig, MonoConfig, MonoT5Config, SpladeConfig
from lir_core.base.checkpoint import ResolvedCheckpoint, resolve_checkpoint
from lir_core.models import ColModel, lookup, registry


@pytest.mark.parametrize(
    ("hub_id", "config_type"),
    [("naver/splade-v3", SpladeConfig), ("naver/splade-cocondenser-ensembledistil", SpladeConfig),
     ("colbert-ir/colbertv2.0", ColConfig), ("castorini/monot5-base-msmarco", MonoT5Config),
     ("castorini/monot5-3b-msmarco-10k", MonoT5Config), ("cross-encoder/ms-marco-MiniLM-L-6-v2", MonoConfig)],
)
def test_registry_maps_hub_ids_to_configs(hub_id: str, config_type: type) -> None:
    resolved = resolve_checkpoint(hub_id)
    assert type(resolved.config) is config_type
    assert resolved.backbone_path == hub_id


def test_registry_details() -> None:
    colbert = resolve_checkpoint("colbert-ir/colbertv2.0")
    assert colbert.config.embedding_dim == 128 and colbert.config.doc_length == 180
    assert colbert.head_weight_map == {"linear.weight": "projection.weight"}
    assert resolve_checkpoint("castorini/rankt5-3b").config.true_token_id == 32089
    assert resolve_checkpoint("castorini/monot5-base-msmarco").config.true_token_id == 1176
    assert lookup("bert-base-uncased") is None
    assert resolve_checkpoint("bert-base-uncased").config is None


def test_sentence_transformers_hub_ids_read_the_downloaded_folder(monkeypatch, minilm_path: Path) -> None:
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda hub_id: str(minilm_path))
    resolved = resolve_checkpoint("sentence-transformers/msmarco-MiniLM-L6-cos-v5")
    assert resolved.config == DprConfig(query_length=256, doc_length=256, query_pooling_strategy="mean",
                                        doc_pooling_strategy="mean", similarity_function="dot", normalize=True)


def test_foreign_head_weights_are_mapped(tiny_backbone, tmp_path: Path) -> None:
    folder = tmp_path / "colbert"
    shutil.copytree(tiny_backbone("bert"), folder)
    weights = load_file(str(folder / "model.safetensors"))
    linear = torch.randn(16, 32)
    save_file({**{f"bert.{k}": v for k, v in weights.items()}, "linear.weight": linear},
              str(folder / "model.safetensors"))
    resolved = ResolvedCheckpoint(ColConfig(embedding_dim=16), str(folder),
                                  head_weight_map={"linear.weight": "projection.weight"})
    model = ColModel._load_backbone(resolved, resolved.config)
    col = ColModel(resolved.config, model)
    col._load_heads(resolved, same_type=False)
    torch.testing.assert_close(col.projection.weight, linear)
    torch.testing.assert_close(col.backbone.embeddings.word_embeddings.weight,
                               weights["embeddings.word_embeddings.weight"])


def test_sentence_transformers_folder_with_unsupported_module(tmp_path: Path, minilm_path: Path) -> None:
    folder = tmp_path / "st"
    shutil.copytree(minilm_path, folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ValueError, match=r"\['Dense'\] are not supported"):
        BiEncoderModule(str(folder))
