"""Held-out validation queries: a fixed split by id hash, written as a self-contained RunDataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from lir_core.data import RunDataset
from lir_core.data.holdout import ValidationFiles, holdout_queries, write_validation_set


def test_the_split_is_a_fixed_fraction_chosen_by_id() -> None:
    ids = [str(number) for number in range(200)]
    held_out = holdout_queries(ids, 0.1)
    assert len(held_out) == 20 and held_out <= set(ids)
    assert holdout_queries(reversed(ids), 0.1) == held_out  # order does not matter
    assert holdout_queries(ids[:100], 0.1) != set()
    assert holdout_queries(ids, 0.0) == set() and holdout_queries(["a"], 0.5) == set()
    assert len(holdout_queries(["a", "b", "c"], 0.1)) == 1  # at least one when asked for
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        holdout_queries(ids, 1.0)


def test_the_written_set_reads_as_a_run_dataset_with_qrels(tmp_path: Path) -> None:
    run = {"q1": {"d1": 3.0, "d2": 2.0, "d3": 1.0}, "q2": {"d3": 5.0, "d1": 1.0}}
    qrels = {"q1": {"d2": 1}, "q2": {"d3": 2}, "q3": {"d1": 1}}
    files = write_validation_set(run, qrels, {"q1": "first", "q2": "second"}, {"d1": "a", "d2": "b", "d3": "c"},
                                 tmp_path, depth=2)
    assert files == ValidationFiles.in_folder(tmp_path) and files.exist()
    dataset = RunDataset(str(files.run), docs=str(files.docs), queries=str(files.queries), qrels=str(files.qrels))
    samples = {sample.query_id: sample for sample in (dataset[0], dataset[1])}
    assert samples["q1"].doc_ids == ("d1", "d2") and samples["q1"].docs == ("a", "b")
    assert samples["q2"].qrels == {"d3": 2} and samples["q2"].query == "second"


def test_validation_queries_need_text_and_qrels(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"without text or qrels: \['q9'\]"):
        write_validation_set({"q9": {"d1": 1.0}}, {}, {"q9": "x"}, {"d1": "a"}, tmp_path, depth=5)
    with pytest.raises(ValueError, match="depth"):
        write_validation_set({"q1": {"d1": 1.0}}, {"q1": {"d1": 1}}, {"q1": "x"}, {"d1": "a"}, tmp_path, depth=0)
