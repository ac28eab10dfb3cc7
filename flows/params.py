"""The params file of an experiment (``params/*.yaml``), validated, and where its artifacts go.

One file describes one experiment end to end: the dataset, the models, which indexes to
build, which systems to search and re-rank, and how to evaluate. Every stage flow reads the
same file and picks its section, so DVC can depend on exactly the keys a stage uses.
Unknown keys are errors (a typo must not silently fall back to a default), down to the fields
of every ``config:`` entry, which are checked against the ``lir_core`` class they name
(:mod:`flows.config_entries`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails

from flows import config_entries


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunnerParams(_Strict):
    """Where tasks run. ``thread``: a thread pool in the flow's process; ``dask`` / ``ray``:
    an existing cluster at ``address``, or a local one of ``workers`` processes when it is null."""

    type: Literal["thread", "dask", "ray"] = "thread"
    address: str | None = None
    workers: int = Field(1, ge=1)


class DatasetParams(_Strict):
    """Sources: files (TSV/JSONL/Parquet; TREC SGML collections and topic files, told by content) or
    ``ir_datasets`` ids."""

    docs: str
    queries: str
    qrels: str | None = None
    train_queries: str | None = None
    train_qrels: str | None = None


def _checked_model_config(config: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any] | None:
    """A model or fine-tuning ``config``, checked against the class it names (the entry's
    ``type``, validated before it, picks the family); returned unchanged."""
    if config is not None:
        config_entries.model_config(config, info.data.get("type"))
    return config


class ModelParams(_Strict):
    """A model folder, hub id or ``pkg://<package>/<folder>`` (resolved at run time). ``config``
    (``{class: SpladeConfig, ...}``) sets the ``lir_core`` model config of a checkpoint that has none,
    e.g. a masked-LM checkpoint used as SPLADE or a plain encoder as ColBERT; fine-tuning from it
    starts from that config unless the ``fine_tune`` entry gives its own."""

    path: str
    type: Literal["bi-encoder", "cross-encoder"] = "bi-encoder"
    precision: Literal["fp32", "bf16", "auto"] = "fp32"  # auto: bf16 where the CPU does it in hardware
    config: dict[str, Any] | None = None

    @field_validator("config")
    @classmethod
    def _typed_config(cls, config: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any] | None:
        return _checked_model_config(config, info)


class TeacherParams(_Strict):
    """A teacher for distillation: ``model`` (a key of ``models``) scores every training query's
    BM25 candidates; with ``bm25_weight`` > 0 its min-max normalised scores are interpolated with
    BM25's (``bm25_weight * BM25 + (1 - bm25_weight) * model``)."""

    model: str
    bm25_weight: float = Field(0.0, ge=0, le=1)


class TuplesParams(_Strict):
    """Training tuples mined with BM25 over the dataset's collection: per training query its judged
    positives in ``qrels`` and at most ``num_negatives`` of its top ``depth`` documents that are
    not judged relevant. ``queries``/``qrels`` are files or ``ir_datasets`` ids (a training split).
    A ``validation_fraction`` of the judged queries is held out from the tuples: fine-tuning
    re-ranks their BM25 top ``validation_depth`` to validate and keep the best checkpoint (0: none).
    With a ``teacher`` the models fine-tuned on these tuples learn the teacher's scores of the BM25
    top ``depth`` instead (distillation; ``num_docs`` of them per query and step, the best half
    and random others, as targets of e.g. ``KLDivergence``). ``pseudo_queries: titles`` adds each
    collection document's title as an unlabelled training query for the teacher to score."""

    queries: str
    qrels: str
    depth: int = Field(100, ge=1)
    num_negatives: int = Field(7, ge=1)
    validation_fraction: float = Field(0.1, ge=0, lt=1)
    validation_depth: int = Field(30, ge=1)
    teacher: TeacherParams | None = None
    pseudo_queries: Literal["titles"] | None = None

    @model_validator(mode="after")
    def _pseudo_queries_need_a_teacher(self) -> TuplesParams:
        if self.pseudo_queries and self.teacher is None:
            raise ValueError("pseudo_queries have no labels: they need a teacher")
        return self


