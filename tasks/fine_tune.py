"""Task: fine-tune a bi- or cross-encoder on training tuples; writes a model folder (+ loss.csv, loss.png)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import lightning as L
import torch
from prefect import task

import lir_core.loss
from lir_core.data import LightningIRDataModule, TupleDataset
from lir_core.evaluate import plot_loss_curve
from lir_core.schedulers import LinearWarmupScheduler
from lir_core.trainer import LightningIRTrainer
from tasks.artifacts import artifact_dir, fingerprint, resolve_ref
from tasks.caching import ArtifactCache
from tasks.encode_shard import MODEL_CODE
from tasks.logs import run_logger
from tasks.models import MODULE_CLASSES, model_config
from tasks.progress import TrainingProgress

CODE = (*MODEL_CODE, "lir_core.cross_encoder", "lir_core.loss", "lir_core.data", "lir_core.trainer")


def loss_function(spec: str | dict[str, Any]) -> Any:
    """``"RankNet"`` or ``{"class": "InBatchCrossEntropy", "scale": 20}`` -> a ``lir_core.loss`` instance."""
    settings = {"class": spec} if isinstance(spec, str) else dict(spec)
    name = settings.pop("class")
    if not hasattr(lir_core.loss, name):
        raise ValueError(f"unknown loss {name!r}; lir_core.loss has {sorted(lir_core.loss.__all__)}")
    return getattr(lir_core.loss, name)(**settings)


@task(cache_policy=ArtifactCache(inputs=("model", "tuples", "docs", "queries"), code=CODE))
def fine_tune(model: str, tuples: str, out_dir: str, model_type: str = "bi-encoder",
              config: dict[str, Any] | None = None, losses: list[str | dict[str, Any]] | None = None,
              lr: float = 2e-5, max_steps: int = 100, warmup_steps: int = 0, batch_size: int = 8,
              num_docs: int | None = None, query_length: int | None = None, doc_length: int | None = None,
              seed: int = 0, docs: str | None = None, queries: str | None = None, freeze_docs: bool = False,
              key: str = "fine-tune") -> str:
    """Train ``model`` for ``max_steps`` AdamW steps (linear warmup over ``warmup_steps``, then
    linear decay) with ``losses`` (see :func:`loss_function`) on a tuples file or ``ir_datasets``
    docpairs id; ``query_length``/``doc_length`` truncate the training texts only (the saved model
    keeps the lengths of its config, for indexing and search); ``freeze_docs`` trains a bi-encoder's
    query encoder only (config ``doc_encoder="frozen"``: documents are encoded as by ``model``, so
    ``model``'s index serves the result); returns ``out_dir``."""
    L.seed_everything(seed, workers=True, verbose=False)
    loss_functions = [loss_function(spec) for spec in losses or ["LocalizedContrastiveEstimation"]]
    module_class, path = MODULE_CLASSES[model_type], resolve_ref(model)
    module = module_class(path, config=model_config(config), loss_functions=loss_functions)
    inference_config = module.config
    if freeze_docs:
        if model_type != "bi-encoder":
            raise ValueError("freeze_docs is for bi-encoders (a cross-encoder has no document encoder)")
        inference_config = inference_config.replace(doc_encoder="frozen")
    lengths = {name: value for name, value in (("query_length", query_length), ("doc_length", doc_length)) if value}
    if inference_config.replace(**lengths) != module.config:
        module = module_class(path, config=inference_config.replace(**lengths), loss_functions=loss_functions)
    module.set_optimizer(torch.optim.AdamW, lr=lr, lr_scheduler=partial(LinearWarmupScheduler,
                         num_warmup_steps=warmup_steps, num_training_steps=max_steps))
    data = LightningIRDataModule(train_dataset=TupleDataset(resolve_ref(tuples), num_docs=num_docs, docs=docs,
                                                            queries=queries), train_batch_size=batch_size)
    progress = TrainingProgress(key, max_steps)
    trainer = LightningIRTrainer(max_steps=max_steps, accelerator="cpu" if not torch.cuda.is_available() else "auto",
                                 callbacks=[progress], num_sanity_val_steps=0, limit_val_batches=0, deterministic=True)
    trainer.fit(module, data)
    producer = {"task": "fine_tune", "base": fingerprint(model), "tuples": fingerprint(tuples), "steps": max_steps,
                "losses": losses, "lr": lr, "warmup_steps": warmup_steps, "batch_size": batch_size, "seed": seed,
                "training_lengths": lengths}
    if freeze_docs:
        producer["freeze_docs"] = True
    module.model.config = module.config = inference_config  # training lengths truncate training only
    with artifact_dir(out_dir, "model", producer) as tmp:
        module.save_pretrained(tmp)
        progress.write_csv(tmp / "loss.csv")
        plot_loss_curve(tmp / "loss.csv", tmp / "loss.png", title=f"Training loss: {Path(out_dir).name}")
    run_logger().info("fine-tuned %s for %d steps, final loss %.4f", model, max_steps, progress.losses[-1][1])
    return str(out_dir)
