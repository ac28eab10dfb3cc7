"""Helpers the flows share: default params file, artifact keys, stage timing."""

from __future__ import annotations

import re
from pathlib import Path

from flows.params import Params
from tasks.artifacts import is_valid_artifact, load_manifest

DEFAULT_PARAMS = "params/scifact.yaml"


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key (lowercase letters, digits and dashes) from name parts."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


def require(path: str | Path, stage: str, params_file: str) -> None:
    """Fail early, naming the command to run, when an input artifact of this stage is missing."""
    if not is_valid_artifact(path):
        raise FileNotFoundError(f"{path} is missing or incomplete; run `python -m flows.{stage} --params {params_file}` "
                                "first (or `dvc repro`)")


def is_local_path(ref: str) -> bool:
    """True for a model ref that can only be a folder: hub ids are ``name`` or ``org/name``."""
    return not ref.startswith("pkg://") and (ref.startswith((".", "/", "~")) or ref.count("/") >= 2)


def require_models(p: Params, keys: list[str], params_file: str) -> None:
    """Fail early when a model among ``keys`` is missing: a fine-tuned one names the fine-tune stage;
    a folder (e.g. a model another params file fine-tunes) names the params entry."""
    for key in keys:
        if key in p.fine_tune:
            require(p.model_dir(key), "fine_tune", params_file)
        elif key in p.models and is_local_path(p.models[key].path):
            folder = Path(p.models[key].path).expanduser()
            # a folder with a manifest was written by a pipeline of ours: it must be complete
            if not folder.is_dir() or (load_manifest(folder) is not None and not is_valid_artifact(folder)):
                raise FileNotFoundError(
                    f"{params_file}: models.{key}.path {folder} is missing or incomplete (a model made by "
                    "another pipeline? run that one first, e.g. its `dvc repro` stage)")