class TrainParams(_Strict):
    """Training data and schedule: ``tuples`` is a key of the params' ``tuples`` section (mined
    before training), a JSONL/Parquet tuples file or an ``ir_datasets`` docpairs id;
    ``docs``/``queries`` supply texts the tuples lack; ``losses`` name ``lir_core.loss`` classes (``{class: InBatchCrossEntropy, scale: 20}`` with arguments);
    ``query_length``/``doc_length`` truncate training texts (the saved model keeps its config's lengths);
    ``freeze_docs`` (bi-encoders) trains the query encoder only: documents keep the base model's encoder
    (config ``doc_encoder: frozen``), so the base model's index serves the result (``search.query_model``).
    With a validation split (mined ``tuples`` with a ``validation_fraction``) the model is validated
    (nDCG@10) every ``validate_every`` steps (default: 5 times in all) and the best weights are kept;
    ``patience`` stops training after that many validations without improvement."""

    tuples: str
    docs: str | None = None
    queries: str | None = None
    losses: list[str | dict[str, Any]] = Field(default_factory=lambda: ["LocalizedContrastiveEstimation"])
    lr: float = Field(2e-5, gt=0)
    max_steps: int = Field(100, ge=1)
    batch_size: int = Field(8, ge=1)
    num_docs: int | None = Field(None, ge=1)
    warmup_steps: int = Field(0, ge=0)
    query_length: int | None = Field(None, ge=1)
    doc_length: int | None = Field(None, ge=1)
    seed: int = 0
    freeze_docs: bool = False
    validate_every: int | None = Field(None, ge=1)
    patience: int | None = Field(None, ge=1)

    @field_validator("losses")
    @classmethod
    def _typed_losses(cls, losses: list[str | dict[str, Any]]) -> list[str | dict[str, Any]]:
        errors: list[InitErrorDetails] = []
        for position, spec in enumerate(losses):
            try:
                config_entries.loss(spec)
            except ValidationError as error:
                errors += config_entries.located(error, (position,))
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return losses


class FineTuneParams(_Strict):
    """Fine-tune ``base`` (a key of ``models``); the result is usable as a model under this entry's key.
    ``config`` (``{class: DprConfig, ...}``) replaces the base checkpoint's model config."""

    base: str
    type: Literal["bi-encoder", "cross-encoder"] = "bi-encoder"
    config: dict[str, Any] | None = None
    train: TrainParams

    @field_validator("config")
    @classmethod
    def _typed_config(cls, config: dict[str, Any] | None, info: ValidationInfo) -> dict[str, Any] | None:
        return _checked_model_config(config, info)

    @model_validator(mode="after")
    def _freeze_docs_is_for_bi_encoders(self) -> FineTuneParams:
        if self.train.freeze_docs and self.type != "bi-encoder":
            raise ValueError("train.freeze_docs is for bi-encoders (a cross-encoder has no document encoder)")
        return self


class IndexParams(_Strict):
    """An index: ``config.index_type`` names the family (``bm25``, ``faiss-flat``, ...)."""

    model: str | None = None
    config: dict[str, Any] = Field(default_factory=lambda: {"index_type": "faiss-flat"})
    shard_size: int = Field(1000, ge=1)
    batch_size: int = Field(32, ge=1)

    @property
    def index_type(self) -> str:
        return str(self.config["index_type"])

    @field_validator("config")
    @classmethod
    def _typed_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        if "index_type" in config:  # else _needs_model says it is missing
            config_entries.index_config(config)
        return config

    @model_validator(mode="after")
    def _needs_model(self) -> IndexParams:
        if "index_type" not in self.config:
            raise ValueError("index config needs an index_type")
        if self.index_type != "bm25" and self.model is None:
            raise ValueError(f"a {self.index_type} index needs a model")
        return self


class SearchParams(_Strict):
    """Search ``index`` (a key of ``index``) for the top ``k``; ``config`` adds family settings.
    ``query_model`` encodes the queries instead of the index's model: a ``fine_tune`` entry with
    ``train.freeze_docs`` whose base is the index's model (its documents are encoded as in the index)."""

    index: str
    query_model: str | None = None
    k: int = Field(100, ge=1)
    batch_size: int = Field(32, ge=1)
    config: dict[str, Any] = Field(default_factory=dict)


class RunParams(_Strict):
    """A run made elsewhere, imported by the load-dataset stage: a run file, or an ``ir_datasets``
    id whose scoreddocs (e.g. the official BM25 top 1000 of TREC DL) or qrels (``run_from: qrels``)
    become the run. ``depth`` keeps the best documents per query."""

    source: str
    run_from: Literal["scoreddocs", "qrels"] | None = None
    depth: int | None = Field(None, ge=1)


