"""The params file of an experiment (``params/*.yaml``), validated, and where its artifacts go.

One file describes one experiment end to end: the dataset, the models, which indexes to
build, which systems to search and re-rank, and how to evaluate. Every stage flow reads the
same file and picks its section, so DVC can depend on exactly the keys a stage uses.
Unknown keys are errors (a typo must not silently fall back to a default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunnerParams(_Strict):
    """Where tasks run. ``thread``: a thread pool in the flow's process; ``dask`` / ``ray``:
    an existing cluster at ``address``, or a local one of ``workers`` processes when it is null."""

    type: Literal["thread", "dask", "ray"] = "thread"
    address: str | None = None
    workers: int = Field(1, ge=1)


class DatasetParams(_Strict):
    """Sources: files (TSV/JSONL/Parquet) or ``ir_datasets`` ids."""

    docs: str
    queries: str
    qrels: str | None = None
    train_queries: str | None = None
    train_qrels: str | None = None


class ModelParams(_Strict):
    """A model folder, hub id or ``pkg://<package>/<folder>`` (resolved at run time)."""

    path: str
    type: Literal["bi-encoder", "cross-encoder"] = "bi-encoder"
    precision: Literal["fp32", "bf16"] = "fp32"


class TrainParams(_Strict):
    """Training data and schedule: ``tuples`` is a JSONL/Parquet tuples file or an ``ir_datasets``
    docpairs id; ``docs``/``queries`` supply texts the tuples lack; ``losses`` name ``lir_core.loss`` classes."""

    tuples: str
    docs: str | None = None
    queries: str | None = None
    losses: list[str] = Field(default_factory=lambda: ["LocalizedContrastiveEstimation"])
    lr: float = Field(2e-5, gt=0)
    max_steps: int = Field(100, ge=1)
    batch_size: int = Field(8, ge=1)
    num_docs: int | None = Field(None, ge=1)
    seed: int = 0


class FineTuneParams(_Strict):
    """Fine-tune ``base`` (a key of ``models``); the result is usable as a model under this entry's key.
    ``config`` (``{class: DprConfig, ...}``) replaces the base checkpoint's model config."""

    base: str
    type: Literal["bi-encoder", "cross-encoder"] = "bi-encoder"
    config: dict[str, Any] | None = None
    train: TrainParams


class IndexParams(_Strict):
    """An index: ``config.index_type`` names the family (``bm25``, ``faiss-flat``, ...)."""

    model: str | None = None
    config: dict[str, Any] = Field(default_factory=lambda: {"index_type": "faiss-flat"})
    shard_size: int = Field(1000, ge=1)
    batch_size: int = Field(32, ge=1)

    @property
    def index_type(self) -> str:
        return str(self.config["index_type"])

    @model_validator(mode="after")
    def _needs_model(self) -> IndexParams:
        if "index_type" not in self.config:
            raise ValueError("index config needs an index_type")
        if self.index_type != "bm25" and self.model is None:
            raise ValueError(f"a {self.index_type} index needs a model")
        return self


class SearchParams(_Strict):
    """Search ``index`` (a key of ``index``) for the top ``k``; ``config`` adds family settings."""

    index: str
    k: int = Field(100, ge=1)
    batch_size: int = Field(32, ge=1)
    config: dict[str, Any] = Field(default_factory=dict)


class ReRankParams(_Strict):
    """Re-rank the ``depth`` best documents of system ``run`` with model ``model``."""

    run: str
    model: str
    depth: int = Field(100, ge=1)
    batch_size: int = Field(32, ge=1)


class EvaluateParams(_Strict):
    measures: list[str] = Field(default_factory=lambda: ["nDCG@10", "RR@10", "R@100"])
    baseline: str | None = None


class Params(_Strict):
    """A whole experiment; see ``params/scifact.yaml``."""

    name: str
    artifacts: str
    runner: RunnerParams = Field(default_factory=RunnerParams)
    dataset: DatasetParams
    models: dict[str, ModelParams] = Field(default_factory=dict)
    fine_tune: dict[str, FineTuneParams] = Field(default_factory=dict)
    index: dict[str, IndexParams] = Field(default_factory=dict)
    search: dict[str, SearchParams] = Field(default_factory=dict)
    re_rank: dict[str, ReRankParams] = Field(default_factory=dict)
    evaluate: EvaluateParams = Field(default_factory=EvaluateParams)

    @model_validator(mode="after")
    def _references(self) -> Params:
        models = set(self.models) | set(self.fine_tune)
        if clash := set(self.models) & set(self.fine_tune):
            raise ValueError(f"fine-tuned models must not reuse names of models: {sorted(clash)}")
        problems = [f"fine_tune.{k}.base={v.base!r}" for k, v in self.fine_tune.items() if v.base not in self.models]
        problems += [f"index.{k}.model={v.model!r}" for k, v in self.index.items() if v.model and v.model not in models]
        problems += [f"search.{k}.index={v.index!r}" for k, v in self.search.items() if v.index not in self.index]
        problems += [f"re_rank.{k}.model={v.model!r}" for k, v in self.re_rank.items() if v.model not in models]
        problems += [f"re_rank.{k}.run={v.run!r}" for k, v in self.re_rank.items()
                     if v.run not in self.search and v.run not in self.re_rank]
        if overlap := set(self.search) & set(self.re_rank):
            problems.append(f"system names used twice: {sorted(overlap)}")
        if problems:
            raise ValueError("unknown references: " + ", ".join(problems))
        return self

    # ------------------------------------------------------------------ artifact layout
    @property
    def root(self) -> Path:
        return Path(self.artifacts)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def docs_file(self) -> str:
        return str(self.data_dir / "docs.parquet")

    def queries_file(self) -> str:
        return str(self.data_dir / "queries.parquet")

    def qrels_file(self) -> str:
        return str(self.data_dir / "qrels.parquet")

    def model_dir(self, key: str) -> Path:
        return self.root / "models" / key

    def shards_dir(self, key: str) -> Path:
        return self.root / "shards" / key

    def index_dir(self, key: str) -> Path:
        return self.root / "index" / key

    def run_dir(self, system: str) -> Path:
        return self.root / ("reranked" if system in self.re_rank else "runs") / system

    def eval_dir(self, system: str) -> Path:
        return self.root / "eval" / system

    @property
    def systems(self) -> list[str]:
        """Every run the experiment produces: searches, then re-rankings."""
        return [*self.search, *self.re_rank]

    def model(self, key: str) -> ModelParams:
        """A model by key; fine-tuned models live in their artifact folder."""
        if key in self.fine_tune:
            return ModelParams(path=str(self.model_dir(key)), type=self.fine_tune[key].type,
                               precision=self.models[self.fine_tune[key].base].precision)
        return self.models[key]


def set_key(values: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts, creating levels as needed."""
    *parents, last = dotted.split(".")
    for part in parents:
        values = values.setdefault(part, {})
    values[last] = value


def load_params(path: str | Path, overrides: dict[str, Any] | None = None) -> Params:
    """Read and validate a params file; ``overrides`` maps dotted keys to values (YAML-parsed strings)."""
    values = yaml.safe_load(Path(path).read_text()) or {}
    for key, value in (overrides or {}).items():
        set_key(values, key, yaml.safe_load(value) if isinstance(value, str) else value)
    return Params.model_validate(values)
