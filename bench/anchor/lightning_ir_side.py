"""Lightning IR 0.0.6's side of the anchor benchmark: index and search SciFact through its paper API.

Runs in the anchor's own virtualenv (``bench/anchor/make_venv.sh``: Lightning IR needs
``transformers<5``); ``bench/anchor/run.py`` calls it and the project's side (``lir_side.py``) one
after the other with the same settings (the settings file that ``run.py`` writes) and compares them.

Usage:
    bench/anchor/.venv/bin/python bench/anchor/lightning_ir_side.py SETTINGS_FILE {dense,splade} WORK_DIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch
from lightning_ir import (
    BiEncoderModule,
    DocDataset,
    FaissFlatIndexConfig,
    FaissSearchConfig,
    IndexCallback,
    LightningIRDataModule,
    LightningIRTrainer,
    QueryDataset,
    SearchCallback,
    TorchSparseIndexConfig,
    TorchSparseSearchConfig,
)
from lightning_ir.models import DprConfig, SpladeConfig


def model_and_configs(settings: dict, system: str) -> tuple[BiEncoderModule, object, object]:
    """The module, index config and search config of one system, as the settings say."""
    k, own = settings["k"], settings[system]
    config = {"dense": DprConfig, "splade": SpladeConfig}[system](**own["config"])
    if system == "dense":
        index_config, search_config = FaissFlatIndexConfig(), FaissSearchConfig(k=k)
    else:
        index_config, search_config = TorchSparseIndexConfig(), TorchSparseSearchConfig(k=k)
    return BiEncoderModule(model_name_or_path=own["model"], config=config), index_config, search_config


def trainer(callback: object) -> LightningIRTrainer:
    return LightningIRTrainer(callbacks=[callback], logger=False, enable_checkpointing=False,
                              accelerator="cpu", devices=1, enable_progress_bar=False)


def main() -> None:
    settings_file, system, work = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    settings = json.loads(settings_file.read_text())
    started = time.perf_counter()
    module, index_config, search_config = model_and_configs(settings, system)
    loaded = time.perf_counter()
    index_dir = work / "index"
    docs = LightningIRDataModule(inference_datasets=[DocDataset(settings["docs"])],
                                 inference_batch_size=settings[system]["index_batch_size"])
    trainer(IndexCallback(index_config=index_config, index_dir=index_dir)).index(module, docs)
    indexed = time.perf_counter()
    queries = LightningIRDataModule(inference_datasets=[QueryDataset(settings["queries"])],
                                    inference_batch_size=settings["search_batch_size"])
    search = SearchCallback(search_config, index_dir=index_dir, save_dir=work / "runs", run_name="run.run",
                            use_gpu=False)
    trainer(search).search(module, queries)
    searched = time.perf_counter()
    (work / "timings.json").write_text(json.dumps({
        "library": "lightning-ir 0.0.6", "load_model_s": loaded - started, "index_s": indexed - loaded,
        "search_s": searched - indexed, "torch_threads": torch.get_num_threads(),
        "run_file": str(work / "runs" / "run.run"),
    }, indent=2))


if __name__ == "__main__":
    main()
