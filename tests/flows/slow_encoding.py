"""Run a module as ``python -m`` would, with every shard's encoding delayed, so that a test can
kill the process between shards (the delay lives here, not in the production code).

    python tests/flows/slow_encoding.py SECONDS MODULE [ARGS...]

e.g. ``python tests/flows/slow_encoding.py 2 flows.index --params p.yaml``. The ``encode_shard``
task (``tasks.encode_shard``) waits ``SECONDS`` before each shard it encodes; shards that are
up to date are kept without waiting, as before.
"""

from __future__ import annotations

import runpy
import sys
import time
from typing import Any


def slow_down(seconds: float) -> None:
    """Make the ``encode_shard`` task wait ``seconds`` before each shard it encodes."""
    import tasks.encode_shard as task_module

    encode = task_module.encode

    def slow_encode(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return encode(*args, **kwargs)

    task_module.encode = slow_encode


if __name__ == "__main__":
    delay, module, *arguments = sys.argv[1:]
    slow_down(float(delay))
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
