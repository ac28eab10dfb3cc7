"""Task runners chosen in params: a thread pool, or a Dask / Ray cluster (existing or local)."""

from __future__ import annotations

import logging
import os
import sys

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.params import RunnerParams

logger = logging.getLogger(__name__)

RAY_LOCAL_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def make_task_runner(params: RunnerParams) -> TaskRunner:
    """The task runner described by ``params``.

    A local cluster (no ``address``) listens on 127.0.0.1 only: Dask's ``LocalCluster`` does by
    default, and Ray is set up to (its dashboard is off). To use other machines, start a cluster
    there (``dask scheduler`` / ``ray start --head``, secured as their documentation describes)
    and give its ``address``.

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
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        if not params.address:
            _ray_on_loopback()
        from prefect_ray import RayTaskRunner  # optional: pip install prefect-ray

        if params.address:
            return RayTaskRunner(address=params.address)
        return RayTaskRunner(init_kwargs={"num_cpus": params.workers, "include_dashboard": False})
    return ThreadPoolTaskRunner(max_workers=params.workers)


def _ray_on_loopback() -> None:
    """Make the local Ray cluster this process starts listen on 127.0.0.1 only.

    Ray (2.60) turns a node address of 127.0.0.1 given to ``ray.init`` into the machine's
    network address, and its servers then listen on every interface (an unauthenticated
    cluster open to the network). With ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, which Ray reads
    once, when it is imported, the node address stays 127.0.0.1 and every server binds it.

    Raises:
        RuntimeError: If Ray was imported before without that setting.
    """
    if "ray" in sys.modules and os.environ.get(RAY_LOCAL_ONLY) != "0":
        raise RuntimeError(f"ray was imported before the local cluster was set up, so it would listen on every "
                           f"network interface; set {RAY_LOCAL_ONLY}=0 before importing ray")
    os.environ[RAY_LOCAL_ONLY] = "0"
