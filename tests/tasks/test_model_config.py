"""Model entries with a ``config``: a checkpoint without ``lir_config.json`` loaded as another model type."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from flows.params import load_params
from lir_core import ColModel, SpladeModel
from tasks.models import load_module, model_config

ROOT = Path(__file__).parents[2]


def test_a_masked_lm_checkpoint_loads_as_splade_and_a_backbone_as_colbert(tiny_backbone) -> None:
    splade, _ = load_module(str(tiny_backbone("bert", masked_lm=True)), config={"class": "SpladeConfig"})
    assert isinstance(splade.model, SpladeModel)
    colbert, _ = load_module(str(tiny_backbone("bert")), config={"class": "ColConfig", "embedding_dim": None,
                                                                  "projection": None, "doc_length": 64})
    assert isinstance(colbert.model, ColModel) and colbert.config.doc_length == 64
    plain, _ = load_module(str(tiny_backbone("bert")))
    assert plain is not colbert and not isinstance(plain.model, ColModel)


def test_model_config_names_unknown_classes() -> None:
    assert model_config(None) is None
    with pytest.raises(ValueError, match="Unknown model config class 'BiEncoderModule'"):
        model_config({"class": "BiEncoderModule"})


def test_params_model_config_needs_a_class(tmp_path: Path) -> None:
    values = yaml.safe_load((ROOT / "params" / "mini" / "table3-scifact.yaml").read_text())
    values["models"]["splade"]["config"] = {"doc_length": 64}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(values))
    with pytest.raises(ValidationError, match="needs a class"):
        load_params(path)


def test_fine_tuned_models_carry_their_own_config() -> None:
    params = load_params(ROOT / "params" / "mini" / "table3-scifact.yaml")
    assert params.model("splade").config == {"class": "SpladeConfig"}
    assert params.model("splade-ft").config is None  # the saved folder has its lir_config.json
    assert params.model("splade-ft").path == str(Path("artifacts/mini/table3/models/splade-ft"))
