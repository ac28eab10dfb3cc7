"""The ``lir`` CLI: YAML configs with short class names for fit, index, search and re_rank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
import yaml
from training_toy import ToyCollection, write_toy_collection

from lir_core import BiEncoderModule, ColConfig
from lir_core.cli import main

REPO = Path(__file__).resolve().parents[1]
Backbone = Callable[..., Path]


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> ToyCollection:
    return write_toy_collection(tmp_path_factory.mktemp("toy"))


def run_dataset(toy: ToyCollection) -> dict:
    return {"class_path": "RunDataset", "init_args": {
        "run_path_or_id": str(toy.run), "docs": str(toy.docs), "queries": str(toy.queries), "qrels": str(toy.qrels)}}


def fit_config(backbone: Path, toy: ToyCollection, root: Path) -> dict:
    return {
        "seed_everything": 0,
        "trainer": {
            "max_steps": 4, "accelerator": "cpu", "default_root_dir": str(root), "check_val_every_n_epoch": 2,
            "callbacks": [{"class_path": "SavePretrainedCallback",
                           "init_args": {"dirpath": str(root / "models"), "monitor": "val/nDCG@10"}}],
        },
        "model": {"class_path": "BiEncoderModule", "init_args": {
            "model_name_or_path": str(backbone),
            "config": {"class_path": "ColConfig", "init_args": {"embedding_dim": 16, "doc_length": 64}},
            "loss_functions": ["LocalizedContrastiveEstimation", {"class_path": "InBatchCrossEntropy"}],
            "evaluation_metrics": ["nDCG@10"],
        }},
        "data": {"class_path": "LightningIRDataModule", "init_args": {
            "train_dataset": {"class_path": "TupleDataset", "init_args": {"tuples_dataset": str(toy.tuples)}},
            "train_batch_size": 3,
            "inference_datasets": [run_dataset(toy)],
        }},
        "optimizer": {"class_path": "torch.optim.AdamW", "init_args": {"lr": 1e-3}},
        "lr_scheduler": {"class_path": "LinearWarmupScheduler",
                         "init_args": {"num_warmup_steps": 1, "num_training_steps": 4}},
    }


def write_yaml(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def test_fit_from_yaml_saves_loadable_models(tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "train.yaml", fit_config(tiny_backbone("bert"), toy, tmp_path))
    main(["fit", "--config", str(config)])
    for name in ("last", "best"):
        module = BiEncoderModule(str(tmp_path / "models" / name))
        assert module.config == ColConfig(embedding_dim=16, doc_length=64)
    assert (tmp_path / "config.yaml").is_file()  # Lightning's record of the parsed config


def test_fit_without_a_save_pretrained_callback_saves_under_the_root_dir(
    tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path
) -> None:
    config = fit_config(tiny_backbone("bert"), toy, tmp_path)
    del config["trainer"]["callbacks"]
    del config["lr_scheduler"]
    config["trainer"]["limit_val_batches"] = 0
    main(["fit", "--config", str(write_yaml(tmp_path / "train.yaml", config))])
    assert isinstance(BiEncoderModule(str(tmp_path / "pretrained" / "last")).config, ColConfig)


def test_unknown_key_is_a_clear_error_with_exit_status_2(
    tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = fit_config(tiny_backbone("bert"), toy, tmp_path)
    config["data"]["init_args"]["bogus_batch_size"] = 3
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "--config", str(write_yaml(tmp_path / "bad.yaml", config))])
    assert exit_info.value.code == 2
    assert "bogus_batch_size" in capsys.readouterr().err
    assert not (tmp_path / "models").exists()


@pytest.mark.slow
def test_the_command_exits_non_zero_on_an_unknown_key(tmp_path: Path) -> None:
    config = yaml.safe_load((REPO / "configs" / "re-rank.yaml").read_text())
    config["trainer"]["max_stepz"] = 3
    path = write_yaml(tmp_path / "bad.yaml", config)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "lir_core.cli", "re_rank", "--config", str(path)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "max_stepz" in result.stderr


def test_unknown_model_config_field_names_the_field(
    tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = fit_config(tiny_backbone("bert"), toy, tmp_path)
    config["model"]["init_args"]["config"]["init_args"]["embeding_dim"] = 8
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "--config", str(write_yaml(tmp_path / "bad.yaml", config))])
    assert exit_info.value.code == 2
    assert "embeding_dim" in capsys.readouterr().err


def printed_metrics(out: str) -> dict:
    """The JSON object that ``search``/``re_rank`` print last."""
    return json.loads(out[out.rindex("\n{") + 1 if "\n{" in out else out.index("{"):])


def test_re_rank_from_the_papers_yaml_shape(
    tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        "trainer": {"logger": False, "accelerator": "cpu", "default_root_dir": str(tmp_path)},
        "model": {"class_path": "CrossEncoderModule", "init_args": {
            "model_name_or_path": str(tiny_backbone("bert")),
            "config": {"class_path": "MonoConfig"},
            "evaluation_metrics": ["nDCG@10"]}},
        "data": {"class_path": "LightningIRDataModule", "init_args": {"inference_datasets": [run_dataset(toy)]}},
    }
    main(["re_rank", "--config", str(write_yaml(tmp_path / "re-rank.yaml", config))])
    metrics = printed_metrics(capsys.readouterr().out)
    assert list(metrics) == ["run"]
    assert 0.0 < metrics["run"]["nDCG@10"] <= 1.0


def test_index_then_search(
    tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = {"class_path": "BiEncoderModule", "init_args": {
        "model_name_or_path": str(tiny_backbone("bert")),
        "config": {"class_path": "DprConfig", "init_args": {"normalize": True}},
        "evaluation_metrics": ["nDCG@10"]}}
    index = {
        "trainer": {"accelerator": "cpu", "default_root_dir": str(tmp_path), "callbacks": [{
            "class_path": "IndexCallback",
            "init_args": {"index_dir": str(tmp_path / "index"), "index_config": {"class_path": "FaissFlatIndexConfig"}},
        }]},
        "model": model,
        "data": {"class_path": "LightningIRDataModule", "init_args": {"inference_datasets": [
            {"class_path": "DocDataset", "init_args": {"doc_dataset": str(toy.docs)}}]}},
    }
    main(["index", "--config", str(write_yaml(tmp_path / "index.yaml", index))])
    search = {
        "trainer": {"accelerator": "cpu", "default_root_dir": str(tmp_path), "callbacks": [{
            "class_path": "SearchCallback",
            "init_args": {"index_dir": str(tmp_path / "index"),
                          "search_config": {"class_path": "FaissSearchConfig", "init_args": {"k": 5}}},
        }]},
        "model": model,
        "data": {"class_path": "LightningIRDataModule", "init_args": {"inference_datasets": [
            {"class_path": "QueryDataset", "init_args": {"query_dataset": str(toy.queries), "qrels": str(toy.qrels)}}]}},
    }
    capsys.readouterr()
    main(["search", "--config", str(write_yaml(tmp_path / "search.yaml", search))])
    metrics = printed_metrics(capsys.readouterr().out)
    assert 0.0 <= metrics["queries"]["nDCG@10"] <= 1.0


@pytest.mark.parametrize("name,subcommand", [("train", "fit"), ("index", "index"), ("search", "search"),
                                             ("re-rank", "re_rank")])
def test_example_configs_parse(name: str, subcommand: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([subcommand, "--config", str(REPO / "configs" / f"{name}.yaml"), "--print_config"])
    assert exit_info.value.code == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["model"]["class_path"].startswith("lir_core.")


def test_data_seed_reports_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        main(["data", "seed", str(tmp_path / "missing"), "--irds-home", str(tmp_path / "home")])


def test_help_lists_every_subcommand_without_lightning(capsys: pytest.CaptureFixture[str]) -> None:
    """``lir --help`` is answered by a plain argparse parser (no Lightning import, see
    tests/test_layering.py); it lists exactly LightningIRCLI's subcommands and ``data``."""
    from lir_core.cli import SUBCOMMANDS
    from lir_core.lightning_cli import LightningIRCLI

    assert list(SUBCOMMANDS) == [*LightningIRCLI.subcommands(), "data"]
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert f"\n    {name} " in printed, name
