"""mine_negatives body: BM25 hard negatives for judged queries, as a tuples artifact TupleDataset reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lir_core.data import RunDataset, TupleDataset
from lir_core.data.holdout import ValidationFiles, holdout_queries
from lir_core.retrieve.bm25 import Bm25Retriever
from tasks.artifacts import is_valid_artifact
from tasks.mine_negatives import TUPLES, mine_negatives

TINY_DATA = Path(__file__).parents[1] / "flows" / "data" / "scifact-tiny"


def test_negatives_are_the_best_bm25_documents_not_judged_relevant(dataset_dir: Path, tmp_path: Path) -> None:
    queries, qrels = str(TINY_DATA / "queries.tsv"), str(TINY_DATA / "qrels.tsv")
    out = mine_negatives.fn(str(dataset_dir / "docs.parquet"), queries, qrels, str(tmp_path / "tuples"),
                            depth=10, num_negatives=3)
    assert is_valid_artifact(out)
    tuples = pd.read_parquet(Path(out) / TUPLES)
    judged = pd.read_parquet(dataset_dir / "qrels.parquet")
    relevant = judged[judged["relevance"] > 0].groupby("query_id")["doc_id"].apply(set).to_dict()
    assert set(tuples["query_id"]) == set(relevant)  # every judged query, each once

    docs = pd.read_parquet(dataset_dir / "docs.parquet")
    bm25 = Bm25Retriever()
    bm25.index(docs["doc_id"].tolist(), docs["doc"].tolist())
    query_texts = dict(zip(tuples["query_id"], tuples["query"]))
    run = bm25.search(query_texts, k=10)
    for row in tuples.itertuples():
        assert set(row.pos_doc_ids) == relevant[row.query_id]
        expected = [doc_id for doc_id in run[row.query_id] if doc_id not in relevant[row.query_id]][:3]
        assert list(row.neg_doc_ids) == expected
    sample = TupleDataset(str(Path(out) / TUPLES))[0]
    assert sample.docs[0] == docs.set_index("doc_id")["doc"][sample.doc_ids[0]]


def test_mining_needs_qrels(dataset_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        mine_negatives.fn(str(dataset_dir / "docs.parquet"), str(TINY_DATA / "queries.tsv"),
                          str(TINY_DATA / "queries.tsv"), str(tmp_path / "tuples"))
    assert not (tmp_path / "tuples").exists()


def test_a_validation_fraction_holds_queries_out_of_the_tuples(dataset_dir: Path, tmp_path: Path) -> None:
    queries, qrels = str(TINY_DATA / "queries.tsv"), str(TINY_DATA / "qrels.tsv")
    out = mine_negatives.fn(str(dataset_dir / "docs.parquet"), queries, qrels, str(tmp_path / "tuples"),
                            depth=10, num_negatives=3, validation_fraction=0.25, validation_depth=5)
    assert is_valid_artifact(out)
    tuples = pd.read_parquet(Path(out) / TUPLES)
    judged = set(pd.read_parquet(dataset_dir / "qrels.parquet")["query_id"])
    held_out = holdout_queries(judged, 0.25)
    assert held_out and set(tuples["query_id"]) == judged - held_out  # training never sees them
    files = ValidationFiles.in_folder(out)
    validation = RunDataset(str(files.run), docs=str(files.docs), queries=str(files.queries), qrels=str(files.qrels))
    assert {validation[i].query_id for i in range(len(validation))} == held_out
    assert all(len(validation[i].doc_ids) <= 5 and validation[i].qrels for i in range(len(validation)))


def test_titles_become_unlabelled_pseudo_queries_in_the_kept_run(dataset_dir: Path, tmp_path: Path) -> None:
    out = mine_negatives.fn(str(dataset_dir / "docs.parquet"), str(TINY_DATA / "queries.tsv"),
                            str(TINY_DATA / "qrels.tsv"), str(tmp_path / "tuples"), depth=5, num_negatives=3,
                            titles=str(TINY_DATA / "docs.jsonl"))
    queries = pd.read_parquet(Path(out) / "queries.parquet").set_index("query_id")["query"]
    titles = queries[queries.index.str.startswith("title:")]
    assert len(titles) == 48 and titles["title:1606628"].startswith("Estimates of global prevalence")
    run = pd.read_parquet(Path(out) / "run.parquet")
    assert set(run["query_id"]) == set(queries.index)
    own = run[run["query_id"] == "title:1606628"].sort_values("rank")["doc_id"].iloc[0]
    assert own == "1606628"  # a title finds its own document first
    assert not pd.read_parquet(Path(out) / TUPLES)["query_id"].str.startswith("title:").any()  # no labels: no tuples
