"""Flow: re-rank runs with bi- or cross-encoders (or interpolate two runs); one run folder per system."""

from __future__ import annotations

import sys
from typing import Any

from prefect import flow

from flows.cli import main
from flows.common import DEFAULT_PARAMS, require, require_models
from flows.params import load_params
from tasks.re_rank import fuse, re_rank


@flow(name="re-rank")
def re_rank_flow(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Run the params' ``re_rank`` section in order (a system may re-rank an earlier one)."""
    p = load_params(params_file, overrides)
    require(p.data_dir, "load_dataset", params_file)
    sources = {s.run for s in p.re_rank.values()} | {s.fuse_with for s in p.re_rank.values() if s.fuse_with}
    for source in sources & (set(p.search) | set(p.runs)):
        require(p.run_dir(source), p.stage_of(source), params_file)
    require_models(p, [s.model for s in p.re_rank.values() if s.model], params_file)
    runs = {}
    for system, settings in p.re_rank.items():
        if settings.fuse_with:
            runs[system] = fuse(str(p.run_dir(settings.run)), str(p.run_dir(settings.fuse_with)),
                                str(p.run_dir(system)), weight=settings.weight, tag=system)
            continue
        model = p.model(settings.model)
        runs[system] = re_rank(str(p.run_dir(settings.run)), p.queries_file(), p.docs_file(), model.path,
                               str(p.run_dir(system)), model_type=model.type, depth=settings.depth,
                               batch_size=settings.batch_size, precision=model.precision, tag=system,
                               model_config=model.config)
    return runs


if __name__ == "__main__":
    sys.exit(main(re_rank_flow))
