"""Command line shared by all flows: ``python -m flows.<name> --params params/<file>.yaml``.

``--set key.sub=value`` overrides a params value (YAML syntax) for this run only. The
process exits with status 1 when the flow fails and 2 when the params are invalid, so DVC
and schedulers see the failure.

A run holds the lock of its artifacts folders (:mod:`flows.locking`): a second run into the
same folders waits for the first, naming it; ``--lock-timeout SECONDS`` (or
``LIR_LOCK_TIMEOUT``) bounds the wait, ``0`` fails at once (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from prefect import Flow
from pydantic import ValidationError

from flows.locking import ArtifactsLocked, artifacts_lock, lock_timeout, params_folders
from flows.params import load_params
from flows.runners import make_task_runner


def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    """``["a.b=1", ...]`` -> ``{"a.b": "1"}``."""
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"--set expects KEY=VALUE, got {item!r}")
        overrides[key] = value
    return overrides


def main(flow: Flow[..., Any], argv: Sequence[str] | None = None, uses_runner: bool = False) -> int:
    """Run ``flow(params_file=..., overrides=...)`` from the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog=f"python -m flows.{flow.name.replace('-', '_')}", description=flow.description)
    parser.add_argument("--params", required=True, help="params YAML file, e.g. params/scifact.yaml")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a params value")
    parser.add_argument("--lock-timeout", type=float, default=None, metavar="SECONDS",
                        help="how long to wait while another run uses the same artifacts folder (default: "
                             "$LIR_LOCK_TIMEOUT, else no limit; 0 fails at once)")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.set)
        params = load_params(args.params, overrides)
        folders = params_folders(args.params, overrides or None)
        timeout = lock_timeout(args.lock_timeout)
    except (OSError, ValueError, ValidationError, argparse.ArgumentTypeError) as error:
        print(f"invalid params: {error}", file=sys.stderr)
        return 2
    if uses_runner:
        flow = flow.with_options(task_runner=make_task_runner(params.runner))
    try:
        with artifacts_lock(folders, timeout, what=f"flow {flow.name} --params {args.params}",
                            log=lambda line: print(line, file=sys.stderr, flush=True)):
            flow(params_file=args.params, overrides=overrides or None)
    except ArtifactsLocked as error:
        print(f"flow {flow.name!r} not started: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # the flow's own logs carry the traceback
        print(f"flow {flow.name!r} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0
