"""Paired significance tests between two systems and multiple-comparison corrections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from lir_core.evaluate.measures import canonical_name
from lir_core.evaluate.per_query import paired_values

Test = Literal["t", "wilcoxon"]
Correction = Literal["bonferroni", "holm", "bh", "none"]


@dataclass(frozen=True)
class SignificanceResult:
    """Outcome of a paired test of system A against system B on one measure.

    Attributes:
        measure: Canonical measure name.
        test: ``"t"`` (paired t-test) or ``"wilcoxon"`` (signed-rank test).
        mean_difference: Mean over queries of ``value_a - value_b``.
        statistic: The test statistic.
        pvalue: Two-sided p-value.
        n: Number of paired queries.
    """

    measure: str
    test: Test
    mean_difference: float
    statistic: float
    pvalue: float
    n: int


def paired_significance(
    per_query_a: pd.DataFrame, per_query_b: pd.DataFrame, measure: str, test: Test = "t"
) -> SignificanceResult:
    """Test whether systems A and B differ on ``measure`` with a two-sided paired test.

    Per-query values are aligned on query id; a query only one system has counts as 0
    for the other. When every paired difference is 0 the systems are identical on these
    queries: the result has statistic 0 and p-value 1 (scipy's t-test would give NaN).

    Args:
        per_query_a: Per-query frame (query_id, measure, value) of system A.
        per_query_b: Per-query frame of system B.
        measure: Measure name, e.g. ``"nDCG@10"``.
        test: ``"t"`` for scipy.stats.ttest_rel, ``"wilcoxon"`` for scipy.stats.wilcoxon.

    Raises:
        ValueError: For an unknown test, a measure neither frame has, or fewer than two
            queries.
    """
    if test not in ("t", "wilcoxon"):
        raise ValueError(f"unknown test {test!r}; use 't' or 'wilcoxon'")
    paired = paired_values(per_query_a, per_query_b, measure)
    if len(paired) < 2:
        raise ValueError(f"a paired test needs at least two queries, got {len(paired)}")
    differences = paired["a"] - paired["b"]
    if (differences == 0).all():
        statistic, pvalue = 0.0, 1.0
    elif test == "t":
        statistic, pvalue = stats.ttest_rel(paired["a"], paired["b"])
    else:
        statistic, pvalue = stats.wilcoxon(paired["a"], paired["b"])
    return SignificanceResult(
        measure=canonical_name(measure),
        test=test,
        mean_difference=float(differences.mean()),
        statistic=float(statistic),
        pvalue=float(pvalue),
        n=len(paired),
    )


def _holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni step-down adjustment (scipy has none; statsmodels is not a dependency)."""
    order = np.argsort(pvalues)
    factors = len(pvalues) - np.arange(len(pvalues))
    stepped = np.minimum(1.0, np.maximum.accumulate(pvalues[order] * factors))
    adjusted = np.empty_like(stepped)
    adjusted[order] = stepped
    return adjusted


def correct_pvalues(pvalues: Sequence[float], method: Correction = "bonferroni") -> list[float]:
    """Adjust p-values of a family of tests for multiple comparisons.

    Args:
        pvalues: The family's p-values.
        method: ``"bonferroni"`` (multiply by the family size), ``"holm"`` (Holm's
            step-down), ``"bh"`` (Benjamini-Hochberg FDR via
            scipy.stats.false_discovery_control) or ``"none"``.

    Returns:
        Adjusted p-values, capped at 1, in the input order.

    Raises:
        ValueError: For an unknown method or p-values outside [0, 1].
    """
    values = np.asarray(pvalues, dtype=float)
    if values.size == 0:
        return []
    if np.isnan(values).any() or (values < 0).any() or (values > 1).any():
        raise ValueError(f"p-values must lie in [0, 1], got {list(pvalues)}")
    if method == "none":
        adjusted = values
    elif method == "bonferroni":
        adjusted = np.minimum(1.0, values * values.size)
    elif method == "holm":
        adjusted = _holm(values)
    elif method == "bh":
        adjusted = stats.false_discovery_control(values, method="bh")
    else:
        raise ValueError(f"unknown correction {method!r}; use bonferroni, holm, bh or none")
    return [float(p) for p in adjusted]
