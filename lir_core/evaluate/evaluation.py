"""Evaluate a run against relevance judgements with ir_measures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from os import PathLike
from typing import Any, Union

import ir_measures
import pandas as pd

from lir_core.evaluate.measures import parse_measures
from lir_core.evaluate.per_query import PER_QUERY_COLUMNS, aggregate, read_per_query

Run = Union[dict[str, dict[str, float]], pd.DataFrame, str, PathLike]
Qrels = Union[dict[str, dict[str, int]], pd.DataFrame, str, PathLike]


@dataclass(frozen=True)
class EvaluationResult:
    """Effectiveness of one run.

    Attributes:
        aggregated: Measure name (ir_measures' canonical spelling) to aggregated value.
        per_query: One row per (query, measure): columns query_id, measure, value.
    """

    aggregated: dict[str, float]
    per_query: pd.DataFrame

    @classmethod
    def from_parquet(cls, path: str | PathLike[str]) -> EvaluationResult:
        """Load per-query values written with ``write_per_query`` and re-aggregate them."""
        per_query = read_per_query(path)
        return cls(aggregated=aggregate(per_query), per_query=per_query)


def _as_run(run: Run) -> dict[str, dict[str, float]] | pd.DataFrame:
    return _as_frame(run, ir_measures.read_trec_run, {"query_id": str, "doc_id": str, "score": float})


def _as_qrels(qrels: Qrels) -> dict[str, dict[str, int]] | pd.DataFrame:
    return _as_frame(qrels, ir_measures.read_trec_qrels, {"query_id": str, "doc_id": str, "relevance": int})


def _as_frame(value: Any, read: Callable[[str], Iterable[Any]], dtypes: dict[str, type]) -> Any:
    """A TREC file (read by ``read``) or a DataFrame as a DataFrame of ``dtypes``; a dict as given."""
    if isinstance(value, (str, PathLike)):
        value = pd.DataFrame(read(str(value)))
    if isinstance(value, pd.DataFrame):
        return value.astype(dtypes)
    return value


def evaluate_run(run: Run, qrels: Qrels, measures: list[str]) -> EvaluationResult:
    """Evaluate a run with ir_measures.

    Queries are those of the qrels: a query with judgements but no retrieved document
    counts with ir_measures' default value (0 for every effectiveness measure), as
    ``trec_eval -c`` does. ir_measures has no switch for this; it always does it (since
    terrierteam/ir_measures#17). Queries of the run without judgements are ignored.

    Args:
        run: ``{query_id: {doc_id: score}}``, a DataFrame with columns query_id, doc_id,
            score, or the path of a TREC run file.
        qrels: ``{query_id: {doc_id: relevance}}``, a DataFrame with columns query_id,
            doc_id, relevance, or the path of a TREC qrels file.
        measures: Measure names in ir_measures' syntax, e.g. ``["nDCG@10", "RR@10"]``.

    Returns:
        Aggregated values keyed by canonical measure name and the per-query frame, sorted
        by measure (in the given order) and query id.

    Raises:
        ValueError: If a measure name is unknown or malformed.
    """
    parsed = parse_measures(measures)
    calculated = ir_measures.calc(parsed, _as_qrels(qrels), _as_run(run))
    order = {measure: position for position, measure in enumerate(parsed)}
    metrics = sorted(calculated.per_query, key=lambda m: (order[m.measure], str(m.query_id)))
    per_query = pd.DataFrame(
        [(str(m.query_id), str(m.measure), float(m.value)) for m in metrics],
        columns=list(PER_QUERY_COLUMNS),
    )
    aggregated = {str(measure): float(calculated.aggregated[measure]) for measure in parsed}
    return EvaluationResult(aggregated=aggregated, per_query=per_query)
