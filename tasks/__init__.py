"""Prefect tasks, one per verb (load, fine-tune, encode shard, index, search, re-rank, evaluate).

Each calls ``lir_core``, writes one artifact folder with a ``manifest.json`` and returns its
path; :class:`tasks.caching.ArtifactCache` keys them on content so finished work is reused.

Tasks report progress as Prefect progress artifacts and log lines, so the library's terminal
progress bars (:mod:`lir_core.progress`) are off in them: importing this package sets
``LIR_PROGRESS=0`` unless it is set (a local Dask or Ray cluster's workers inherit it), as bars
from parallel workers would garble the log; ``LIR_PROGRESS=1`` turns them back on.
"""

import os

os.environ.setdefault("LIR_PROGRESS", "0")
