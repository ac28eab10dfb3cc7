"""TupleDataset: tuples from Parquet/JSONL files and ir_datasets docpairs."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lir_core.data import RankSample, TupleDataset
from lir_core.data.hard_negatives import TUPLES_SCHEMA


@pytest.fixture
def tuples_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "tuples.parquet"
    rows = {
        "query_id": ["q1"],
        "query": ["capital of Germany"],
        "pos_doc_ids": [["d1"]],
        "pos_docs": [["Berlin text"]],
        "neg_doc_ids": [["d2", "d5", "d6"]],
        "neg_docs": [["Paris text", "nets text", "sparse text"]],
    }
    pq.write_table(pa.table(rows, schema=TUPLES_SCHEMA), path)
    return path


def test_parquet_tuples_positives_first_with_order_targets(tuples_parquet: Path) -> None:
    dataset = TupleDataset(str(tuples_parquet))
    assert len(dataset) == 1
    sample = dataset[0]
    assert (sample.query_id, sample.query) == ("q1", "capital of Germany")
    assert sample.doc_ids == ("d1", "d2", "d5", "d6")
    assert sample.docs == ("Berlin text", "Paris text", "nets text", "sparse text")
    assert sample.targets.tolist() == [1.0, 0.0, 0.0, 0.0]


def test_num_docs_truncates_negatives(tuples_parquet: Path) -> None:
    sample = TupleDataset(str(tuples_parquet), num_docs=2, targets=None)[0]
    assert sample.doc_ids == ("d1", "d2") and sample.docs == ("Berlin text", "Paris text")
    assert sample.targets is None


def test_jsonl_ids_only_look_texts_up(tmp_path: Path, tiny) -> None:
    path = tmp_path / "tuples.jsonl"
    path.write_text(json.dumps({"query_id": "q2", "pos_doc_ids": ["d3"], "neg_doc_ids": ["d4"]}) + "\n")
    sample = TupleDataset(str(path), docs=str(tiny.docs), queries=str(tiny.queries))[0]
    assert sample.query == "vitamin d and bone loss"
    assert sample.docs == (tiny.doc_texts["d3"], tiny.doc_texts["d4"])
    with pytest.raises(ValueError, match="the tuples carry no queries texts; pass queries="):
        TupleDataset(str(path), docs=str(tiny.docs))


def test_irds_docpairs(tiny_irds: str, tiny) -> None:
    dataset = TupleDataset(tiny_irds)
    assert len(dataset) == 2
    sample = dataset[1]
    assert sample == RankSample(
        query_id="q2",
        query="vitamin d and bone loss",
        doc_ids=("d3", "d4"),
        docs=(tiny.doc_texts["d3"], tiny.doc_texts["d4"]),
        targets=sample.targets,
    )
    assert sample.targets.tolist() == [1.0, 0.0]


def test_irds_dataset_without_docpairs(scifact: str) -> None:
    with pytest.raises(ValueError, match="beir/scifact/test: the dataset has no docpairs"):
        TupleDataset(scifact)
