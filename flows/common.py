"""Helpers the flows share: default params file, artifact keys, stage timing."""

from __future__ import annotations

import re
from pathlib import Path

from flows.params import Params
from tasks.artifacts import is_valid_artifact

DEFAULT_PARAMS = "params/scifact.yaml"


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key (lowercase letters, digits and dashes) from name parts."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


def require(path: str | Path, stage: str, params_file: str) -> None:
    """Fail early, naming the command to run, when an input artifact of this stage is missing."""
    if not is_valid_artifact(path):
        raise FileNotFoundError(f"{path} is missing or incomplete; run `python -m flows.{stage} --params {params_file}` "
                                "first (or `dvc repro`)")


def require_models(p: Params, keys: list[str], params_file: str) -> None:
    """Fail early, naming the fine-tune stage, when a fine-tuned model among ``keys`` is missing."""
    for key in keys:
        if key in p.fine_tune:
            require(p.model_dir(key), "fine_tune", params_file)
