"""Building a loss from its params spec: ``"RankNet"`` or ``{"class": "KLDivergence", "teacher_scale": 30}``."""

from __future__ import annotations

from typing import Any

from lir_core import loss as losses
from lir_core.loss.base import InBatchLoss, RegularizationLoss, ScheduledLoss, ScoringLoss


def loss_from_spec(spec: str | dict[str, Any]) -> ScoringLoss | InBatchLoss | RegularizationLoss:
    """``"RankNet"`` or ``{"class": "InBatchCrossEntropy", "scale": 20}`` -> a ``lir_core.loss`` instance;
    a ranking or distillation loss may add ``schedule: {weight, delay_steps, warmup_steps, shape}``
    (:class:`~lir_core.loss.WeightSchedule`).

    Raises:
        ValueError: For an unknown loss name, or a schedule on a loss that takes none.
        TypeError: For arguments the loss does not take (or lacks).
    """
    settings = {"class": spec} if isinstance(spec, str) else dict(spec)
    name, schedule = settings.pop("class"), settings.pop("schedule", None)
    families = (ScoringLoss, InBatchLoss, RegularizationLoss)
    loss_class = getattr(losses, name, None) if name in losses.__all__ else None
    if not (isinstance(loss_class, type) and issubclass(loss_class, families)):
        raise ValueError(f"unknown loss {name!r}; lir_core.loss has {sorted(losses.__all__)}")
    loss = loss_class(**settings)
    if schedule is not None:
        if not isinstance(loss, ScheduledLoss):
            raise ValueError(f"{name} takes no schedule: give a regularizer weight, warmup_steps and delay_steps")
        loss.scheduled(schedule)
    return loss
