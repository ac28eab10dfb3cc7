"""Flow: mine the params' ``tuples``, then fine-tune its ``fine_tune`` models (progress as a Prefect artifact)."""

from __future__ import annotations

import sys
from typing import Any

from prefect import flow

from flows.cli import main
from flows.common import DEFAULT_PARAMS, artifact_key, require
from flows.params import load_params
from tasks.fine_tune import fine_tune
from tasks.mine_negatives import mine_negatives


@flow(name="fine-tune")
def fine_tune_flow(params_file: str = DEFAULT_PARAMS, overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Train each ``fine_tune`` entry from its base model; returns {key: model folder}."""
    p = load_params(params_file, overrides)
    used = {settings.train.tuples for settings in p.fine_tune.values()} & set(p.tuples)
    if used:
        require(p.data_dir, "load_dataset", params_file)
    for name in sorted(used):
        mined = p.tuples[name]
        mine_negatives(p.docs_file(), mined.queries, mined.qrels, str(p.tuples_dir(name)),
                       depth=mined.depth, num_negatives=mined.num_negatives,
                       validation_fraction=mined.validation_fraction, validation_depth=mined.validation_depth)
    models = {}
    for key, settings in p.fine_tune.items():
        train = settings.train
        base = p.models[settings.base]
        models[key] = fine_tune(base.path, p.training_tuples(key), str(p.model_dir(key)), model_type=settings.type,
                                config=settings.config or base.config, losses=train.losses, lr=train.lr,
                                max_steps=train.max_steps, warmup_steps=train.warmup_steps,
                                batch_size=train.batch_size, num_docs=train.num_docs,
                                query_length=train.query_length, doc_length=train.doc_length,
                                seed=train.seed, docs=train.docs, queries=train.queries,
                                freeze_docs=train.freeze_docs, validation=p.validation_dir(key),
                                validate_every=train.validate_every, patience=train.patience,
                                key=artifact_key(p.name, "fine-tune", key))
    return models


if __name__ == "__main__":
    sys.exit(main(fine_tune_flow))
