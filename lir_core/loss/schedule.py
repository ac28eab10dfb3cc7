"""Schedules for the weight of a loss over training steps (e.g. a sparsity regularizer warming up).

SPLADE-style training switches its regularizer on gradually: its weight is 0 for a while, then
grows to its final value, because a full-strength penalty on an untrained model empties its
vectors (naver/splade: quadratic over 50k steps; Lightning IR: a delay, then a linear ramp).
Any loss can carry such a schedule: ranking and distillation losses via
:meth:`~lir_core.loss.base.ScheduledLoss.scheduled`, regularizers through their own arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class WeightSchedule:
    """The weight of a loss at a training step: 0 for ``delay_steps``, then a ``shape`` ramp to
    ``weight`` over ``warmup_steps``, then ``weight``.

    Args:
        weight: The final weight.
        delay_steps: Steps at weight 0 before the ramp starts.
        warmup_steps: Length of the ramp; 0 jumps to ``weight`` after the delay.
        shape: ``"linear"`` or ``"quadratic"`` (slow at first, as SPLADE's FLOPS warm-up).

    Raises:
        ValueError: For a negative weight or step count, or an unknown shape.
    """

    weight: float = 1.0
    delay_steps: int = 0
    warmup_steps: int = 0
    shape: Literal["linear", "quadratic"] = "linear"

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise ValueError(f"weight must be >= 0, got {self.weight}")
        if self.delay_steps < 0 or self.warmup_steps < 0:
            raise ValueError(f"delay_steps and warmup_steps must be >= 0, got {self.delay_steps}, {self.warmup_steps}")
        if self.shape not in ("linear", "quadratic"):
            raise ValueError(f"shape must be 'linear' or 'quadratic', got {self.shape!r}")

    def at(self, step: int) -> float:
        """The weight at training ``step`` (0-based)."""
        if step < self.delay_steps:
            return 0.0
        if self.warmup_steps == 0:
            return self.weight
        progress = min(1.0, (step - self.delay_steps) / self.warmup_steps)
        return self.weight * (progress if self.shape == "linear" else progress**2)
