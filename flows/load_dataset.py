"""Flow: materialise the experiment's collection, queries and qrels as Parquet."""

from __future__ import annotations

import sys
from typing import Any

from prefect import flow

from flows.cli import main
from flows.common import DEFAULT_PARAMS
from flows.params import load_params
from tasks.load_dataset import import_run, load_dataset


@flow(name="load-dataset")
def load_dataset_flow(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> str:
    """Write ``<artifacts>/data/{docs,queries,qrels}.parquet`` and import the ``runs`` section
    into ``<artifacts>/runs/<system>``; returns the data folder."""
    p = load_params(params_file, overrides)
    d = p.dataset
    data = load_dataset(str(p.data_dir), docs=d.docs, queries=d.queries, qrels=d.qrels)
    for system, run in p.runs.items():
        import_run(run.source, str(p.run_dir(system)), run_from=run.run_from, depth=run.depth, tag=system)
    return data


if __name__ == "__main__":
    sys.exit(main(load_dataset_flow))
