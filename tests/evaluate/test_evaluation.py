"""evaluate_run: exact values on hand-made runs, input forms, missing queries, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from lir_core.evaluate import EvaluationResult, evaluate_run, write_per_query

RUN = {"q1": {"d1": 3.0, "d2": 2.0, "d3": 1.0}, "q3": {"d1": 1.0}}
QRELS = {"q1": {"d1": 0, "d2": 1, "d3": 2}, "q2": {"d9": 1}}
# q1 ranks d1 (rel 0), d2 (rel 1), d3 (rel 2). trec_eval's nDCG uses the label as gain:
# DCG = 0 / log2(2) + 1 / log2(3) + 2 / log2(4) = 0.6309298 + 1 = 1.6309298
# ideal order d3, d2, d1: IDCG = 2 / log2(2) + 1 / log2(3) = 2.6309298
Q1_NDCG = 1.6309298 / 2.6309298
MEASURES = ["nDCG@10", "RR@10", "R@100"]


def value(result: EvaluationResult, query_id: str, measure: str) -> float:
    rows = result.per_query
    return rows[(rows.query_id == query_id) & (rows.measure == measure)]["value"].item()


def test_hand_computed_values() -> None:
    result = evaluate_run(RUN, QRELS, MEASURES)
    assert value(result, "q1", "nDCG@10") == pytest.approx(Q1_NDCG, abs=1e-6)
    assert value(result, "q1", "RR@10") == 0.5  # first relevant document at rank 2
    assert value(result, "q1", "R@100") == 1.0  # d2 and d3 both retrieved


def test_judged_query_missing_from_run_counts_zero_and_unjudged_is_ignored() -> None:
    result = evaluate_run(RUN, QRELS, MEASURES)
    assert set(result.per_query.query_id) == {"q1", "q2"}
    assert all(value(result, "q2", measure) == 0.0 for measure in MEASURES)
    assert result.aggregated == pytest.approx(
        {"nDCG@10": Q1_NDCG / 2, "RR@10": 0.25, "R@100": 0.5}, abs=1e-6
    )


def test_per_query_layout_and_order() -> None:
    result = evaluate_run(RUN, QRELS, ["RR@10", "NDCG@10"])
    assert list(result.per_query.columns) == ["query_id", "measure", "value"]
    assert list(result.aggregated) == ["RR@10", "nDCG@10"]  # canonical spelling
    assert list(result.per_query.measure) == ["RR@10", "RR@10", "nDCG@10", "nDCG@10"]
    assert list(result.per_query.query_id) == ["q1", "q2", "q1", "q2"]


def test_dataframe_inputs_with_integer_ids() -> None:
    run = pd.DataFrame({"query_id": [1, 1, 1], "doc_id": [1, 2, 3], "score": [3.0, 2.0, 1.0]})
    qrels = pd.DataFrame({"query_id": [1, 1, 1], "doc_id": [1, 2, 3], "relevance": [0, 1, 2]})
    result = evaluate_run(run, qrels, ["nDCG@10"])
    assert result.aggregated["nDCG@10"] == pytest.approx(Q1_NDCG, abs=1e-6)
    assert value(result, "1", "nDCG@10") == pytest.approx(Q1_NDCG, abs=1e-6)


def test_trec_file_inputs(tmp_path) -> None:
    run_path, qrels_path = tmp_path / "run.trec", tmp_path / "qrels.txt"
    run_path.write_text("q1 Q0 d1 1 3.0 r\nq1 Q0 d2 2 2.0 r\nq1 Q0 d3 3 1.0 r\n")
    qrels_path.write_text("q1 0 d1 0\nq1 0 d2 1\nq1 0 d3 2\nq2 0 d9 1\n")
    result = evaluate_run(run_path, str(qrels_path), ["nDCG@10"])
    assert result.aggregated["nDCG@10"] == pytest.approx(Q1_NDCG / 2, abs=1e-6)


@pytest.mark.parametrize("name", ["Foo@10", "nDCG@x"])
def test_bad_measure_raises_value_error_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match=f"measure '{name}'"):
        evaluate_run(RUN, QRELS, ["nDCG@10", name])


def test_parquet_round_trip(tmp_path) -> None:
    result = evaluate_run(RUN, QRELS, MEASURES)
    write_per_query(result.per_query, tmp_path / "per_query.parquet")
    loaded = EvaluationResult.from_parquet(tmp_path / "per_query.parquet")
    pd.testing.assert_frame_equal(loaded.per_query, result.per_query)
    assert loaded.aggregated == pytest.approx(result.aggregated)

