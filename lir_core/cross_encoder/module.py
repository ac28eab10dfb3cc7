"""Lightning module for cross-encoders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch

from lir_core.base.module import InferencePrecision, LightningIRModule, flatten_score_inputs
from lir_core.base.training import TrainingOutput
from lir_core.cross_encoder.config import CrossEncoderConfig
from lir_core.cross_encoder.model import CrossEncoderModel, CrossEncoderOutput
from lir_core.cross_encoder.tokenizer import CrossEncoderTokenizer
from lir_core.data.samples import RankBatch
from lir_core.progress import progress_bar


class CrossEncoderModule(LightningIRModule):
    """A cross-encoder with its tokenizer.

    Pointwise models score pairs in batches of ``batch_size`` pairs; listwise models see
    all documents of a query in one forward pass.
    """

    model_class: ClassVar[type[CrossEncoderModel]] = CrossEncoderModel
    model: CrossEncoderModel
    config: CrossEncoderConfig
    tokenizer: CrossEncoderTokenizer

    def _build_tokenizer(self, source: str) -> CrossEncoderTokenizer:
        return CrossEncoderTokenizer(source, self.model.config)

    @property
    def is_listwise(self) -> bool:
        """True when a query's documents must be scored together."""
        return getattr(self.model, "listwise", False)

    def score(self, queries: str | Sequence[str], docs: Sequence[str] | Sequence[Sequence[str]], batch_size: int = 32,
              precision: InferencePrecision | None = None, show_progress_bar: bool | None = None) -> CrossEncoderOutput:
        """Score documents for one query (a list of docs) or several (a list per query).

        ``show_progress_bar``: a bar counting the scored pairs on stderr; None: in a terminal
        only (see :mod:`lir_core.progress`).

        Returns:
            A ``CrossEncoderOutput`` with one score per document, in input order.
        """
        query_list, doc_list, num_docs = flatten_score_inputs(queries, docs)
        pair_queries = [q for q, n in zip(query_list, num_docs) for _ in range(n)]
        scores = torch.empty(len(doc_list))
        with self.inference_context(precision), progress_bar(
            len(doc_list), "scoring", "pair", show_progress_bar
        ) as bar:
            for start, stop, group in self._groups(num_docs, batch_size):
                encoding = self.tokenizer.tokenize_pairs(pair_queries[start:stop], doc_list[start:stop])
                encoding = {k: v.to(self.device) for k, v in encoding.items()}
                scores[start:stop] = self.model(encoding, group).scores.float().cpu()
                bar.update(stop - start)
        return CrossEncoderOutput(scores)

    def _groups(self, num_docs: list[int], batch_size: int) -> list[tuple[int, int, list[int]]]:
        """Split pairs into forward passes: whole queries for listwise models."""
        groups: list[tuple[int, int, list[int]]] = []
        start = 0
        if self.is_listwise:
            for count in num_docs:
                groups.append((start, start + count, [count]))
                start += count
            return groups
        total = sum(num_docs)
        while start < total:
            stop = min(start + batch_size, total)
            groups.append((start, stop, [stop - start]))
            start = stop
        return groups

    def inference_step(self, batch: RankBatch) -> CrossEncoderOutput:
        """Score the documents of a ``RankBatch`` against their queries (one pass)."""
        if not isinstance(batch, RankBatch):
            raise TypeError(f"CrossEncoderModule can only re-rank a RankBatch, got {type(batch).__name__}")
        encoding = self._pair_encoding(batch)
        with self.autocast():
            output = self.model(encoding, batch.num_docs)
        return CrossEncoderOutput(output.scores.float(), output.embeddings)

    def training_output(self, batch: RankBatch) -> TrainingOutput:
        """Score every (query, document) pair of a training batch with gradients."""
        return TrainingOutput(self.model(self._pair_encoding(batch), batch.num_docs).scores)

    def _pair_encoding(self, batch: RankBatch) -> dict[str, torch.Tensor]:
        """Tokenize a batch's (query, document) pairs onto the module's device."""
        queries = [q for q, n in zip(batch.queries, batch.num_docs) for _ in range(n)]
        docs = [d for ds in batch.docs for d in ds]
        encoding = self.tokenizer.tokenize_pairs(queries, docs)
        return {k: v.to(self.device) for k, v in encoding.items()}

    def forward(self, *args: Any, **kwargs: Any) -> CrossEncoderOutput:
        """Run the model (see ``CrossEncoderModel.forward``)."""
        return self.model(*args, **kwargs)
