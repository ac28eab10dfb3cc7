"""bf16 in hardware is read off the CPU flags."""

from __future__ import annotations

import pytest

from lir_core import hardware


@pytest.mark.parametrize(("flags", "expected"), [
    ((), False), (("avx512f",), False), (("avx512_bf16", "avx512f"), True), (("amx_bf16", "amx_tile"), True),
])
def test_bf16_in_hardware_needs_amx_or_avx512_bf16(monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...],
                                                   expected: bool) -> None:
    monkeypatch.setattr(hardware, "cpu_flags", lambda: flags)
    assert hardware.bf16_in_hardware() is expected


def test_cpu_flags_are_sorted_amx_and_avx512_flags() -> None:
    flags = hardware.cpu_flags()
    assert list(flags) == sorted(flags) and all(flag.startswith(("amx", "avx512")) for flag in flags)


@pytest.mark.parametrize(("bf16", "on_gpu", "variable", "expected"), [
    (True, False, None, "bf16"), (False, False, None, "fp32"), (False, True, None, "bf16"),
    (True, False, "fp32", "fp32"), (False, False, "bf16", "bf16"),
])
def test_auto_precision_is_bf16_where_it_runs_in_hardware(monkeypatch: pytest.MonkeyPatch, bf16: bool, on_gpu: bool,
                                                          variable: str | None, expected: str) -> None:
    monkeypatch.setattr(hardware, "bf16_in_hardware", lambda: bf16)
    if variable is None:
        monkeypatch.delenv(hardware.PRECISION_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(hardware.PRECISION_VARIABLE, variable)
    assert hardware.resolve_precision("auto", on_gpu) == expected
    assert hardware.resolve_precision("fp32", on_gpu) == "fp32" and hardware.resolve_precision("bf16") == "bf16"


def test_bad_precisions_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="'auto', 'fp32' or 'bf16', got 'fp16'"):
        hardware.resolve_precision("fp16")
    monkeypatch.setenv(hardware.PRECISION_VARIABLE, "half")
    with pytest.raises(ValueError, match="LIR_INFERENCE_PRECISION='half'"):
        hardware.resolve_precision("auto")


def test_module_resolves_auto_at_construction(monkeypatch: pytest.MonkeyPatch, tiny_backbone) -> None:
    from lir_core import BiEncoderModule

    monkeypatch.setattr(hardware, "bf16_in_hardware", lambda: True)
    monkeypatch.delenv(hardware.PRECISION_VARIABLE, raising=False)
    assert BiEncoderModule(str(tiny_backbone("bert"))).inference_precision == "bf16"
    monkeypatch.setattr(hardware, "bf16_in_hardware", lambda: False)
    assert BiEncoderModule(str(tiny_backbone("bert"))).inference_precision == "fp32"
