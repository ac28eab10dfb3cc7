"""This project's side of the anchor benchmark: index and search SciFact through lir_core's paper API.

The same calls as ``lightning_ir_side.py`` (module, datamodule, trainer with IndexCallback, then
SearchCallback), with the same settings (the file that ``bench/anchor/run.py`` writes), which runs both.

Usage:
    python bench/anchor/lir_side.py SETTINGS_FILE {dense,splade,encode} WORK_DIR PRECISION
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from lir_core import (
    BiEncoderModule,
    DocDataset,
    DprConfig,
    FaissFlatIndexConfig,
    FaissSearchConfig,
    IndexCallback,
    LightningIRDataModule,
    LightningIRTrainer,
    QueryDataset,
    SearchCallback,
    SparseIndexConfig,
    SparseSearchConfig,
    SpladeConfig,
)


def model_and_configs(settings: dict, system: str, precision: str) -> tuple[BiEncoderModule, object, object]:
    """The module, index config and search config of one system, as the settings say."""
    k, own = settings["k"], settings[system]
    config = {"dense": DprConfig, "splade": SpladeConfig}[system](**own["config"])
    if system == "dense":
        index_config, search_config = FaissFlatIndexConfig(), FaissSearchConfig(k=k)
    else:
        index_config, search_config = SparseIndexConfig(), SparseSearchConfig(k=k)
    module = BiEncoderModule(own["model"], config=config, inference_precision=precision)
    return module, index_config, search_config


def encode(settings: dict, work: Path, precision: str) -> None:
    """``encode_docs`` on the documents sentence-transformers encodes (``st_side.py``), after a warm-up."""
    docs = json.loads(Path(settings["encode"]["docs_file"]).read_text())
    batch_size = settings["encode"]["batch_size"]
    config = DprConfig(**settings["dense"]["config"])
    module = BiEncoderModule(settings["dense"]["model"], config=config, inference_precision=precision)
    module.encode_docs(docs[:batch_size], batch_size=batch_size)
    start = time.perf_counter()
    embeddings = module.encode_docs(docs, batch_size=batch_size).embeddings[:, 0]
    seconds = time.perf_counter() - start
    np.save(work / "embeddings.npy", embeddings.numpy())
    (work / "timings.json").write_text(json.dumps({
        "library": "lir_core", "precision": precision, "seconds": seconds, "docs_per_s": len(docs) / seconds,
        "torch_threads": torch.get_num_threads(),
    }, indent=2))


def main() -> None:
    settings_file, system, work, precision = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    settings = json.loads(settings_file.read_text())
    if system == "encode":
        encode(settings, work, precision)
        return
    started = time.perf_counter()
    module, index_config, search_config = model_and_configs(settings, system, precision)
    loaded = time.perf_counter()
    index_dir = work / "index"
    docs = LightningIRDataModule(inference_datasets=[DocDataset(settings["docs"])],
                                 inference_batch_size=settings[system]["index_batch_size"])
    LightningIRTrainer(callbacks=[IndexCallback(index_dir, index_config)]).index(module, docs)
    indexed = time.perf_counter()
    queries = LightningIRDataModule(inference_datasets=[QueryDataset(settings["queries"])],
                                    inference_batch_size=settings["search_batch_size"])
    search = SearchCallback(index_dir, search_config, save_dir=work / "runs")
    outcomes = LightningIRTrainer(callbacks=[search]).search(module, queries)
    searched = time.perf_counter()
    (run_file,) = [work / "runs" / f"{name}.run" for name in outcomes]
    (work / "timings.json").write_text(json.dumps({
        "library": "lir_core", "precision": precision, "load_model_s": loaded - started,
        "index_s": indexed - loaded, "search_s": searched - indexed, "torch_threads": torch.get_num_threads(),
        "run_file": str(run_file),
    }, indent=2))


if __name__ == "__main__":
    main()
