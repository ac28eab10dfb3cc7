"""Paired tests against scipy on known numbers, query alignment and p-value corrections."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from lir_core.evaluate import correct_pvalues, paired_significance


def frame(values: dict[str, float], measure: str = "nDCG@10") -> pd.DataFrame:
    return pd.DataFrame(
        {"query_id": list(values), "measure": measure, "value": list(values.values())}
    )


B = {"q1": 0.4, "q2": 0.5, "q3": 0.3, "q4": 0.6, "q5": 0.2}
# Differences A - B: 0.1, 0.2, 0.05, 0.15, 0.0 -> mean 0.1.
A = {"q1": 0.5, "q2": 0.7, "q3": 0.35, "q4": 0.75, "q5": 0.2}


def test_t_test_matches_hand_and_scipy() -> None:
    result = paired_significance(frame(A), frame(B), "nDCG@10", test="t")
    # Deviations from the mean 0, .1, -.05, .05, -.1: sum of squares 0.025, variance
    # 0.025 / 4 = 0.00625, standard error sqrt(0.00625 / 5) = 0.0353553, t = 2 * sqrt(2).
    assert result.mean_difference == pytest.approx(0.1)
    assert result.statistic == pytest.approx(2 * math.sqrt(2))
    assert result.pvalue == pytest.approx(2 * stats.t.sf(2 * math.sqrt(2), df=4))
    assert result.pvalue == pytest.approx(0.0474207, abs=1e-6)
    assert (result.n, result.measure, result.test) == (5, "nDCG@10", "t")


def test_wilcoxon_matches_scipy() -> None:
    result = paired_significance(frame(A), frame(B), "nDCG@10", test="wilcoxon")
    expected = stats.wilcoxon(list(A.values()), list(B.values()))
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.pvalue == pytest.approx(expected.pvalue)


def test_queries_missing_on_one_side_count_zero() -> None:
    partial_a = {query: value for query, value in A.items() if query != "q4"}
    result = paired_significance(frame(partial_a), frame(B), "nDCG@10")
    a_values = [0.5, 0.7, 0.35, 0.0, 0.2]  # q4 missing from A -> 0
    expected = stats.ttest_rel(a_values, list(B.values()))
    assert result.n == 5
    assert result.pvalue == pytest.approx(expected.pvalue)
    assert result.mean_difference == pytest.approx((0.1 + 0.2 + 0.05 - 0.6 + 0.0) / 5)


def test_identical_systems_have_p_value_one() -> None:
    result = paired_significance(frame(B), frame(B), "nDCG@10")
    assert (result.statistic, result.pvalue, result.mean_difference) == (0.0, 1.0, 0.0)


def test_other_measures_are_ignored_and_absent_measure_raises() -> None:
    mixed_a = pd.concat([frame(A), frame({"q1": 9.0}, measure="RR@10")])
    result = paired_significance(mixed_a, frame(B), "NDCG@10")
    assert result.n == 5
    with pytest.raises(ValueError, match="P@5"):
        paired_significance(frame(A), frame(B), "P@5")


def test_unknown_test_and_too_few_queries_raise() -> None:
    with pytest.raises(ValueError, match="unknown test"):
        paired_significance(frame(A), frame(B), "nDCG@10", test="sign")
    with pytest.raises(ValueError, match="at least two"):
        paired_significance(frame({"q1": 1.0}), frame({"q1": 0.0}), "nDCG@10")


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("none", [0.01, 0.04, 0.03]),
        ("bonferroni", [0.03, 0.12, 0.09]),  # each times 3
        # sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04; running max 0.03, 0.06, 0.06
        ("holm", [0.03, 0.06, 0.06]),
        # sorted times m / rank = 0.03, 0.045, 0.04; running min from the top 0.03, 0.04, 0.04
        ("bh", [0.03, 0.04, 0.04]),
    ],
)
def test_corrections(method: str, expected: list[float]) -> None:
    assert correct_pvalues([0.01, 0.04, 0.03], method) == pytest.approx(expected)


def test_corrections_cap_at_one_and_validate() -> None:
    assert correct_pvalues([0.6, 0.9], "bonferroni") == [1.0, 1.0]
    assert correct_pvalues([], "holm") == []
    with pytest.raises(ValueError, match="unknown correction"):
        correct_pvalues([0.1], "sidak")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        correct_pvalues([float("nan")], "none")


def test_duplicate_queries_raise() -> None:
    doubled = pd.concat([frame(A), frame(A)])
    with pytest.raises(ValueError, match="twice"):
        paired_significance(doubled, frame(B), "nDCG@10")
