"""Flow: mine the params' ``tuples`` (and score them with their teachers), then fine-tune its
``fine_tune`` models (progress as a Prefect artifact)."""

from __future__ import annotations

import sys
from typing import Any

from prefect import flow

from flows.cli import main
from flows.common import DEFAULT_PARAMS, artifact_key, require
from flows.params import Params, load_params
from tasks.fine_tune import fine_tune
from tasks.mine_negatives import QUERIES, mine_negatives
from tasks.re_rank import fuse, re_rank


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
                       validation_fraction=mined.validation_fraction, validation_depth=mined.validation_depth,
                       titles=p.dataset.docs if mined.pseudo_queries == "titles" else None)
        if mined.teacher is not None:
            score_with_teacher(p, name)
    models = {}
    for key, settings in p.fine_tune.items():
        train = settings.train
        base = p.models[settings.base]
        models[key] = fine_tune(base.path, p.training_tuples(key), str(p.model_dir(key)), model_type=settings.type,
                                config=settings.config or base.config, losses=train.losses, lr=train.lr,
                                max_steps=train.max_steps, warmup_steps=train.warmup_steps,
                                batch_size=train.batch_size, num_docs=train.num_docs,
                                query_length=train.query_length, doc_length=train.doc_length,
                                seed=train.seed,
                                freeze_docs=train.freeze_docs, validation=p.validation_dir(key),
                                **distillation_data(p, key),
                                validate_every=train.validate_every, patience=train.patience,
                                key=artifact_key(p.name, "fine-tune", key))
    return models


def score_with_teacher(p: Params, tuples: str) -> str:
    """Score the BM25 run kept with mined ``tuples`` by their teacher (interpolated with BM25 when
    it has a ``bm25_weight``); returns the teacher run folder."""
    teacher, tuples_dir = p.tuples[tuples].teacher, str(p.tuples_dir(tuples))
    assert teacher is not None, "only tuples with a teacher are scored"
    model, folder = p.model(teacher.model), p.shared_root / "teachers" / tuples
    scores = re_rank(tuples_dir, f"{tuples_dir}/{QUERIES}", p.docs_file(), model.path, str(folder / "scores"),
                     model_type=model.type, depth=p.tuples[tuples].depth, precision=model.precision,
                     tag="teacher", model_config=model.config)
    if teacher.bm25_weight == 0:
        return scores
    return fuse(scores, tuples_dir, str(folder / "fused"), weight=1 - teacher.bm25_weight, tag="teacher")


def distillation_data(p: Params, key: str) -> dict[str, str | None]:
    """The fine_tune task's ``teacher``, ``docs`` and ``queries`` for a ``fine_tune`` entry."""
    train, teacher = p.fine_tune[key].train, p.teacher_run(key)
    if teacher is None:
        return {"teacher": None, "docs": train.docs, "queries": train.queries}
    return {"teacher": teacher, "docs": p.docs_file(), "queries": f"{p.tuples_dir(train.tuples)}/{QUERIES}"}


if __name__ == "__main__":
    sys.exit(main(fine_tune_flow))
