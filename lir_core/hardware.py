"""What the CPU can do for bf16: recorded with every timing, and deciding bf16 training and inference by default.

On CPUs with AMX or AVX512-BF16, bf16 matrix products run in hardware (several times faster than
fp32 with AMX); elsewhere PyTorch emulates them and bf16 is slower than fp32.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

BF16_FLAGS = ("amx_bf16", "avx512_bf16")
# What ``inference_precision="auto"`` becomes, where a user (or a test suite that compares with
# fp32 references) wants one precision whatever the CPU: "fp32" or "bf16".
PRECISION_VARIABLE = "LIR_INFERENCE_PRECISION"


@lru_cache(maxsize=1)
def cpu_flags() -> tuple[str, ...]:
    """The CPU's AMX and AVX-512 flags from ``/proc/cpuinfo`` (empty where it does not exist)."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.is_file():
        return ()
    flags = set(cpuinfo.read_text().split())
    return tuple(sorted(flag for flag in flags if flag.startswith(("amx", "avx512"))))


def bf16_in_hardware() -> bool:
    """Whether the CPU does bf16 matrix products in hardware (AMX or AVX512-BF16)."""
    return any(flag in BF16_FLAGS for flag in cpu_flags())


def resolve_precision(precision: str, on_gpu: bool = False) -> Literal["fp32", "bf16"]:
    """``"fp32"`` and ``"bf16"`` as they are; ``"auto"`` is ``$LIR_INFERENCE_PRECISION`` where set,
    else bf16 on a GPU or on a CPU that does bf16 in hardware, else fp32 (emulated bf16 is slower).

    Raises:
        ValueError: For any other value, or a ``$LIR_INFERENCE_PRECISION`` other than fp32/bf16.
    """
    if precision in ("fp32", "bf16"):
        return precision  # type: ignore[return-value]
    if precision != "auto":
        raise ValueError(f"inference precision must be 'auto', 'fp32' or 'bf16', got {precision!r}")
    chosen = os.environ.get(PRECISION_VARIABLE, "").strip()
    if chosen:
        if chosen not in ("fp32", "bf16"):
            raise ValueError(f"${PRECISION_VARIABLE}={chosen!r}: must be 'fp32' or 'bf16'")
        return chosen  # type: ignore[return-value]
    return "bf16" if on_gpu or bf16_in_hardware() else "fp32"
