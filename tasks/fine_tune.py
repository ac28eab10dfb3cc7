"""Task: fine-tune a bi- or cross-encoder on training tuples; writes a model folder (+ loss.csv, loss.png)."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import lightning as L
import pandas as pd
import torch
from lightning.pytorch.callbacks import EarlyStopping
from prefect import task

from lir_core.checkpointing import KeepBestWeights
from lir_core.data import LightningIRDataModule, RunDataset, TupleDataset
from lir_core.data.holdout import ValidationFiles
from lir_core.evaluate import plot_loss_curve
from lir_core.hardware import bf16_in_hardware, cpu_flags
from lir_core.loss.spec import loss_from_spec
from lir_core.schedulers import LinearWarmupScheduler
from lir_core.trainer import LightningIRTrainer
from tasks.artifacts import artifact_dir, fingerprint, resolve_ref
from tasks.caching import ArtifactCache
from tasks.encode_shard import MODEL_CODE
from tasks.logs import run_logger
from tasks.models import MODULE_CLASSES, model_config
from tasks.progress import TrainingProgress
from tasks.search import RUN_STEM

CODE = (*MODEL_CODE, "lir_core.cross_encoder", "lir_core.loss", "lir_core.data", "lir_core.trainer",
        "lir_core.checkpointing")
VALIDATION_METRIC = "nDCG@10"
VALIDATIONS = 5  # validations in a run when validate_every is not given
DISTILLATION_DOCS = 8  # teacher-scored candidates per query and step when num_docs is not given
# Validation queries per forward pass: a bi-encoder encodes all their candidates at once, and for
# SPLADE each document token carries 30,522 masked-LM logits (32 queries x 30 documents x 128 tokens
# took over 20 GB, and the process was killed).
VALIDATION_QUERIES_PER_BATCH = 2


@task(cache_policy=ArtifactCache(inputs=("model", "tuples", "docs", "queries", "validation", "teacher"), code=CODE))
def fine_tune(model: str, tuples: str, out_dir: str, model_type: str = "bi-encoder",
              config: dict[str, Any] | None = None, losses: list[str | dict[str, Any]] | None = None,
              lr: float = 2e-5, max_steps: int = 100, warmup_steps: int = 0, batch_size: int = 8,
              num_docs: int | None = None, query_length: int | None = None, doc_length: int | None = None,
              seed: int = 0, docs: str | None = None, queries: str | None = None, freeze_docs: bool = False,
              validation: str | None = None, validate_every: int | None = None, patience: int | None = None,
              teacher: str | None = None, key: str = "fine-tune") -> str:
    """Train ``model`` for ``max_steps`` AdamW steps (linear warmup over ``warmup_steps``, then
    linear decay) with ``losses`` (see :func:`lir_core.loss.spec.loss_from_spec`) on a tuples file or ``ir_datasets``
    docpairs id; ``query_length``/``doc_length`` truncate the training texts only (the saved model
    keeps the lengths of its config, for indexing and search); ``freeze_docs`` trains a bi-encoder's
    query encoder only (config ``doc_encoder="frozen"``: documents are encoded as by ``model``, so
    ``model``'s index serves the result). With a ``validation`` folder (held-out training queries,
    :mod:`lir_core.data.holdout`) the model re-ranks its run before training and every
    ``validate_every`` steps (default: 5 times), the weights with the best nDCG@10 are saved (the
    starting weights when no step beats them: step 0), and ``patience`` validations without
    improvement stop training; ``loss.png`` then shows the validation curve too. Training runs in
    bf16 mixed precision on CPUs that do bf16 in hardware (AMX / AVX512-BF16), else in fp32; the
    manifest records the precision, the CPU flags and the training time. With a ``teacher``
    run folder (teacher scores of the training queries' candidates) the model is trained on it
    instead of the tuples (distillation): per query and step ``num_docs`` candidates, the best half
    and random others, with the teacher's scores as targets; ``docs`` and ``queries`` supply the
    texts. Returns ``out_dir``."""
    L.seed_everything(seed, workers=True, verbose=False)
    loss_functions = [loss_from_spec(spec) for spec in losses or ["LocalizedContrastiveEstimation"]]
    module_class, path = MODULE_CLASSES[model_type], resolve_ref(model)
    metrics = [VALIDATION_METRIC] if validation else None
    module = module_class(path, config=model_config(config), loss_functions=loss_functions, evaluation_metrics=metrics)
    inference_config = module.config
    if freeze_docs:
        if model_type != "bi-encoder":
            raise ValueError("freeze_docs is for bi-encoders (a cross-encoder has no document encoder)")
        inference_config = inference_config.replace(doc_encoder="frozen")
    lengths = {name: value for name, value in (("query_length", query_length), ("doc_length", doc_length)) if value}
    if inference_config.replace(**lengths) != module.config:
        module = module_class(path, config=inference_config.replace(**lengths), loss_functions=loss_functions,
                              evaluation_metrics=metrics)
    module.set_optimizer(torch.optim.AdamW, lr=lr, lr_scheduler=partial(LinearWarmupScheduler,
                         num_warmup_steps=warmup_steps, num_training_steps=max_steps))
    train_dataset = training_data(resolve_ref(tuples), teacher, num_docs, docs, queries)
    progress = TrainingProgress(key, max_steps)
    callbacks: list[L.Callback] = [progress]
    validation_datasets, validation_settings = [], {}
    if validation:
        files = ValidationFiles.in_folder(resolve_ref(validation))
        if not files.exist():
            raise FileNotFoundError(f"{validation}: no validation set (mine the tuples with a validation_fraction)")
        validation_datasets = [RunDataset(str(files.run), docs=str(files.docs), queries=str(files.queries),
                                          qrels=str(files.qrels))]
        best = KeepBestWeights(f"val/{VALIDATION_METRIC}")
        callbacks.append(best)
        if patience:
            callbacks.append(EarlyStopping(best.monitor, mode="max", patience=patience))
        every = validate_every or max(1, max_steps // VALIDATIONS)
        validation_settings = {"val_check_interval": every, "check_val_every_n_epoch": None}
    data = LightningIRDataModule(module=module, train_dataset=train_dataset, train_batch_size=batch_size,
                                 inference_datasets=validation_datasets,
                                 inference_batch_size=VALIDATION_QUERIES_PER_BATCH)
    on_cpu = not torch.cuda.is_available()
    precision = "bf16-mixed" if on_cpu and bf16_in_hardware() else "32-true"
    trainer = LightningIRTrainer(max_steps=max_steps, accelerator="cpu" if on_cpu else "auto", precision=precision,
                                 callbacks=callbacks, num_sanity_val_steps=0, limit_val_batches=1.0 if validation else 0,
                                 deterministic=True, **validation_settings)
    started = time.perf_counter()
    if validation:  # step 0: the starting weights compete too, so fine-tuning never keeps worse weights
        trainer.validate(module, data, verbose=False)
    trainer.fit(module, data)
    seconds = time.perf_counter() - started
    producer = {"task": "fine_tune", "base": fingerprint(model), "tuples": fingerprint(tuples), "steps": max_steps,
                "losses": losses, "lr": lr, "warmup_steps": warmup_steps, "batch_size": batch_size, "seed": seed,
                "training_lengths": lengths, "precision": precision, "train_seconds": round(seconds, 1),
                "cpu_flags": list(cpu_flags())}
    if freeze_docs:
        producer["freeze_docs"] = True
    if teacher:
        producer["teacher"] = fingerprint(teacher)
    if validation:
        producer["validation"] = {"metric": VALIDATION_METRIC, "every": validation_settings["val_check_interval"],
                                  "best_step": best.best_step, "best": best.best_score, "history": best.history}
    module.model.config = module.config = inference_config  # training lengths truncate training only
    with artifact_dir(out_dir, "model", producer) as tmp:
        module.save_pretrained(tmp)
        progress.write_csv(tmp / "loss.csv")
        validation_points = None
        if validation:
            pd.DataFrame(best.history, columns=["step", VALIDATION_METRIC]).to_csv(tmp / "validation.csv", index=False)
            validation_points = (VALIDATION_METRIC, best.history)
        plot_loss_curve(tmp / "loss.csv", tmp / "loss.png", title=f"Training loss: {Path(out_dir).name}",
                        validation=validation_points)
    chosen = f", best validation {VALIDATION_METRIC} {best.best_score:.4f} at step {best.best_step}" if validation else ""
    run_logger().info("fine-tuned %s for %d steps in %.0f s (%s), final loss %.4f%s", model, trainer.global_step,
                      seconds, precision, progress.losses[-1][1], chosen)
    return str(out_dir)


def training_data(tuples: str, teacher: str | None, num_docs: int | None, docs: str | None,
                  queries: str | None) -> TupleDataset | RunDataset:
    """The tuples, or with a ``teacher`` run folder its scored candidates (see :func:`fine_tune`)."""
    if teacher is None:
        return TupleDataset(tuples, num_docs=num_docs, docs=docs, queries=queries)
    if docs is None or queries is None:
        raise ValueError("training on a teacher run needs docs and queries for the texts")
    return RunDataset(f"{resolve_ref(teacher)}/{RUN_STEM}.parquet", sample_size=num_docs or DISTILLATION_DOCS,
                      sampling_strategy="top_and_random", targets="score", docs=docs, queries=queries)
