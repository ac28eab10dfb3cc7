"""Learning-rate schedules with a linear warmup, stepped once per optimizer step.

Both are ``torch.optim.lr_scheduler.LRScheduler`` subclasses, so the CLI accepts them in
YAML by short name::

    lr_scheduler:
      class_path: LinearWarmupScheduler
      init_args:
        num_warmup_steps: 100
        num_training_steps: 1000

The CLI (and ``LightningIRModule.set_optimizer``) step them every optimizer step, not
every epoch.
"""

from __future__ import annotations

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler


def warmup_factor(step: int, num_warmup_steps: int) -> float:
    """Fraction of the base learning rate during a linear warmup from 0 (1.0 once it is over)."""
    if step >= num_warmup_steps:
        return 1.0
    return (step + 1) / (num_warmup_steps + 1)


class ConstantWarmup(LRScheduler):
    """Linear warmup from near 0 to the base learning rate, then constant.

    Args:
        optimizer: The optimizer whose learning rates are scheduled.
        num_warmup_steps: Steps until the base learning rate is reached (0: no warmup).
        last_epoch: Index of the last step when resuming (-1 starts afresh).

    Raises:
        ValueError: If ``num_warmup_steps`` is negative.
    """

    def __init__(self, optimizer: Optimizer, num_warmup_steps: int, last_epoch: int = -1) -> None:
        if num_warmup_steps < 0:
            raise ValueError(f"num_warmup_steps must be >= 0, got {num_warmup_steps}")
        self.num_warmup_steps = num_warmup_steps
        super().__init__(optimizer, last_epoch)

    def factor(self, step: int) -> float:
        """Multiplier of the base learning rate at ``step``."""
        return warmup_factor(step, self.num_warmup_steps)

    def get_lr(self) -> list[float]:
        """Learning rates of the parameter groups at the current step."""
        factor = self.factor(self.last_epoch)
        return [base_lr * factor for base_lr in self.base_lrs]


class LinearWarmupScheduler(ConstantWarmup):
    """Linear warmup, then linear decay to ``final_value`` times the base learning rate.

    Args:
        optimizer: The optimizer whose learning rates are scheduled.
        num_warmup_steps: Steps until the base learning rate is reached.
        num_training_steps: Step at which the decay ends (the rate stays at its final value
            afterwards).
        final_value: Fraction of the base learning rate reached at ``num_training_steps``.
        last_epoch: Index of the last step when resuming (-1 starts afresh).

    Raises:
        ValueError: If the warmup does not end before ``num_training_steps`` or
            ``final_value`` is outside [0, 1].
    """

    def __init__(
        self,
        optimizer: Optimizer,
        num_warmup_steps: int,
        num_training_steps: int,
        final_value: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if num_training_steps <= num_warmup_steps:
            raise ValueError(
                f"num_training_steps ({num_training_steps}) must exceed num_warmup_steps ({num_warmup_steps})"
            )
        if not 0.0 <= final_value <= 1.0:
            raise ValueError(f"final_value must be in [0, 1], got {final_value}")
        self.num_training_steps = num_training_steps
        self.final_value = final_value
        super().__init__(optimizer, num_warmup_steps, last_epoch)

    def factor(self, step: int) -> float:
        """Multiplier of the base learning rate at ``step``."""
        if step < self.num_warmup_steps:
            return warmup_factor(step, self.num_warmup_steps)
        progress = min(1.0, (step - self.num_warmup_steps) / (self.num_training_steps - self.num_warmup_steps))
        return 1.0 - (1.0 - self.final_value) * progress
