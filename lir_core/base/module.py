"""Base Lightning module: a Lightning IR model and its tokenizer, ready to score or train."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal

import lightning as L
import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from lir_core.base.config import LightningIRConfig
from lir_core.base.model import LightningIRModel
from lir_core.base.training import LossFunction, TrainingOutput, compute_losses
from lir_core.base.validation import ValidationRun, gather_runs, metric_key
from lir_core.data.samples import RankBatch
from lir_core.hardware import resolve_precision
from lir_core.loss import LocalizedContrastiveEstimation, ScoringLoss

InferencePrecision = Literal["auto", "fp32", "bf16"]


class LightningIRModule(L.LightningModule):
    """Combines a model and its tokenizer; subclasses add scoring, training and inference.

    Args:
        model_name_or_path: Folder or hub id to load (see ``LightningIRModel.from_pretrained``).
        config: Overrides the checkpoint's config (e.g. turn a backbone into a ColBERT model).
        model: An already built model (then ``model_name_or_path`` only names the tokenizer
            source and may be None if the model knows its source).
        loss_functions: Training losses (see :mod:`lir_core.loss`), summed. Scoring losses
            see each query's own documents; bi-encoders also take in-batch losses (every
            document of the batch scored against every query) and regularizers (on pooled
            query and document embeddings). Default: softmax cross-entropy over each query's
            documents with the first one positive (``LocalizedContrastiveEstimation``).
        evaluation_metrics: ir_measures strings such as ``"nDCG@10"`` for validation,
            search and re-ranking.
        inference_precision: "bf16" runs inference under bfloat16 autocast (fast on GPUs and
            on CPUs with AMX or AVX-512 BF16); "fp32" is exact; "auto" (the default) is bf16
            where it runs in hardware, else fp32 (see :func:`lir_core.hardware.resolve_precision`;
            ``$LIR_INFERENCE_PRECISION`` fixes it).
    """

    model_class: ClassVar[type[LightningIRModel]] = LightningIRModel
    supported_loss_types: ClassVar[tuple[type, ...]] = (ScoringLoss,)

    def __init__(
        self,
        model_name_or_path: str | None = None,
        config: LightningIRConfig | None = None,
        model: LightningIRModel | None = None,
        loss_functions: Sequence[LossFunction] | None = None,
        evaluation_metrics: Sequence[str] | None = None,
        inference_precision: InferencePrecision = "auto",
    ) -> None:
        super().__init__()
        if model is None:
            if model_name_or_path is None:
                raise ValueError(f"{type(self).__name__} needs model_name_or_path or model")
            model = self.model_class.from_pretrained(model_name_or_path, config=config)
        if not isinstance(model, self.model_class):
            raise TypeError(f"{type(self).__name__} needs a {self.model_class.__name__}, got {type(model).__name__}")
        resolved_precision = resolve_precision(inference_precision, on_gpu=torch.cuda.is_available())
        self.model = model
        self.config = model.config
        self.model_name_or_path = model_name_or_path
        self.tokenizer = self._build_tokenizer(model.source_path)
        backbone_vocab = model.backbone.get_input_embeddings().num_embeddings
        if len(self.tokenizer) > backbone_vocab:
            model.backbone.resize_token_embeddings(len(self.tokenizer))
        self.loss_functions: list[LossFunction] = list(loss_functions or [LocalizedContrastiveEstimation()])
        unsupported = [type(loss).__name__ for loss in self.loss_functions
                       if not isinstance(loss, self.supported_loss_types)]
        if unsupported:
            supported = ", ".join(kind.__name__ for kind in self.supported_loss_types)
            raise TypeError(f"{type(self).__name__} cannot train with {unsupported}; it supports {supported}")
        self.evaluation_metrics = list(evaluation_metrics or [])
        self.inference_precision: Literal["fp32", "bf16"] = resolved_precision
        self._optimizer_factory: Callable[..., Optimizer] | None = None
        self._lr_scheduler_factory: Callable[[Optimizer], LRScheduler] | None = None
        self._validation_runs: dict[int, ValidationRun] = {}

    def _build_tokenizer(self, source: str) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must build its tokenizer")

    @contextlib.contextmanager
    def inference_context(self, precision: InferencePrecision | None = None) -> Iterator[None]:
        """``inference_mode`` in eval mode, with bf16 autocast when asked for."""
        precision = resolve_precision(precision, self.device.type == "cuda") if precision else self.inference_precision
        was_training = self.training
        self.eval()
        device_type = self.device.type if self.device.type in ("cpu", "cuda") else "cpu"
        try:
            with torch.inference_mode(), torch.autocast(
                device_type=device_type, dtype=torch.bfloat16, enabled=precision == "bf16"
            ):
                yield
        finally:
            self.train(was_training)

    def autocast(self) -> contextlib.AbstractContextManager[None]:
        """bf16 autocast when ``inference_precision`` is "bf16" (a no-op otherwise)."""
        device_type = self.device.type if self.device.type in ("cpu", "cuda") else "cpu"
        return torch.autocast(device_type=device_type, dtype=torch.bfloat16,
                              enabled=self.inference_precision == "bf16" and not self.training)

    def inference_step(self, batch: Any) -> Any:
        """Encode or score one batch of an inference dataset (see subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement inference_step")

    def score_candidates(self, queries: Sequence[str], candidates: Sequence[Sequence[str]], batch_size: int = 32,
                         precision: InferencePrecision | None = None,
                         show_progress_bar: bool | None = None) -> torch.Tensor:
        """Score each query's candidate documents (re-ranking): one score per candidate, flat in
        input order. This is ``score(queries, candidates).scores`` (a cross-encoder reads every
        query-document pair); bi-encoders override it to encode each distinct document once.
        ``show_progress_bar``: a bar on stderr; None: in a terminal only (see :mod:`lir_core.progress`)."""
        return self.score(  # type: ignore[attr-defined]
            list(queries), candidates, batch_size, precision, show_progress_bar=show_progress_bar
        ).scores

    def test_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
        """Lightning's test loop runs indexing, search and re-ranking through callbacks."""
        return self.inference_step(batch)

    def predict_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
        """Same as ``test_step``: encode or score one batch."""
        return self.inference_step(batch)

    # ---------------------------------------------------------------- training
    def training_output(self, batch: RankBatch) -> TrainingOutput:
        """Score a training batch with gradients (see subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement training_output")

    def setup(self, stage: str) -> None:
        """Before fitting, freeze the backbone's pooler (BERT/RoBERTa ``pooler``): no Lightning
        IR score uses it, and DDP fails on trainable parameters that get no gradient."""
        pooler = getattr(self.model.backbone, "pooler", None)
        if stage == "fit" and isinstance(pooler, torch.nn.Module):
            pooler.requires_grad_(False)

    def on_fit_start(self) -> None:
        """Switch to train mode (dropout on): loaded models start in eval mode and Lightning
        keeps the mode it finds (validation restores it afterwards)."""
        self.train()

    def training_step(self, batch: RankBatch, batch_idx: int) -> torch.Tensor:
        """Sum of the configured losses on one batch; each loss and the sum are logged
        (``train/<LossName>``, ``train/loss``)."""
        if not isinstance(batch, RankBatch):
            raise TypeError(f"training needs RankBatch batches, got {type(batch).__name__}")
        losses = compute_losses(self.loss_functions, self.training_output(batch), batch, self.global_step)
        total = torch.stack(list(losses.values())).sum()
        batch_size = len(batch.queries)
        if len(losses) > 1:
            self.log_dict({f"train/{name}": value for name, value in losses.items()}, batch_size=batch_size)
        self.log("train/loss", total, prog_bar=True, batch_size=batch_size)
        return total

    def set_optimizer(
        self,
        optimizer_class: type[Optimizer],
        lr_scheduler: Callable[[Optimizer], LRScheduler] | None = None,
        **optimizer_kwargs: Any,
    ) -> None:
        """Choose the optimizer (and learning-rate schedule) of ``trainer.fit``.

        The CLI configures optimizers from the YAML ``optimizer:``/``lr_scheduler:`` instead.

        Args:
            optimizer_class: E.g. ``torch.optim.AdamW``.
            lr_scheduler: Builds the schedule from the optimizer, e.g.
                ``lambda opt: LinearWarmupScheduler(opt, 100, 1000)``; stepped every
                optimizer step.
            **optimizer_kwargs: Passed to the optimizer, e.g. ``lr=1e-5``.
        """
        self._optimizer_factory = partial(optimizer_class, **optimizer_kwargs)
        self._lr_scheduler_factory = lr_scheduler

    def configure_optimizers(self) -> Optimizer | dict[str, Any]:
        """The optimizer chosen with :meth:`set_optimizer`, with its per-step schedule.

        Raises:
            ValueError: If no optimizer was chosen.
        """
        if self._optimizer_factory is None:
            raise ValueError(
                f"{type(self).__name__} has no optimizer: call module.set_optimizer(torch.optim.AdamW, lr=...) "
                "before fitting, or give `optimizer:` in the CLI config"
            )
        optimizer = self._optimizer_factory(self.parameters())
        if self._lr_scheduler_factory is None:
            return optimizer
        scheduler = self._lr_scheduler_factory(optimizer)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # ---------------------------------------------------------------- validation
    def on_validation_epoch_start(self) -> None:
        """Start empty runs for this validation epoch."""
        self._validation_runs = {}

    def validation_step(self, batch: RankBatch, batch_idx: int, dataloader_idx: int = 0) -> None:
        """Score a batch of a validation ``RunDataset`` and add it to that dataset's run."""
        if not isinstance(batch, RankBatch):
            raise TypeError(
                f"validation re-ranks RankBatch batches (a RunDataset with qrels), got {type(batch).__name__}"
            )
        output = self.inference_step(batch)
        self._validation_runs.setdefault(dataloader_idx, ValidationRun()).add(batch, output.scores)

    def on_validation_epoch_end(self) -> None:
        """Compute ``evaluation_metrics`` on every validation run and log them.

        With one validation dataset the keys are ``val/<metric>`` (e.g. ``val/nDCG@10``),
        with several ``val/<dataset>/<metric>``, where ``<dataset>`` is the dataset's
        ``run_path_or_id`` (or its position). Every rank logs the same values.
        """
        local_runs, self._validation_runs = self._validation_runs, {}
        if not self.evaluation_metrics:
            return
        dataloaders = self.trainer.val_dataloaders
        loaders = list(dataloaders) if isinstance(dataloaders, (list, tuple)) else [dataloaders]
        runs = gather_runs(local_runs, len(loaders))
        for index, (loader, run) in enumerate(zip(loaders, runs)):
            if not run.run:
                continue
            name = None if len(loaders) == 1 else str(getattr(loader.dataset, "run_path_or_id", index))
            for metric, value in run.evaluate(self.evaluation_metrics).items():
                self.log(metric_key(metric, name), value, sync_dist=True)

    def save_pretrained(self, save_directory: str | Path) -> None:
        """Save model and tokenizer so that ``type(self)(save_directory)`` restores them."""
        self.model.save_pretrained(save_directory)
        self.tokenizer.save_pretrained(save_directory)


def length_sorted_batches(texts: Sequence[str], batch_size: int) -> Iterator[list[int]]:
    """Yield batches of indices into ``texts``, longest texts first.

    Grouping texts of similar length keeps padding (wasted compute) small.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def flatten_score_inputs(
    queries: str | Sequence[str], docs: Sequence[str] | Sequence[Sequence[str]]
) -> tuple[list[str], list[str], list[int]]:
    """Normalise ``score`` inputs: one query with a doc list, or queries with doc lists each.

    Returns:
        The queries, the flat docs, and the number of docs per query.

    Raises:
        ValueError: On empty inputs or mismatched lengths.
    """
    if isinstance(queries, str):
        if len(docs) == 0:
            raise ValueError("docs is empty: nothing to score")
        if not all(isinstance(d, str) for d in docs):
            raise TypeError("with a single query, docs must be a list of strings")
        return [queries], list(docs), [len(docs)]  # type: ignore[arg-type]
    queries = list(queries)
    if not queries:
        raise ValueError("queries is empty: nothing to score")
    if len(docs) != len(queries):
        raise ValueError(f"{len(queries)} queries but {len(docs)} doc lists")
    flat: list[str] = []
    num_docs: list[int] = []
    for position, doc_list in enumerate(docs):
        if isinstance(doc_list, str) or len(doc_list) == 0:
            raise ValueError(f"docs[{position}] must be a non-empty list of strings")
        flat.extend(doc_list)
        num_docs.append(len(doc_list))
    return queries, flat, num_docs
