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
