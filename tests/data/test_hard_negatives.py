"""Hard-negative mining into TupleDataset Parquet."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lir_core.data import TupleDataset, mine_hard_negatives, read_qrels, read_run
from lir_core.data.hard_negatives import TUPLES_SCHEMA
from lir_core.data.doc_lookup import DictDocLookup, doc_lookup
from lir_core.data.sources import load_qrels, load_queries
from lir_core.retrieve.bm25 import Bm25Retriever


def test_mined_tuples_skip_judged_relevant_docs(tiny, tmp_path: Path) -> None:
    output = tmp_path / "out" / "tuples.parquet"
    stats = mine_hard_negatives(
        read_run(tiny.run), read_qrels(tiny.qrels), tiny.query_texts, DictDocLookup(tiny.doc_texts), output,
        num_negatives=2,
    )
    assert (stats.path, stats.num_tuples, stats.num_without_positive, stats.num_without_negative) == (output, 2, 0, 0)
    table = pq.read_table(output)
    assert table.schema == TUPLES_SCHEMA
    rows = table.to_pylist()
    # q1's run is d2 (judged 0: a valid negative), d1 (relevant), d5, d6.
    assert rows[0]["pos_doc_ids"] == ["d1"] and rows[0]["neg_doc_ids"] == ["d2", "d5"]
    assert rows[0]["neg_docs"] == [tiny.doc_texts["d2"], tiny.doc_texts["d5"]]
    assert rows[1]["pos_doc_ids"] == ["d3"] and rows[1]["neg_doc_ids"] == ["d4", "d1"]
    assert [p.name for p in output.parent.iterdir()] == ["tuples.parquet"]
    sample = TupleDataset(str(output))[0]
    assert sample.doc_ids == ("d1", "d2", "d5") and sample.targets.tolist() == [1.0, 0.0, 0.0]


def test_depth_min_relevance_and_skipped_queries(tiny, tmp_path: Path) -> None:
    stats = mine_hard_negatives(
        read_run(tiny.run), read_qrels(tiny.qrels), tiny.query_texts, DictDocLookup(tiny.doc_texts),
        tmp_path / "t.parquet", depth=1, min_relevance=2,
    )
    # q1: depth 1 leaves d2 as negative; q2: its only judgement (1) is below min_relevance.
    assert (stats.num_tuples, stats.num_without_positive) == (1, 1)
    assert pq.read_table(tmp_path / "t.parquet").to_pylist()[0]["neg_doc_ids"] == ["d2"]
    with pytest.raises(ValueError, match="no tuple could be built: 2 queries lack a positive"):
        mine_hard_negatives(read_run(tiny.run), {}, tiny.query_texts, DictDocLookup(tiny.doc_texts),
                            tmp_path / "none.parquet")
    assert not (tmp_path / "none.parquet").exists()
    with pytest.raises(ValueError, match="must be >= 1"):
        mine_hard_negatives({}, {}, {}, DictDocLookup({}), tmp_path / "x.parquet", num_negatives=0)


def test_scifact_train_bm25_negatives(scifact_bm25: Bm25Retriever, tmp_path: Path) -> None:
    dataset_id = "beir/scifact/train"
    docs = doc_lookup(dataset_id)
    qrels = load_qrels(dataset_id)
    queries = {qid: text for qid, text in load_queries(dataset_id).items() if qid in qrels}
    first_20 = dict(list(queries.items())[:20])
    stats = mine_hard_negatives(scifact_bm25.search(first_20, k=50), qrels, queries, docs, tmp_path / "hn.parquet",
                                num_negatives=4)
    assert stats.num_tuples == 20
    tuples = TupleDataset(str(stats.path))
    for index in range(len(tuples)):
        sample = tuples[index]
        judged = qrels[sample.query_id]
        positives = [d for d in sample.doc_ids if judged.get(d, 0) > 0]
        assert len(sample.doc_ids) == len(positives) + 4
        assert positives == list(sample.doc_ids[: len(positives)])