class ReRankParams(_Strict):
    """Re-rank the ``depth`` best documents of system ``run`` with model ``model``; or, with
    ``fuse_with`` (another system) instead of a model, interpolate scores: ``weight`` times
    ``run``'s plus ``1 - weight`` times ``fuse_with``'s, each min-max normalised per query."""

    run: str
    model: str | None = None
    depth: int = Field(100, ge=1)
    batch_size: int = Field(32, ge=1)
    fuse_with: str | None = None
    weight: float = Field(0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _model_or_fusion(self) -> ReRankParams:
        if (self.model is None) == (self.fuse_with is None):
            raise ValueError("a re_rank entry needs either a model or fuse_with (another system), not both")
        return self


def _parsed_measure(name: str) -> str:
    """Check a measure name with ir_measures (unknown names and cutoffs below 1 are errors)."""
    from lir_core.evaluate.measures import parse_measure  # lir_core loads torch: only when params name measures

    parse_measure(name)
    return name


class EvaluateParams(_Strict):
    """Measures (ir_measures names, checked at load), and the paired tests: every system against
    ``baseline``, or against its entry in ``references`` (``{fine-tuned: zero-shot}``: a per-row
    comparison as in the paper's Table 3)."""

    measures: list[str] = Field(default_factory=lambda: ["nDCG@10", "RR@10", "R@100"])
    baseline: str | None = None
    references: dict[str, str] = Field(default_factory=dict)

    @field_validator("measures")
    @classmethod
    def _known_measures(cls, measures: list[str]) -> list[str]:
        return [_parsed_measure(name) for name in measures]


class ExpectedParams(_Strict):
    """Published (or recorded) scores a run should reproduce: ``scores`` maps a system to its
    value, or, in a file with ``variants``, to ``{variant: value}`` (a table's row and columns).
    A score reproduces when ``|measured - expected| <= tolerance``."""

    measure: str = "nDCG@10"
    tolerance: float = Field(0.01, ge=0)
    source: str | None = None
    scores: dict[str, float | dict[str, float]] = Field(default_factory=dict)

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, name: str) -> str:
        return _parsed_measure(name)


class Params(_Strict):
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
        models = set(self.models) | set(self.fine_tune)
        if self.variant is not None and self.variant not in self.variants:
            raise ValueError(f"unknown variant {self.variant!r}; known: {sorted(self.variants)}")
        if clash := set(self.models) & set(self.fine_tune):
            raise ValueError(f"fine-tuned models must not reuse names of models: {sorted(clash)}")
        problems = [f"fine_tune.{k}.base={v.base!r}" for k, v in self.fine_tune.items() if v.base not in self.models]
        problems += [f"tuples.{k}.teacher.model={v.teacher.model!r} (a key of models)" for k, v in self.tuples.items()
                     if v.teacher and v.teacher.model not in self.models]
        problems += [f"index.{k}.model={v.model!r}" for k, v in self.index.items() if v.model and v.model not in models]
        problems += [f"search.{k}.index={v.index!r}" for k, v in self.search.items() if v.index not in self.index]
        problems += [f"search.{k}.query_model={v.query_model!r}" for k, v in self.search.items()
                     if v.query_model and v.query_model not in models]
        for key, settings in self.search.items():
            if settings.query_model in self.fine_tune and settings.index in self.index:
                tuned, index_model = self.fine_tune[settings.query_model], self.index[settings.index].model
                if not tuned.train.freeze_docs or tuned.base != index_model:
                    raise ValueError(
                        f"search.{key}.query_model={settings.query_model!r} cannot search index "
                        f"{settings.index!r} (built with {index_model!r}): a query model needs "
                        f"fine_tune.{settings.query_model}.train.freeze_docs and base {index_model!r}")
        problems += [f"re_rank.{k}.model={v.model!r}" for k, v in self.re_rank.items()
                     if v.model is not None and v.model not in models]
        earlier: set[str] = set(self.search) | set(self.runs)
        for k, v in self.re_rank.items():  # in order: a system re-ranks or fuses earlier ones
            problems += [f"re_rank.{k}.{field}={name!r}" for field, name in (("run", v.run), ("fuse_with", v.fuse_with))
                         if name is not None and name not in earlier]
            earlier.add(k)
        if overlap := (set(self.search) & set(self.re_rank)) | (set(self.runs) & (set(self.search) | set(self.re_rank))):
            problems.append(f"system names used twice: {sorted(overlap)}")
        if self.evaluate.baseline and self.evaluate.baseline not in self.systems:
            problems.append(f"evaluate.baseline={self.evaluate.baseline!r}")
        problems += [f"evaluate.references.{system}={reference!r}" for system, reference in self.evaluate.references.items()
                     if system not in self.systems or reference not in self.systems]
        for system, score in (self.expected.scores if self.expected else {}).items():
            if system not in self.systems:
                problems.append(f"expected.scores.{system}")
            elif isinstance(score, dict):
                problems += [f"expected.scores.{system}.{v}" for v in score if v not in self.variants]
        if problems:
            raise ValueError("unknown references: " + ", ".join(problems))
        return self

    @model_validator(mode="after")
    def _typed_search_configs(self) -> Params:
        """Each search ``config`` against the search config class of its index's family (known
        only once the index entries are)."""
        errors: list[InitErrorDetails] = []
        for key, settings in self.search.items():
            try:
                config_entries.search_config(self.index[settings.index].index_type, settings.config, settings.k)
            except ValidationError as error:
                errors += config_entries.located(error, ("search", key, "config"))
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
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

    @property
    def shared_root(self) -> Path:
        """Where artifacts that do not depend on the queries go (fine-tuned models, shards, indexes)."""
        return Path(self.shared) if self.shared else self.root

    def tuples_dir(self, key: str) -> Path:
        return self.shared_root / "tuples" / key

    def training_tuples(self, key: str) -> str:
        """The tuples a ``fine_tune`` entry trains on: a mined set's Parquet file, else the source as given."""
        tuples = self.fine_tune[key].train.tuples
        return str(self.tuples_dir(tuples) / "tuples.parquet") if tuples in self.tuples else tuples

    def validation_dir(self, key: str) -> str | None:
        """The folder of the validation set a ``fine_tune`` entry selects its best weights on: that
        of its mined tuples when they hold out queries, else None."""
        tuples = self.fine_tune[key].train.tuples
        if tuples in self.tuples and self.tuples[tuples].validation_fraction > 0:
            return str(self.tuples_dir(tuples))
        return None

    def teacher_run(self, key: str) -> str | None:
        """The run folder of teacher scores a ``fine_tune`` entry distils (None without a teacher):
        the teacher's scores, or their interpolation with BM25 when it has a ``bm25_weight``."""
        tuples = self.fine_tune[key].train.tuples
        teacher = self.tuples[tuples].teacher if tuples in self.tuples else None
        if teacher is None:
            return None
        return str(self.shared_root / "teachers" / tuples / ("fused" if teacher.bm25_weight > 0 else "scores"))

    def model_dir(self, key: str) -> Path:
        return self.shared_root / "models" / key

    def shards_dir(self, key: str) -> Path:
        return self.shared_root / "shards" / key

    def index_dir(self, key: str) -> Path:
        return self.shared_root / "index" / key

    def run_dir(self, system: str) -> Path:
        return self.root / ("reranked" if system in self.re_rank else "runs") / system

    def stage_of(self, system: str) -> str:
        """The stage flow that makes a system's run."""
        return "re_rank" if system in self.re_rank else "search" if system in self.search else "load_dataset"

    def eval_dir(self, system: str) -> Path:
        return self.root / "eval" / system

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


