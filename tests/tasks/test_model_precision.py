"""Model precision "auto": bf16 where the CPU does bf16 in hardware, else fp32."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import lir_core.hardware
import tasks.models
from tasks.models import load_module


@pytest.mark.parametrize(("hardware", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_precision_follows_the_cpu(monkeypatch: pytest.MonkeyPatch, tiny_backbone: Callable[..., Path],
                                        hardware: bool, expected: str) -> None:
    monkeypatch.setattr(lir_core.hardware, "bf16_in_hardware", lambda: hardware)
    monkeypatch.delenv(lir_core.hardware.PRECISION_VARIABLE)  # the suite fixes "auto" to fp32 (conftest)
    monkeypatch.setattr(tasks.models.torch.cuda, "is_available", lambda: False)
    module, _ = load_module(str(tiny_backbone("bert")), "bi-encoder", "auto", {"class": "DprConfig"})
    assert module.inference_precision == expected
