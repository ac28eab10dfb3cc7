"""Killing a subprocess at a chosen moment (kill -9 tests: the work must survive it)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any


def kill_when(process: subprocess.Popen[Any], ready: Callable[[], bool], what: str, timeout: float = 300) -> None:
    """SIGKILL ``process`` as soon as ``ready()`` holds (asked every 0.1 s); the test fails when the
    process ends, or ``timeout`` seconds pass, before ``what`` (the moment waited for) happens."""
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            assert process.poll() is None, f"the process ended before {what}"
            assert time.monotonic() < deadline, f"no {what} within {timeout} s"
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
