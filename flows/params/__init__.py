"""The params file of an experiment (``params/*.yaml``), validated, and where its artifacts go.

One file describes one experiment end to end: the dataset, the models, which indexes to
build, which systems to search and re-rank, and how to evaluate. Every stage flow reads the
same file and picks its section, so DVC can depend on exactly the keys a stage uses.
Unknown keys are errors (a typo must not silently fall back to a default), down to the fields
of every ``config:`` entry, which are checked against the ``lir_core`` class they name
(:mod:`flows.config_entries`).

One module per job:

- :mod:`~flows.params.sections`: the schema of each section;
- :mod:`~flows.params.references`: the checks across sections (names of models, indexes, systems);
- :mod:`~flows.params.layout`: where each artifact goes;
- :mod:`~flows.params.schema`: the whole file (:class:`Params`);
- :mod:`~flows.params.loading`: YAML, dotted overrides and variants, parsed once per process.
"""

from flows.params.layout import ArtifactLayout
from flows.params.loading import load_params, set_key, variant_overrides
from flows.params.schema import Params
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
    TeacherParams,
    TrainParams,
    TuplesParams,
)

__all__ = [
    "ArtifactLayout", "DatasetParams", "EvaluateParams", "ExpectedParams", "FineTuneParams", "IndexParams",
    "ModelParams", "Params", "ReRankParams", "RunParams", "RunnerParams", "SearchParams", "TeacherParams",
    "TrainParams", "TuplesParams", "load_params", "set_key", "variant_overrides",
]
