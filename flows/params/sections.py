"""One pydantic model per section of a params file; unknown keys are errors, and each ``config:``
entry is checked against the ``lir_core`` class it names (:mod:`flows.config_entries`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails

from flows import config_entries


class Strict(BaseModel):
    """Unknown keys are errors (a typo must not fall back to a default); frozen, because
    :func:`flows.params.load_params` hands every caller in a process the same parsed object."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RunnerParams(Strict):
    """Where tasks run. ``thread``: a thread pool in the flow's process; ``dask`` / ``ray``:
    an existing cluster at ``address``, or a local one of ``workers`` processes when it is null."""

    type: Literal["thread", "dask", "ray"] = "thread"
    address: str | None = None
    workers: int = Field(1, ge=1)


class DatasetParams(Strict):
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


class ModelParams(Strict):
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


class TeacherParams(Strict):
    """A teacher for distillation: ``model`` (a key of ``models``) scores every training query's
    BM25 candidates; with ``bm25_weight`` > 0 its min-max normalised scores are interpolated with
    BM25's (``bm25_weight * BM25 + (1 - bm25_weight) * model``)."""

    model: str
    bm25_weight: float = Field(0.0, ge=0, le=1)


class TuplesParams(Strict):
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


class TrainParams(Strict):
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


class FineTuneParams(Strict):
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


class IndexParams(Strict):
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


class SearchParams(Strict):
    """Search ``index`` (a key of ``index``) for the top ``k``; ``config`` adds family settings.
    ``query_model`` encodes the queries instead of the index's model: a ``fine_tune`` entry with
    ``train.freeze_docs`` whose base is the index's model (its documents are encoded as in the index)."""

    index: str
    query_model: str | None = None
    k: int = Field(100, ge=1)
    batch_size: int = Field(32, ge=1)
    config: dict[str, Any] = Field(default_factory=dict)


class RunParams(Strict):
    """A run made elsewhere, imported by the load-dataset stage: a run file, or an ``ir_datasets``
    id whose scoreddocs (e.g. the official BM25 top 1000 of TREC DL) or qrels (``run_from: qrels``)
    become the run. ``depth`` keeps the best documents per query."""

    source: str
    run_from: Literal["scoreddocs", "qrels"] | None = None
    depth: int | None = Field(None, ge=1)


class ReRankParams(Strict):
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


class EvaluateParams(Strict):
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


class ExpectedParams(Strict):
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
