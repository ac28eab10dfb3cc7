"""Local file readers and writers: formats, ordering and line-numbered errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lir_core.data import (
    DocSample,
    QuerySample,
    read_docs,
    read_qrels,
    read_queries,
    read_run,
    read_tuples,
)
from lir_core.data.readers import is_qrels_file
from lir_core.retrieve.bm25 import write_run_files



def test_tsv_docs_with_and_without_title(tmp_path: Path) -> None:
    path = tmp_path / "docs.tsv"
    path.write_text("a\tplain text\nb\tA Title\tbody text\n\n")
    assert list(read_docs(path)) == [DocSample("a", "plain text"), DocSample("b", "A Title body text")]


def test_beir_jsonl_docs_join_title_and_skip_empty_title(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    rows = [{"_id": "1", "title": "T", "text": "body"}, {"_id": "2", "title": "", "text": "only body"}]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    assert list(read_docs(path)) == [DocSample("1", "T body"), DocSample("2", "only body")]


def test_gzipped_jsonl_and_parquet_docs(tmp_path: Path) -> None:
    gz = tmp_path / "docs.jsonl.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(json.dumps({"doc_id": "x", "doc": "gz text"}) + "\n")
    parquet = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"doc_id": ["p1", "p2"], "text": ["one", "two"]}), parquet)
    assert list(read_docs(gz)) == [DocSample("x", "gz text")]
    assert list(read_docs(parquet)) == [DocSample("p1", "one"), DocSample("p2", "two")]


def test_queries_tsv_and_jsonl(tmp_path: Path) -> None:
    tsv = tmp_path / "queries.tsv"
    tsv.write_text("q1\tfirst query\nq2\tsecond\n")
    jsonl = tmp_path / "queries.jsonl"
    jsonl.write_text(json.dumps({"_id": "7", "text": "beir query", "metadata": {}}) + "\n")
    assert list(read_queries(tsv)) == [QuerySample("q1", "first query"), QuerySample("q2", "second")]
    assert list(read_queries(jsonl)) == [QuerySample("7", "beir query")]


def test_trec_and_beir_qrels(tiny, tmp_path: Path) -> None:
    beir = tmp_path / "test.tsv"
    beir.write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td3\t1\n")
    assert read_qrels(tiny.qrels) == tiny.judgements
    assert read_qrels(beir) == tiny.judgements
    assert is_qrels_file(tiny.qrels) and is_qrels_file(beir) and not is_qrels_file(tiny.run)


def test_trec_run_is_ordered_by_score(tiny) -> None:
    run = read_run(tiny.run)
    assert list(run) == ["q1", "q2"]
    assert list(run["q1"].items()) == [("d2", 9.0), ("d1", 8.0), ("d5", 7.0), ("d6", 6.0)]
    assert list(run["q2"]) == ["d4", "d3", "d1"]


def test_msmarco_run_scores_are_negative_ranks(tmp_path: Path) -> None:
    path = tmp_path / "run.tsv"
    path.write_text("q1\td2\t2\nq1\td1\t1\n")
    assert read_run(path) == {"q1": {"d1": -1.0, "d2": -2.0}}
    assert list(read_run(path)["q1"]) == ["d1", "d2"]


def test_runs_written_by_the_project_writer_read_back(tiny, tmp_path: Path) -> None:
    run = read_run(tiny.run)
    files = write_run_files(run, tmp_path / "out" / "copy", tag="copy")
    assert files.trec.read_text().splitlines()[0] == "q1 Q0 d2 1 9 copy"
    table = pq.read_table(files.parquet)
    assert table.column_names == ["query_id", "doc_id", "rank", "score"]
    assert table.slice(0, 2).to_pylist() == [
        {"query_id": "q1", "doc_id": "d2", "rank": 1, "score": 9.0},
        {"query_id": "q1", "doc_id": "d1", "rank": 2, "score": 8.0},
    ]
    assert read_run(files.trec) == run and read_run(files.parquet) == run


@pytest.mark.parametrize(
    ("name", "content", "reader", "message"),
    [
        ("docs.tsv", "a\tok\nb\n", read_docs, r"docs\.tsv:2: expected 'doc_id<TAB>\[title<TAB>\]text', got 1"),
        ("docs.jsonl", '{"_id": "1", "text": "x"}\n{"_id": 2,\n', read_docs, r"docs\.jsonl:2: invalid JSON"),
        ("docs.jsonl", '{"_id": "1"}\n', read_docs, r"docs\.jsonl:1: missing field, expected one of \['doc'"),
        ("queries.tsv", "q1\ta\tb\n", read_queries, r"queries\.tsv:1: expected 'query_id<TAB>text', got 3"),
        ("qrels.txt", "q1 0 d1 1\nq1 0 d2 yes\n", read_qrels, r"qrels\.txt:2: relevance must be an integer, got 'yes'"),
        ("qrels.txt", "q1 0 d1 1\nq1 d2\n", read_qrels, r"qrels\.txt:2: expected 'query_id iteration doc_id"),
        ("a.run", "q1 Q0 d1 1 2.0 t\nq1 Q0 d2 2 t\n", read_run, r"a\.run:2: expected 6 fields"),
        ("b.run", "q1 Q0 d1 1 2.0 t\n\nq1 Q0 d2 x 1.0 t\n", read_run, r"b\.run:3: rank must be an integer, got 'x'"),
        ("c.run", "q1 Q0 d1 1 2.0 t\nq1 Q0 d1 2 1.0 t\n", read_run, r"c\.run:2: document 'd1' listed twice"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, name: str, content: str, reader, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        list(reader(path)) if reader in (read_docs, read_queries) else reader(path)


def test_tuples_jsonl_ids_only_and_bad_lengths(tmp_path: Path) -> None:
    path = tmp_path / "tuples.jsonl"
    path.write_text(json.dumps({"query_id": "q1", "pos_doc_ids": ["d1"], "neg_doc_ids": ["d2", "d5"]}) + "\n")
    (record,) = read_tuples(path)
    assert (record.query_id, record.query, record.pos_doc_ids, record.neg_doc_ids) == ("q1", None, ("d1",), ("d2", "d5"))
    assert record.pos_docs is None and record.neg_docs is None
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"query_id": "q1", "pos_doc_ids": ["d1"], "neg_doc_ids": ["d2"]}) + "\n"
        + json.dumps({"query_id": "q2", "pos_doc_ids": ["d3"], "neg_doc_ids": ["d4"], "neg_docs": ["a", "b"]}) + "\n"
    )
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: neg_docs has 2 texts for 1 ids"):
        read_tuples(bad)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.tsv"):
        list(read_docs(tmp_path / "nope.tsv"))


def test_titles_of_a_collection_file(tmp_path: Path) -> None:
    from lir_core.data.readers import read_titles
    from lir_core.data.sources import load_titles

    tsv = tmp_path / "docs.tsv"
    tsv.write_text("d1\tFirst title\tbody one\nd2\t\tbody two\nd3\tbody three\n")
    assert read_titles(tsv) == {"d1": "First title"}
    untitled = tmp_path / "plain.tsv"
    untitled.write_text("d1\tbody\n")
    with pytest.raises(ValueError, match="no document has a title"):
        load_titles(str(untitled))
