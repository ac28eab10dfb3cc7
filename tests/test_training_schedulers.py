"""Warmup learning-rate schedules."""

from __future__ import annotations

import pytest
import torch

from lir_core.schedulers import ConstantWarmup, LinearWarmupScheduler


def learning_rates(scheduler: torch.optim.lr_scheduler.LRScheduler, steps: int) -> list[float]:
    optimizer = scheduler.optimizer
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


def optimizer(lr: float = 1.0) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def test_constant_warmup_rises_linearly_then_stays() -> None:
    rates = learning_rates(ConstantWarmup(optimizer(), num_warmup_steps=3), 6)
    assert rates == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 1.0])


def test_constant_warmup_without_warmup_keeps_the_base_rate() -> None:
    assert learning_rates(ConstantWarmup(optimizer(0.1), num_warmup_steps=0), 3) == pytest.approx([0.1] * 3)


def test_linear_warmup_then_linear_decay_to_the_final_value() -> None:
    scheduler = LinearWarmupScheduler(optimizer(2.0), num_warmup_steps=1, num_training_steps=5, final_value=0.5)
    rates = learning_rates(scheduler, 7)
    assert rates == pytest.approx([1.0, 2.0, 1.75, 1.5, 1.25, 1.0, 1.0])


def test_schedule_resumes_from_its_state_dict() -> None:
    first = LinearWarmupScheduler(optimizer(), num_warmup_steps=2, num_training_steps=10)
    learning_rates(first, 4)
    resumed = LinearWarmupScheduler(optimizer(), num_warmup_steps=2, num_training_steps=10)
    resumed.load_state_dict(first.state_dict())
    resumed.step()
    first.step()
    assert resumed.get_last_lr() == pytest.approx(first.get_last_lr())


@pytest.mark.parametrize("kwargs,message", [
    (dict(num_warmup_steps=5, num_training_steps=5), "must exceed"),
    (dict(num_warmup_steps=1, num_training_steps=5, final_value=1.5), "final_value"),
    (dict(num_warmup_steps=-1, num_training_steps=5), "num_warmup_steps"),
])
def test_invalid_schedules_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LinearWarmupScheduler(optimizer(), **kwargs)
