"""SavePretrainedCallback: loadable model folders during and after fit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest
import torch
from training_toy import ToyCollection, write_toy_collection

from lir_core import BiEncoderModule, CrossEncoderModule, DprConfig, MonoConfig
from lir_core.checkpointing import STATE_NAME, SavePretrainedCallback
from lir_core.data import LightningIRDataModule, RunDataset, TupleDataset
from lir_core.trainer import LightningIRTrainer

Backbone = Callable[..., Path]


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> ToyCollection:
    return write_toy_collection(tmp_path_factory.mktemp("toy"))


def fit(module: Any, toy: ToyCollection, callback: SavePretrainedCallback, steps: int, validate: bool) -> LightningIRTrainer:
    module.set_optimizer(torch.optim.AdamW, lr=3e-3)
    inference = [RunDataset(str(toy.run), docs=str(toy.docs), queries=str(toy.queries), qrels=str(toy.qrels))]
    data = LightningIRDataModule(module=module, train_dataset=TupleDataset(str(toy.tuples)), train_batch_size=3,
                                 inference_datasets=inference if validate else None)
    trainer = LightningIRTrainer(
        max_steps=steps, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, callbacks=[callback], limit_val_batches=None if validate else 0,
    )
    trainer.fit(module, data)
    return trainer


QUERY, DOCS = "capital of France", ["Paris is the capital of France.", "Berlin is the capital of Germany."]


@pytest.mark.parametrize("module_class,config", [(BiEncoderModule, DprConfig()), (CrossEncoderModule, MonoConfig())],
                         ids=["bi", "cross"])
def test_last_and_best_folders_load_as_the_trained_module(
    tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path, module_class: Any, config: Any
) -> None:
    module = module_class(str(tiny_backbone("bert")), config=config, evaluation_metrics=["nDCG@10"])
    callback = SavePretrainedCallback(tmp_path / "models", monitor="val/nDCG@10")
    fit(module, toy, callback, steps=4, validate=True)
    assert callback.last_path == tmp_path / "models" / "last"
    assert callback.best_path == tmp_path / "models" / "best"
    assert callback.best_score is not None
    state = json.loads((callback.best_path / STATE_NAME).read_text())
    assert state["metrics"] == {"val/nDCG@10": pytest.approx(callback.best_score)}
    loaded = module_class(str(callback.last_path))
    assert type(loaded.config) is type(config)
    assert torch.allclose(loaded.score(QUERY, DOCS).scores, module.score(QUERY, DOCS).scores, atol=1e-5)
    assert json.loads((callback.last_path / STATE_NAME).read_text())["global_step"] == 4
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]  # no staging left


def test_every_n_train_steps_refreshes_last(tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path) -> None:
    saved_steps: list[int] = []

    class Recording(SavePretrainedCallback):
        def _save(self, trainer: Any, pl_module: Any, name: str, metrics: Any = None) -> Path:
            saved_steps.append(trainer.global_step)
            return super()._save(trainer, pl_module, name, metrics)

    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig())
    fit(module, toy, Recording(tmp_path, every_n_train_steps=2), steps=5, validate=False)
    assert saved_steps == [2, 4, 5]
    assert BiEncoderModule(str(tmp_path / "last")).config == module.config


def test_a_monitor_that_is_never_logged_is_an_error(tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig(), evaluation_metrics=["nDCG@10"])
    with pytest.raises(KeyError, match="val/MAP"):
        fit(module, toy, SavePretrainedCallback(tmp_path, monitor="val/MAP"), steps=2, validate=True)


def test_default_folder_is_under_the_trainer_log_dir(tmp_path: Path) -> None:
    trainer = LightningIRTrainer(default_root_dir=tmp_path, logger=False)
    assert SavePretrainedCallback().resolve_dirpath(trainer) == tmp_path / "pretrained"
