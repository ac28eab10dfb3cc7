"""Search entry points and run files: exhaustive search values, run round trips and checks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lir_core.data.samples import DocSample
from lir_core.retrieve import (
    FaissFlatIndexConfig,
    FaissSearchConfig,
    Retriever,
    SearchResult,
    encode_collection,
    exhaustive_search,
    indexer_for,
    read_run,
    validate_run_doc_ids,
    write_run,
)
from lir_core.retrieve.faiss import FaissFlatSearcher

RESULT = SearchResult(
    query_ids=["q1", "q2"],
    doc_ids=[["d3", "d1", "d2"], ["d2"]],
    scores=[[2.5, 1.25, -0.125], [0.333333343]],
)


def test_exhaustive_search_ranks_by_the_module_score(bi_encoder, small_docs) -> None:
    module = bi_encoder(query_pooling_strategy=None, doc_pooling_strategy=None)  # MaxSim
    docs = small_docs[:15]
    result = exhaustive_search(module, docs, {"q": "capital of germany"}, k=4)
    scores = module.score("capital of germany", [d.doc for d in docs]).scores
    best = scores.argsort(descending=True)[:4].tolist()
    assert result.doc_ids == [[docs[i].doc_id for i in best]]
    assert result.scores[0] == pytest.approx(scores[best].tolist(), abs=1e-5)
    mapping = exhaustive_search(module, {d.doc_id: d.doc for d in docs}, ["capital of germany"], k=4)
    assert mapping.doc_ids == result.doc_ids and mapping.query_ids == ["0"]


def test_retriever_opens_the_searcher_the_manifest_names(bi_encoder, small_docs, tmp_path) -> None:
    module = bi_encoder()
    encode_collection(module, small_docs, tmp_path / "shards")
    indexer_for(FaissFlatIndexConfig()).build(tmp_path / "shards", tmp_path / "index", FaissFlatIndexConfig())
    retriever = Retriever.open(module, tmp_path / "index", FaissSearchConfig(k=5), batch_size=2)
    assert isinstance(retriever.searcher, FaissFlatSearcher)
    queries = {"b": "dog", "a": "capital of germany", "c": "vitamin bone loss"}
    result = retriever.search(queries)
    assert result.query_ids == ["b", "a", "c"]
    for query_id, doc_ids in zip(result.query_ids, result.doc_ids):
        assert doc_ids == exhaustive_search(module, small_docs, [queries[query_id]], k=5).doc_ids[0]


def test_run_round_trips_through_parquet_and_trec(tmp_path) -> None:
    files = write_run(RESULT, tmp_path / "runs" / "beir-scifact-test", tag="tiny", producer={"model": "m"})
    assert files.parquet.name == "beir-scifact-test.parquet" and files.trec.name == "beir-scifact-test.run"
    assert files.trec.read_text().splitlines()[0] == "q1 Q0 d3 1 2.5 tiny"
    expected = pd.DataFrame(
        {"query_id": ["q1", "q1", "q1", "q2"], "doc_id": ["d3", "d1", "d2", "d2"], "rank": [1, 2, 3, 1],
         "score": [2.5, 1.25, -0.125, 0.333333343]}
    ).astype({"rank": "int32"})
    pd.testing.assert_frame_equal(read_run(files.parquet), expected)
    pd.testing.assert_frame_equal(read_run(files.trec), expected)
    manifest = json.loads((tmp_path / "runs" / "manifest.json").read_text())
    assert manifest["kind"] == "runs" and manifest["producer"] == {"model": "m"}
    assert {name: entry["rows"] for name, entry in manifest["files"].items()} == {
        "beir-scifact-test.parquet": 4, "beir-scifact-test.run": 4,
    }
    assert not [p for p in (tmp_path / "runs").iterdir() if p.name.endswith(".tmp")]


def test_run_errors_are_clear(tmp_path) -> None:
    with pytest.raises(ValueError, match="without whitespace"):
        write_run(RESULT, tmp_path / "run", tag="my run")
    with pytest.raises(FileNotFoundError, match="no such run file"):
        read_run(tmp_path / "missing.run")
    bad = tmp_path / "bad.run"
    bad.write_text("q1 Q0 d1 1 2.0 tag\nq1 d2 2 1.0\n")
    with pytest.raises(ValueError, match="bad.run:2"):
        read_run(bad)


def test_runs_naming_unknown_documents_are_refused(tmp_path) -> None:
    collection = [DocSample("d1", "x"), DocSample("d2", "y")]
    with pytest.raises(ValueError, match=r"names 1 document\(s\) not in the collection, e.g. \['d3'\]"):
        validate_run_doc_ids(RESULT, (d.doc_id for d in collection))
    run = read_run(write_run(RESULT, tmp_path / "run").parquet)
    with pytest.raises(ValueError, match=r"\['d3', 'd2'\]"):
        validate_run_doc_ids(run, ["d1"])
    validate_run_doc_ids(run, ["d1", "d2", "d3"])
