"""Turning a training batch's scores into losses.

A module's forward pass over a :class:`~lir_core.data.samples.RankBatch` yields a
:class:`TrainingOutput`; :func:`compute_losses` pads the ragged per-query score lists to
``[num_queries, max_docs]`` with a mask and applies every configured loss by its family:
scoring losses see each query's own documents, in-batch losses every document of the
batch, regularizers the (sparse) embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence

from lir_core.data.samples import RankBatch
from lir_core.loss import InBatchLoss, RegularizationLoss, ScoringLoss

LossFunction = ScoringLoss | InBatchLoss | RegularizationLoss


@dataclass
class TrainingOutput:
    """What a module computes for one training batch.

    Attributes:
        scores: One score per document, queries' documents concatenated in batch order,
            shape ``[sum(num_docs)]``.
        in_batch_scores: Every query against every document of the batch,
            ``[num_queries, sum(num_docs)]``; None unless an in-batch loss needs it.
        regularized_embeddings: Pooled embeddings ``[n, dim]`` for regularizers (queries
            and documents separately); empty unless a regularizer needs them.
    """

    scores: Tensor
    in_batch_scores: Tensor | None = None
    regularized_embeddings: list[Tensor] = field(default_factory=list)


def pad_per_query(values: Tensor, num_docs: Sequence[int], fill: float = 0.0) -> tuple[Tensor, Tensor]:
    """Pad a flat tensor of per-document values into ``[num_queries, max(num_docs)]``.

    Returns:
        The padded values and a bool mask, True at real documents.

    Raises:
        ValueError: If ``values`` does not hold ``sum(num_docs)`` entries.
    """
    if values.dim() != 1 or values.shape[0] != sum(num_docs):
        raise ValueError(f"expected {sum(num_docs)} values for num_docs {list(num_docs)}, got {tuple(values.shape)}")
    rows = values.split(list(num_docs))
    padded = pad_sequence(rows, batch_first=True, padding_value=fill)
    ones = [torch.ones(n, dtype=torch.bool, device=values.device) for n in num_docs]
    mask = pad_sequence(ones, batch_first=True, padding_value=False)
    return padded, mask


def first_positive_targets(num_docs: Sequence[int], device: torch.device | None = None) -> Tensor:
    """Flat targets for tuples without labels: 1.0 for each query's first document, else 0.0."""
    targets = torch.zeros(sum(num_docs), device=device)
    targets[positive_columns(num_docs)] = 1.0
    return targets


def positive_columns(num_docs: Sequence[int]) -> Tensor:
    """Column of each query's first document among all documents of the batch."""
    counts = torch.tensor(list(num_docs), dtype=torch.long)
    return torch.cumsum(counts, 0) - counts


def in_batch_mask(doc_ids: Sequence[Sequence[str]], device: torch.device | None = None) -> Tensor:
    """Mask of in-batch negatives that are not copies of a query's own positive.

    A document can appear in the batch more than once (two queries sharing a positive);
    such a copy must not count as a negative of the query whose positive it is.

    Returns:
        Bool ``[num_queries, sum(num_docs)]``, False where column ``c`` holds the same
        document as query ``q``'s positive but is not that positive's own column.
    """
    vocabulary: dict[str, int] = {}
    flat = torch.tensor([vocabulary.setdefault(doc_id, len(vocabulary)) for ids in doc_ids for doc_id in ids])
    columns = positive_columns([len(ids) for ids in doc_ids])
    same_doc = flat[None, :] == flat[columns][:, None]
    own_column = torch.arange(len(flat))[None, :] == columns[:, None]
    return (~same_doc | own_column).to(device)


def loss_name(loss: LossFunction, position: int, names: set[str]) -> str:
    """A log name for a loss: its class name, with its position when the name repeats."""
    name = type(loss).__name__
    return f"{name}_{position}" if name in names else name


def compute_losses(
    loss_functions: Sequence[LossFunction], output: TrainingOutput, batch: RankBatch, step: int
) -> dict[str, Tensor]:
    """Apply every loss to a batch's training output.

    Args:
        loss_functions: The losses to apply.
        output: Scores (and, where needed, in-batch scores and embeddings) of the batch.
        batch: The batch; its ``targets`` (or, when None, first-document-positive targets)
            are the labels of scoring losses.
        step: The global training step (each loss's weight schedule).

    Returns:
        Each loss's value keyed by :func:`loss_name`, in the order given.

    Raises:
        ValueError: If a loss needs outputs the module did not compute.
    """
    num_docs = batch.num_docs
    scores, mask = pad_per_query(output.scores.float(), num_docs)
    flat_targets = batch.targets if batch.targets is not None else first_positive_targets(num_docs)
    targets, _ = pad_per_query(flat_targets.to(scores.device, torch.float32), num_docs)
    losses: dict[str, Tensor] = {}
    for position, loss in enumerate(loss_functions):
        name = loss_name(loss, position, set(losses))
        if isinstance(loss, ScoringLoss):
            losses[name] = loss.weight_at(step) * loss(scores, targets, mask)
        elif isinstance(loss, InBatchLoss):
            if output.in_batch_scores is None:
                raise ValueError(f"{name} needs in-batch scores, which this module does not compute")
            in_batch = output.in_batch_scores.float()
            in_batch_masks = in_batch_mask(batch.doc_ids, in_batch.device)
            columns = positive_columns(num_docs).to(in_batch.device)
            losses[name] = loss.weight_at(step) * loss(in_batch, columns, in_batch_masks)
        elif isinstance(loss, RegularizationLoss):
            if not output.regularized_embeddings:
                raise ValueError(f"{name} needs pooled embeddings, which this module does not compute")
            losses[name] = sum(
                (loss(embeddings.float(), step) for embeddings in output.regularized_embeddings),
                start=torch.zeros((), device=scores.device),
            )
        else:
            raise TypeError(f"{type(loss).__name__} is not a ScoringLoss, InBatchLoss or RegularizationLoss")
    return losses
