"""Loss weight schedules: delay, linear or quadratic warm-up, for any loss."""

from __future__ import annotations

import pytest
import torch

from lir_core.base.training import TrainingOutput, compute_losses
from lir_core.data.samples import RankBatch
from lir_core.loss import FLOPSRegularization, KLDivergence, LocalizedContrastiveEstimation, WeightSchedule
from lir_core.loss.spec import loss_from_spec


@pytest.mark.parametrize(("shape", "expected"), [
    ("linear", [0.0, 0.0, 0.0, 0.5, 1.0, 2.0, 2.0]),
    ("quadratic", [0.0, 0.0, 0.0, 0.125, 0.5, 2.0, 2.0]),
])
def test_delay_then_ramp_then_constant(shape: str, expected: list[float]) -> None:
    schedule = WeightSchedule(weight=2.0, delay_steps=2, warmup_steps=4, shape=shape)  # type: ignore[arg-type]
    assert [schedule.at(step) for step in (0, 1, 2, 3, 4, 6, 100)] == pytest.approx(expected)
    assert WeightSchedule().at(0) == 1.0 and WeightSchedule(0.3, delay_steps=5).at(5) == 0.3


def test_invalid_schedules_are_rejected() -> None:
    for bad in ({"weight": -1.0}, {"delay_steps": -1}, {"warmup_steps": -2}, {"shape": "cubic"}):
        with pytest.raises(ValueError):
            WeightSchedule(**bad)  # type: ignore[arg-type]


def test_regularizers_can_wait_before_warming_up() -> None:
    flops = FLOPSRegularization(weight=1.0, warmup_steps=10, delay_steps=5)
    assert [flops.weight_at(step) for step in (0, 5, 10, 15)] == pytest.approx([0.0, 0.0, 0.25, 1.0])


def test_compute_losses_weighs_scoring_losses_by_their_schedule() -> None:
    batch = RankBatch(queries=["q"], docs=[("a", "b")], query_ids=["q"], doc_ids=[("a", "b")],
                      targets=torch.tensor([2.0, 0.0]))
    output = TrainingOutput(scores=torch.tensor([1.0, 0.0]))
    plain = LocalizedContrastiveEstimation()
    delayed = LocalizedContrastiveEstimation().scheduled({"weight": 0.5, "delay_steps": 10})
    assert compute_losses([delayed], output, batch, step=3)["LocalizedContrastiveEstimation"].item() == 0.0
    full = compute_losses([plain], output, batch, step=20)["LocalizedContrastiveEstimation"]
    half = compute_losses([delayed], output, batch, step=20)["LocalizedContrastiveEstimation"]
    assert half.item() == pytest.approx(0.5 * full.item())


def test_params_give_a_loss_a_schedule() -> None:
    loss = loss_from_spec({"class": "KLDivergence", "schedule": {"weight": 0.2, "warmup_steps": 10}})
    assert isinstance(loss, KLDivergence) and loss.weight_at(5) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="takes no schedule"):
        loss_from_spec({"class": "FLOPSRegularization", "weight": 1e-3, "schedule": {"weight": 1.0}})
    with pytest.raises(ValueError, match="unknown loss 'WeightSchedule'"):
        loss_from_spec("WeightSchedule")
