"""Flow: search every configured index; one run folder per system."""

from __future__ import annotations

import sys
from typing import Any

from prefect import flow

from flows.cli import main
from flows.common import DEFAULT_PARAMS, require, require_models
from flows.params import load_params
from tasks.search import search


@flow(name="search")
def search_flow(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Run the params' ``search`` section; returns {system: run folder}."""
    p = load_params(params_file, overrides)
    require(p.data_dir, "load_dataset", params_file)
    for key in {s.index for s in p.search.values()}:
        require(p.index_dir(key), "index", params_file)
    require_models(p, [p.index[s.index].model for s in p.search.values() if p.index[s.index].model]
                   + [s.query_model for s in p.search.values() if s.query_model], params_file)
    futures = {}
    for system, settings in p.search.items():
        model_key = p.index[settings.index].model
        model = p.model(model_key) if model_key else None
        query_encoder = p.model(settings.query_model) if settings.query_model else model
        futures[system] = search.submit(
            str(p.index_dir(settings.index)), p.queries_file(), str(p.run_dir(system)), k=settings.k,
            model=model.path if model else None, batch_size=settings.batch_size, config=settings.config,
            precision=model.precision if model else "fp32", tag=system,
            query_model=query_encoder.path if settings.query_model and query_encoder else None,
            model_config=query_encoder.config if query_encoder else None)
    return {system: future.result() for system, future in futures.items()}


if __name__ == "__main__":
    sys.exit(main(search_flow))
