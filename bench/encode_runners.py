"""The encode flow on Prefect's task runners, side by side: threads, a local Dask cluster and local Ray.

The index flow of the main job's params (``params/scifact.yaml``: SciFact's 5,183 documents,
all-MiniLM-L6-v2 in fp32, shards of 1,024 documents) runs once per runner, each into its own
artifacts folder, one after the other in this process. Dask and Ray get ``--workers`` local
worker processes; on a 2-core machine no speed-up is expected, so the figure is the overhead:
the run's time minus the thread runner's, per shard. The shards of every runner must be the
same bytes as the thread runner's (their manifests' checksums are compared).

Writes ``bench/results/encode_runners.json`` with the CPU flags. Needs a Prefect server
(``scripts/with_prefect_server.sh`` starts one) and the data seeded (``make seed``).

Usage:
    scripts/with_prefect_server.sh .venv/bin .venv/bin/python bench/encode_runners.py [--runners thread,dask,ray] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from pathlib import Path

from lir_core.artifacts import Manifest, write_text_atomic
from lir_core.hardware import cpu_flags

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "encode_runners.json"
PARAMS = "params/scifact.yaml"
INDEX = "minilm"


def shard_checksums(shards: Path) -> dict[str, str]:
    """File name -> sha256 of a finished shard folder."""
    manifest = Manifest.load(shards)
    if manifest is None:
        raise RuntimeError(f"{shards} has no manifest: the encode flow did not finish")
    return {name: entry.sha256 for name, entry in manifest.files.items()}


def run(runner: str, workers: int, work: Path) -> dict[str, object]:
    """The index flow with one runner into ``work / runner``; its time and shard checksums."""
    from flows.index import index_flow
    from flows.load_dataset import load_dataset_flow
    from flows.params import RunnerParams, load_params
    from flows.runners import make_task_runner

    artifacts = work / runner
    shutil.rmtree(artifacts, ignore_errors=True)
    overrides = {"artifacts": str(artifacts), "runner.type": runner, "runner.workers": str(workers)}
    load_dataset_flow(params_file=PARAMS, overrides=overrides)  # not timed: Parquet of the collection
    p = load_params(PARAMS, overrides)
    started = time.perf_counter()
    index_flow.with_options(task_runner=make_task_runner(RunnerParams(type=runner, workers=workers)))(
        params_file=PARAMS, overrides=overrides)
    seconds = time.perf_counter() - started
    checksums = shard_checksums(p.shards_dir(INDEX))
    return {"seconds": round(seconds, 1), "shards": sum(name.endswith(".parquet") for name in checksums),
            "checksums": checksums}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runners", default="thread,dask,ray")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=ROOT / "bench" / ".cache" / "encode_runners")
    args = parser.parse_args()
    if not os.environ.get("PREFECT_API_URL"):
        parser.error("no PREFECT_API_URL: run it under scripts/with_prefect_server.sh (see the usage)")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # threads as the main job runs them (one task at a time); the clusters with --workers processes
    runs = {runner: run(runner, 1 if runner == "thread" else args.workers, args.work_dir)
            for runner in args.runners.split(",")}
    baseline = runs["thread"]
    report = {
        "description": __doc__.split("\n\n")[0],
        "command": "scripts/with_prefect_server.sh .venv/bin .venv/bin/python bench/encode_runners.py "
                   f"--runners {args.runners} --workers {args.workers}",
        "params": PARAMS, "index": INDEX, "workers": args.workers,
        "machine": {"cpus": os.cpu_count(), "machine": platform.machine(), "cpu_flags": cpu_flags()},
        "runs": {runner: {"seconds": r["seconds"], "shards": r["shards"],
                          "identical_shards": r["checksums"] == baseline["checksums"],
                          "overhead_per_shard_s": round((r["seconds"] - baseline["seconds"]) / r["shards"], 1)}
                 for runner, r in runs.items()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["runs"], indent=2))


if __name__ == "__main__":
    main()