def set_key(values: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts, creating levels as needed.

    Raises:
        ValueError: If a level on the way holds something other than a mapping.
    """
    *parents, last = dotted.split(".")
    for depth, part in enumerate(parents, start=1):
        values = values.setdefault(part, {})
        if not isinstance(values, dict):
            raise ValueError(f"cannot set {dotted}: {'.'.join(parents[:depth])} is a {type(values).__name__}, "
                             "not a mapping")
    values[last] = value


def _yaml(text: str, where: str) -> Any:
    """Parse YAML text.

    Raises:
        ValueError: On a syntax error, naming ``where`` and the line and column.
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        position = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or error
        raise ValueError(f"{where}: invalid YAML{position}: {problem}") from error


def load_params(path: str | Path, overrides: dict[str, Any] | None = None) -> Params:
    """Read and validate a params file; ``overrides`` maps dotted keys to values (YAML-parsed strings).

    A file with ``variants`` (e.g. one per test collection) describes several runs of one
    experiment: ``variant: <name>`` (in the file or as the override ``variant=<name>``) applies
    that variant's dotted keys first, then the other overrides.

    Raises:
        OSError: If the file cannot be read.
        ValueError: On invalid YAML (naming the file or the override, and the line), a file whose
            top level is not a mapping, or invalid params (a pydantic ``ValidationError``).
    """
    values = _yaml(Path(path).read_text(), str(path)) or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path}: the top level must be a mapping (name:, artifacts:, dataset:, ...), "
                         f"got a {type(values).__name__}")
    parsed = {key: _yaml(value, f"{path}: --set {key}={value!r}") if isinstance(value, str) else value
              for key, value in (overrides or {}).items()}
    variant = parsed.get("variant", values.get("variant"))
    if variant is not None:
        for key, value in (values.get("variants") or {}).get(variant, {}).items():
            set_key(values, key, value)
    for key, value in parsed.items():
        set_key(values, key, value)
    return Params.model_validate(values)


def variant_overrides(path: str | Path, overrides: dict[str, Any] | None = None) -> list[dict[str, Any] | None]:
    """The overrides of each run a params file describes: one per variant when it has variants
    and none is chosen, else just ``overrides``."""
    p = load_params(path, overrides)
    if not p.variants or p.variant is not None:
        return [overrides]
    return [{**(overrides or {}), "variant": name} for name in p.variants]
