"""Task runners chosen in params: a thread pool, or a Dask / Ray cluster (existing or local)."""

from __future__ import annotations

import logging
import os

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.params import RunnerParams

logger = logging.getLogger(__name__)


def make_task_runner(params: RunnerParams) -> TaskRunner:
    """The task runner described by ``params``.

    Workers of a Dask or Ray cluster report their task runs to ``PREFECT_API_URL``; without
    it each worker process would start a temporary Prefect server of its own, so set it
    (``prefect server start``) when using a cluster.
    """
    if params.type != "thread" and not os.environ.get("PREFECT_API_URL"):
        logger.warning("PREFECT_API_URL is not set: every %s worker will start its own temporary server", params.type)
    if params.type == "dask":
        from prefect_dask import DaskTaskRunner

        if params.address:
            return DaskTaskRunner(address=params.address)
        env = {"PREFECT_API_URL": os.environ["PREFECT_API_URL"]} if os.environ.get("PREFECT_API_URL") else {}
        return DaskTaskRunner(cluster_kwargs={"n_workers": params.workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None, "env": env})
    if params.type == "ray":
        from prefect_ray import RayTaskRunner  # optional: pip install prefect-ray

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        return RayTaskRunner(address=params.address, init_kwargs={"num_cpus": params.workers} if not params.address else None)
    return ThreadPoolTaskRunner(max_workers=params.workers)
