"""Collecting re-ranked validation runs and turning them into logged metrics.

Each validation dataloader (a ``RunDataset``) contributes a :class:`ValidationRun`: the
module's scores of every candidate plus the batch qrels. Under distributed training each
rank holds part of a run; :func:`gather_runs` merges the parts on every rank before the
metrics are computed, so all ranks log the same values (the distributed sampler's
duplicated padding samples overwrite themselves with identical scores).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.distributed as dist

from lir_core.data.samples import RankBatch
from lir_core.evaluate import evaluate_run


@dataclass
class ValidationRun:
    """Scores and relevance judgements collected over one validation dataset.

    Attributes:
        run: ``{query_id: {doc_id: score}}``.
        qrels: ``{query_id: {doc_id: relevance}}`` of the queries that have judgements.
    """

    run: dict[str, dict[str, float]] = field(default_factory=dict)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, batch: RankBatch, scores: torch.Tensor) -> None:
        """Record a batch's scores (one per document, in batch order) and its qrels.

        Raises:
            ValueError: If a query of the batch has no qrels (None) to evaluate with.
        """
        values = scores.detach().float().cpu().tolist()
        position = 0
        for query_id, doc_ids, qrels in zip(batch.query_ids, batch.doc_ids, batch.qrels or [None] * len(batch.query_ids)):
            if qrels is None:
                raise ValueError(f"validation query {query_id!r} has no qrels: validate on a RunDataset with qrels")
            ranking = self.run.setdefault(query_id, {})
            for doc_id in doc_ids:
                ranking[doc_id] = values[position]
                position += 1
            if qrels:
                self.qrels[query_id] = dict(qrels)

    def merge(self, other: "ValidationRun") -> None:
        """Add another part of the same dataset's run."""
        for query_id, ranking in other.run.items():
            self.run.setdefault(query_id, {}).update(ranking)
        self.qrels.update(other.qrels)

    def evaluate(self, metrics: Sequence[str]) -> dict[str, float]:
        """Aggregated ir_measures values keyed by canonical measure name (e.g. ``nDCG@10``).

        Raises:
            ValueError: If no query of the run has relevance judgements.
        """
        if not self.qrels:
            raise ValueError("no validation query has relevance judgements: cannot compute metrics")
        return evaluate_run(self.run, self.qrels, list(metrics)).aggregated


def gather_runs(runs: dict[int, ValidationRun], num_dataloaders: int) -> list[ValidationRun]:
    """Merge every rank's runs (one per dataloader); without ``torch.distributed``, return them."""
    local = [runs.get(index, ValidationRun()) for index in range(num_dataloaders)]
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return local
    parts: list[list[ValidationRun] | None] = [None] * dist.get_world_size()
    dist.all_gather_object(parts, local)
    merged = [ValidationRun() for _ in range(num_dataloaders)]
    for rank_runs in parts:
        assert rank_runs is not None, "all_gather_object fills every rank's slot"
        for target, part in zip(merged, rank_runs):
            target.merge(part)
    return merged


def metric_key(metric: str, dataset_name: str | None) -> str:
    """Log key of a validation metric: ``val/<metric>``, or ``val/<dataset>/<metric>`` when
    several validation datasets are evaluated."""
    return f"val/{metric}" if dataset_name is None else f"val/{dataset_name}/{metric}"
