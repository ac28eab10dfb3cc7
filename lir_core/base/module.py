"""Base Lightning module: a Lightning IR model and its tokenizer, ready to score or train."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import lightning as L
import torch

from lir_core.base.config import LightningIRConfig
from lir_core.base.model import LightningIRModel

InferencePrecision = Literal["fp32", "bf16"]


class LightningIRModule(L.LightningModule):
    """Combines a model and its tokenizer; subclasses add scoring, training and inference.

    Args:
        model_name_or_path: Folder or hub id to load (see ``LightningIRModel.from_pretrained``).
        config: Overrides the checkpoint's config (e.g. turn a backbone into a ColBERT model).
        model: An already built model (then ``model_name_or_path`` only names the tokenizer
            source and may be None if the model knows its source).
        loss_functions: Training losses (see :mod:`lir_core.loss`).
        evaluation_metrics: ir_measures strings such as ``"nDCG@10"`` for validation,
            search and re-ranking.
        inference_precision: "bf16" runs inference under bfloat16 autocast (fast on CPUs
            with AMX and on GPUs); "fp32" is exact.
    """

    model_class: ClassVar[type[LightningIRModel]] = LightningIRModel

    def __init__(
        self,
        model_name_or_path: str | None = None,
        config: LightningIRConfig | None = None,
        model: LightningIRModel | None = None,
        loss_functions: Sequence[Any] | None = None,
        evaluation_metrics: Sequence[str] | None = None,
        inference_precision: InferencePrecision = "fp32",
    ) -> None:
        super().__init__()
        if model is None:
            if model_name_or_path is None:
                raise ValueError(f"{type(self).__name__} needs model_name_or_path or model")
            model = self.model_class.from_pretrained(model_name_or_path, config=config)
        if not isinstance(model, self.model_class):
            raise TypeError(f"{type(self).__name__} needs a {self.model_class.__name__}, got {type(model).__name__}")
        if inference_precision not in ("fp32", "bf16"):
            raise ValueError(f"inference_precision must be 'fp32' or 'bf16', got {inference_precision!r}")
        self.model = model
        self.config = model.config
        self.model_name_or_path = model_name_or_path
        self.tokenizer = self._build_tokenizer(model.source_path)
        backbone_vocab = model.backbone.get_input_embeddings().num_embeddings
        if len(self.tokenizer) > backbone_vocab:
            model.backbone.resize_token_embeddings(len(self.tokenizer))
        self.loss_functions = list(loss_functions or [])
        self.evaluation_metrics = list(evaluation_metrics or [])
        self.inference_precision: InferencePrecision = inference_precision

    def _build_tokenizer(self, source: str) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must build its tokenizer")

    @contextlib.contextmanager
    def inference_context(self, precision: InferencePrecision | None = None) -> Iterator[None]:
        """``inference_mode`` in eval mode, with bf16 autocast when asked for."""
        precision = precision or self.inference_precision
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

    def test_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
        """Lightning's test loop runs indexing, search and re-ranking through callbacks."""
        return self.inference_step(batch)

    def predict_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
        """Same as ``test_step``: encode or score one batch."""
        return self.inference_step(batch)

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
