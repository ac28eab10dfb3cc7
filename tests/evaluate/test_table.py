"""ExperimentTable: values, † placement, correction families, CSV and markdown output."""

from __future__ import annotations

import pandas as pd
import pytest

from lir_core.evaluate import EvaluationResult, ExperimentTable

QUERIES = ["q1", "q2", "q3", "q4", "q5"]
BASE = [0.4, 0.5, 0.3, 0.6, 0.2]  # mean 0.4
# Differences 0.1, 0.2, 0.05, 0.15, 0.0: paired t = 2 * sqrt(2), p = 0.0474 (see
# test_significance): significant alone, not after Bonferroni over two systems.
BORDERLINE = [0.5, 0.7, 0.35, 0.75, 0.2]  # mean 0.5
# Differences all about +0.3: p far below 0.05 even after correction.
STRONG = [0.7, 0.81, 0.59, 0.9, 0.52]  # mean 0.704


def rows(system: str, dataset: str, values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"system": system, "dataset": dataset, "query_id": QUERIES, "measure": "nDCG@10",
         "value": values}
    )


def per_query() -> pd.DataFrame:
    return pd.concat(
        [
            rows("Base", "DL19", BASE),
            rows("Base", "DL20", BASE),
            rows("Strong", "DL19", STRONG),
            rows("Strong", "DL20", BASE),
            rows("Borderline", "DL19", BASE),
            rows("Borderline", "DL20", BORDERLINE),
        ]
    )


def table_lines(table: ExperimentTable) -> list[str]:
    return table.to_markdown().splitlines()


def test_markdown_values_and_dagger_placement() -> None:
    lines = table_lines(ExperimentTable(per_query(), baseline="Base", correction="bonferroni"))
    assert lines[:5] == [
        "| System | DL19 nDCG@10 | DL20 nDCG@10 |",
        "|---|---:|---:|",
        "| Base | 0.400 | 0.400 |",
        "| Strong | 0.704† | 0.400 |",
        "| Borderline | 0.400 | 0.500 |",
    ]
    assert lines[6] == "† p < 0.05 vs. Base (paired t-test, bonferroni correction per column)."


def test_a_system_can_be_tested_against_its_own_reference() -> None:
    table = ExperimentTable(per_query(), baseline="Base", references={"Borderline": "Strong"})
    comparisons = table.comparisons().set_index(["system", "dataset"])
    dl19 = comparisons.loc[("Borderline", "DL19")]
    assert dl19.reference == "Strong" and dl19.mean_difference == pytest.approx(0.4 - 0.704)
    assert dl19.significant  # about -0.3 on every query
    dl20 = comparisons.loc[("Borderline", "DL20")]
    assert dl20.mean_difference == pytest.approx(0.1) and dl20.pvalue == pytest.approx(0.0474207, abs=1e-6)
    assert comparisons.loc[("Strong", "DL19")].reference == "Base"
    lines = table_lines(table)
    assert lines[4] == "| Borderline | 0.400† | 0.500 |"
    assert lines[6] == ("† p < 0.05 vs. Base (Borderline vs. Strong) (paired t-test, bonferroni correction "
                        "per column).")
    with pytest.raises(ValueError, match=r"references name systems without per-query values: \['Nope'\]"):
        ExperimentTable(per_query(), baseline="Base", references={"Borderline": "Nope"})


def test_uncorrected_borderline_difference_gets_dagger() -> None:
    lines = table_lines(ExperimentTable(per_query(), baseline="Base", correction="none"))
    assert lines[4] == "| Borderline | 0.400 | 0.500† |"


def test_comparisons_frame() -> None:
    comparisons = ExperimentTable(per_query(), baseline="Base").comparisons()
    borderline = comparisons.query("system == 'Borderline' and dataset == 'DL20'").iloc[0]
    assert borderline.value == pytest.approx(0.5)
    assert borderline.mean_difference == pytest.approx(0.1)
    assert borderline.pvalue == pytest.approx(0.0474207, abs=1e-6)
    assert borderline.corrected_pvalue == pytest.approx(2 * 0.0474207, abs=1e-6)
    assert not borderline.significant
    base = comparisons.query("system == 'Base'")
    assert base.pvalue.isna().all() and not base.significant.any()


def test_missing_cell_shows_dash() -> None:
    frame = per_query().query("not (system == 'Strong' and dataset == 'DL20')")
    lines = table_lines(ExperimentTable(frame, baseline="Base"))
    assert lines[3] == "| Strong | 0.704† | – |"


def test_write_csv_and_markdown(tmp_path) -> None:
    table = ExperimentTable(per_query(), baseline="Base")
    table.write_csv(tmp_path / "table.csv")
    table.write_markdown(tmp_path / "table.md")
    written = pd.read_csv(tmp_path / "table.csv")
    assert len(written) == 6
    assert list(written.columns[:4]) == ["system", "dataset", "measure", "value"]
    assert (tmp_path / "table.md").read_text(encoding="utf-8") == table.to_markdown()


def test_from_results() -> None:
    def result(values: list[float]) -> EvaluationResult:
        frame = pd.DataFrame({"query_id": QUERIES, "measure": "nDCG@10", "value": values})
        return EvaluationResult(aggregated={"nDCG@10": sum(values) / 5}, per_query=frame)

    table = ExperimentTable.from_results(
        {"Base": {"DL19": result(BASE)}, "Strong": {"DL19": result(STRONG)}}, baseline="Base"
    )
    assert table_lines(table)[3] == "| Strong | 0.704† |"


def test_invalid_tables_raise() -> None:
    with pytest.raises(ValueError, match="baseline 'Nope'"):
        ExperimentTable(per_query(), baseline="Nope")
    with pytest.raises(ValueError, match="lacks columns"):
        ExperimentTable(per_query().drop(columns="dataset"), baseline="Base")
    frame = per_query().query("not (system == 'Base' and dataset == 'DL20')")
    with pytest.raises(ValueError, match="lacks nDCG@10 on 'DL20'"):
        ExperimentTable(frame, baseline="Base").comparisons()
