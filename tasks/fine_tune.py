"""Task: fine-tune a bi- or cross-encoder on training tuples; writes a model folder (+ loss.csv)."""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from prefect import task

import lir_core
import lir_core.loss
from lir_core.data import LightningIRDataModule, TupleDataset
from lir_core.trainer import LightningIRTrainer
from tasks.artifacts import artifact_dir, fingerprint, resolve_ref
from tasks.caching import ArtifactCache
from tasks.encode_shard import MODEL_CODE
from tasks.logs import run_logger
from tasks.models import MODULE_CLASSES
from tasks.progress import TrainingProgress

CODE = (*MODEL_CODE, "lir_core.cross_encoder", "lir_core.loss", "lir_core.data", "lir_core.trainer")


def model_config(settings: dict[str, Any] | None) -> Any:
    """``{"class": "ColConfig", **fields}`` -> a config of ``lir_core`` (None keeps the checkpoint's)."""
    if not settings:
        return None
    settings = dict(settings)
    return getattr(lir_core, settings.pop("class"))(**settings)


@task(cache_policy=ArtifactCache(inputs=("model", "tuples", "docs", "queries"), code=CODE))
def fine_tune(model: str, tuples: str, out_dir: str, model_type: str = "bi-encoder",
              config: dict[str, Any] | None = None, losses: list[str] | None = None, lr: float = 2e-5,
              max_steps: int = 100, batch_size: int = 8, num_docs: int | None = None, seed: int = 0,
              docs: str | None = None, queries: str | None = None, key: str = "fine-tune") -> str:
    """Train ``model`` for ``max_steps`` AdamW steps with ``losses`` (names in ``lir_core.loss``)
    on a tuples file or ``ir_datasets`` docpairs id; returns ``out_dir``."""
    L.seed_everything(seed, workers=True, verbose=False)
    loss_functions = [getattr(lir_core.loss, name)() for name in losses or ["LocalizedContrastiveEstimation"]]
    module = MODULE_CLASSES[model_type](resolve_ref(model), config=model_config(config), loss_functions=loss_functions)
    module.set_optimizer(torch.optim.AdamW, lr=lr)
    data = LightningIRDataModule(train_dataset=TupleDataset(resolve_ref(tuples), num_docs=num_docs, docs=docs,
                                                            queries=queries), train_batch_size=batch_size)
    progress = TrainingProgress(key, max_steps)
    trainer = LightningIRTrainer(max_steps=max_steps, accelerator="cpu" if not torch.cuda.is_available() else "auto",
                                 callbacks=[progress], num_sanity_val_steps=0, limit_val_batches=0, deterministic=True)
    trainer.fit(module, data)
    producer = {"task": "fine_tune", "base": fingerprint(model), "tuples": fingerprint(tuples), "steps": max_steps}
    with artifact_dir(out_dir, "model", producer) as tmp:
        module.save_pretrained(tmp)
        progress.write_csv(tmp / "loss.csv")
    run_logger().info("fine-tuned %s for %d steps, final loss %.4f", model, max_steps, progress.losses[-1][1])
    return str(out_dir)
