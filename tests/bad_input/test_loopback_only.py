"""A local Dask or Ray cluster started for ``runner.type`` listens on loopback addresses only.

Each cluster starts in a fresh process (Ray reads its network settings when it is imported),
which runs one task on it and then lists the listening sockets of its whole process tree.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

LIST_SOCKETS = """
import json, os, sys
import psutil
from flows.params import RunnerParams
from flows.runners import make_task_runner

runner = make_task_runner(RunnerParams(type=sys.argv[1], workers=1))
with runner:
    if sys.argv[1] == "dask":
        assert runner.client.submit(os.getpid).result() != os.getpid()
    else:
        import ray
        assert ray.get(ray.remote(lambda: os.getpid()).remote()) != os.getpid()
    tree = {p.pid: p.name() for p in [psutil.Process(), *psutil.Process().children(recursive=True)]}
    listening = [(tree[c.pid], c.laddr.ip, c.laddr.port) for c in psutil.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.pid in tree]
print("SOCKETS " + json.dumps({"processes": len(tree), "listening": listening}))
"""


def is_loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def listening_sockets(runner: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0", "DO_NOT_TRACK": "1"}
    env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    result = subprocess.run([sys.executable, "-c", LIST_SOCKETS, runner], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    line, = [line for line in result.stdout.splitlines() if line.startswith("SOCKETS ")]
    return json.loads(line.removeprefix("SOCKETS "))


@pytest.mark.parametrize("runner", ["dask", "ray"])
def test_local_cluster_listens_on_loopback_only(runner: str) -> None:
    pytest.importorskip(f"prefect_{runner}")
    sockets = listening_sockets(runner)
    assert sockets["processes"] > 1 and sockets["listening"]  # the cluster's processes and servers were seen
    assert [s for s in sockets["listening"] if not is_loopback(s[1])] == []


def test_ray_imported_before_the_local_cluster_is_set_up_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.params import RunnerParams
    from flows.runners import make_task_runner

    monkeypatch.delenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", raising=False)
    monkeypatch.setitem(sys.modules, "ray", sys.modules.get("ray") or object())
    with pytest.raises(RuntimeError, match="would listen on every network interface; set "
                                           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before importing ray"):
        make_task_runner(RunnerParams(type="ray"))
