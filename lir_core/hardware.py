"""What the CPU can do for bf16: recorded with every timing, and deciding bf16 training by default.

On CPUs with AMX or AVX512-BF16, bf16 matrix products run in hardware (several times faster than
fp32 with AMX); elsewhere PyTorch emulates them and bf16 is slower than fp32.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

BF16_FLAGS = ("amx_bf16", "avx512_bf16")


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
