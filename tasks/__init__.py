"""Prefect tasks, one per verb (load, fine-tune, encode shard, index, search, re-rank, evaluate).

Each calls ``lir_core``, writes one artifact folder with a ``manifest.json`` and returns its
path; :class:`tasks.caching.ArtifactCache` keys them on content so finished work is reused.
"""
