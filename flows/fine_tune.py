"""Flow: fine-tune the models of the params' ``fine_tune`` section (progress as a Prefect artifact)."""

from __future__ import annotations

import sys
from typing import Any

from prefect import flow

from flows.cli import main
from flows.common import DEFAULT_PARAMS, artifact_key
from flows.params import load_params
from tasks.fine_tune import fine_tune


@flow(name="fine-tune")
def fine_tune_flow(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Train each ``fine_tune`` entry from its base model; returns {key: model folder}."""
    p = load_params(params_file, overrides)
    models = {}
    for key, settings in p.fine_tune.items():
        train = settings.train
        models[key] = fine_tune(p.models[settings.base].path, train.tuples, str(p.model_dir(key)),
                                model_type=settings.type, config=settings.config, losses=train.losses, lr=train.lr,
                                max_steps=train.max_steps, batch_size=train.batch_size, num_docs=train.num_docs,
                                seed=train.seed, docs=train.docs, queries=train.queries,
                                key=artifact_key(p.name, "fine-tune", key))
    return models


if __name__ == "__main__":
    sys.exit(main(fine_tune_flow))
