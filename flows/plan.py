"""What a params file would run, without running or downloading anything (a dry run).

``python -m flows.plan --params params/paper/table2-trec-dl.yaml`` prints, per variant, the stages
that have work, the imported runs, each model with the ``lir_core`` config class its checkpoint
resolves to (registry lookups: hub ids are not downloaded, except that sentence-transformers ids
read their module stack from a snapshot), the fine-tunings, the index families, the systems and
their expected scores.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from flows.params import Params, load_params, variant_overrides

DEFAULT_CONFIGS = {"bi-encoder": "BiEncoderConfig", "cross-encoder": "CrossEncoderConfig"}


def config_class_of(path: str, model_type: str) -> tuple[str, str]:
    """The config class name a checkpoint resolves to (the module's default when the checkpoint
    implies none) and the backbone it loads."""
    from lir_core.base.checkpoint import resolve_checkpoint
    from tasks.artifacts import resolve_ref

    resolved = resolve_checkpoint(resolve_ref(path))
    name = type(resolved.config).__name__ if resolved.config is not None else DEFAULT_CONFIGS[model_type]
    return name, resolved.backbone_path


def plan_variant(p: Params) -> dict[str, Any]:
    """The plan of one loaded params (one variant)."""
    from tasks.fine_tune import model_config

    models = {}
    for key, model in p.models.items():
        config, backbone = config_class_of(model.path, model.type)
        models[key] = {"path": model.path, "type": model.type, "config": config, "backbone": backbone}
    for key, settings in p.fine_tune.items():
        config = model_config(settings.config)
        models[key] = {"path": str(p.model_dir(key)), "type": settings.type, "base": settings.base,
                       "config": type(config).__name__ if config is not None else models[settings.base]["config"],
                       "backbone": models[settings.base]["backbone"], "train": settings.train.model_dump()}
    indexes = {}
    for key, settings in p.index.items():
        indexes[key] = {"index_type": settings.index_type, "model": settings.model}
    stages = ["load_dataset", *(["fine_tune"] if p.fine_tune else []), *(["index"] if p.index else []),
              *(["search"] if p.search else []), *(["re_rank"] if p.re_rank else []), "evaluate"]
    return {
        "name": p.name, "variant": p.variant, "artifacts": str(p.root), "stages": stages,
        "dataset": p.dataset.model_dump(), "runs": {k: v.model_dump() for k, v in p.runs.items()},
        "models": models, "index": indexes,
        "search": {k: {"index": v.index, "index_type": p.index[v.index].index_type, "k": v.k,
                       **({"query_model": v.query_model} if v.query_model else {})} for k, v in p.search.items()},
        "re_rank": {k: ({"run": v.run, "fuse_with": v.fuse_with, "weight": v.weight} if v.fuse_with else
                        {"run": v.run, "model": v.model, "type": p.model(v.model).type, "depth": v.depth})
                    for k, v in p.re_rank.items()},
        "systems": p.systems,
        "measures": p.evaluate.measures,
        "expected": ({"measure": p.expected.measure, "tolerance": p.expected.tolerance,
                      "scores": {s: p.expected_score(s) for s in p.systems if p.expected_score(s) is not None}}
                     if p.expected else None),
    }


def plan(params_file: str, overrides: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One plan per run of the params file (per variant when it has variants)."""
    return [plan_variant(load_params(params_file, variant)) for variant in variant_overrides(params_file, overrides)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.plan", description=__doc__.split("\n")[0])
    parser.add_argument("--params", required=True, help="params YAML file")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a params value")
    args = parser.parse_args(argv)
    from flows.cli import parse_overrides

    try:
        plans = plan(args.params, parse_overrides(args.set) or None)
    except (OSError, ValueError, argparse.ArgumentTypeError) as error:  # as the flows' command line reports them
        print(f"invalid params: {error}", file=sys.stderr)
        return 2
    print(json.dumps(plans, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
