"""The whole params file: its sections (:mod:`flows.params.sections`), the checks across them
(:mod:`flows.params.references`), and where its artifacts go (:mod:`flows.params.layout`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError, model_validator

from flows.params.layout import ArtifactLayout
from flows.params.references import check_names, search_config_errors
from flows.params.sections import (
    DatasetParams,
    EvaluateParams,
    ExpectedParams,
    FineTuneParams,
    IndexParams,
    ModelParams,
    ReRankParams,
    RunnerParams,
    RunParams,
    SearchParams,
    Strict,
    TuplesParams,
)


class Params(ArtifactLayout, Strict):
    """A whole experiment; see ``params/scifact.yaml``."""

    name: str
    artifacts: str
    shared: str | None = None  # models, shards and indexes; defaults to ``artifacts`` (set it when variants share them)
    runner: RunnerParams = Field(default_factory=RunnerParams)
    dataset: DatasetParams
    models: dict[str, ModelParams] = Field(default_factory=dict)
    tuples: dict[str, TuplesParams] = Field(default_factory=dict)
    fine_tune: dict[str, FineTuneParams] = Field(default_factory=dict)
    index: dict[str, IndexParams] = Field(default_factory=dict)
    search: dict[str, SearchParams] = Field(default_factory=dict)
    runs: dict[str, RunParams] = Field(default_factory=dict)
    re_rank: dict[str, ReRankParams] = Field(default_factory=dict)
    evaluate: EvaluateParams = Field(default_factory=EvaluateParams)
    expected: ExpectedParams | None = None
    variants: dict[str, dict[str, Any]] = Field(default_factory=dict)
    variant: str | None = None

    @model_validator(mode="after")
    def _references(self) -> Params:
        check_names(self)
        return self

    @model_validator(mode="after")
    def _typed_search_configs(self) -> Params:
        if errors := search_config_errors(self):
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def stage_of(self, system: str) -> str:
        """The stage flow that makes a system's run."""
        return "re_rank" if system in self.re_rank else "search" if system in self.search else "load_dataset"

    @property
    def systems(self) -> list[str]:
        """Every run the experiment produces: imported runs, searches, then re-rankings."""
        return [*self.runs, *self.search, *self.re_rank]

    def expected_score(self, system: str) -> float | None:
        """The expected ``expected.measure`` of a system in this variant (None when not recorded)."""
        score = self.expected.scores.get(system) if self.expected else None
        if isinstance(score, dict):
            return score.get(self.variant) if self.variant else None
        return score

    def model(self, key: str) -> ModelParams:
        """A model by key; fine-tuned models live in their artifact folder (with their own config)."""
        if key in self.fine_tune:
            return ModelParams(path=str(self.model_dir(key)), type=self.fine_tune[key].type,
                               precision=self.models[self.fine_tune[key].base].precision)
        return self.models[key]
