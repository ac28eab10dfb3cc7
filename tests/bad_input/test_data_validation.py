"""Bad data files fail at load (or warn), naming the file, the line and the id, and leave no artifact.

The ``load_dataset`` task body is called directly (``.fn``); outside a Prefect run its warnings
go to the ``tasks`` logger, inside one to the run log.
"""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from bad_input_helpers import Dataset, assert_no_artifact

from lir_core.data import DocDataset, QueryDataset, read_docs, read_qrels, read_queries, read_run
from lir_core.data.readers import is_qrels_file
from lir_core.retrieve import runs
from tasks.load_dataset import load_dataset

BOM = "\ufeff"


def load(dataset: Dataset, **sources: Path) -> Path:
    """Run the load_dataset task body on the dataset's files, some replaced by ``sources``."""
    files = {"docs": dataset.docs, "queries": dataset.queries, "qrels": dataset.qrels, **sources}
    load_dataset.fn(str(dataset.out), **{name: str(path) for name, path in files.items()})
    return dataset.out


def test_valid_dataset_loads_without_warnings(dataset: Dataset, caplog: pytest.LogCaptureFixture) -> None:
    out = load(dataset)
    assert pq.read_table(out / "queries.parquet").column("query_id").to_pylist() == ["1", "2"]
    assert pq.read_table(out / "qrels.parquet").num_rows == 2
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_qrels_naming_some_unknown_queries_warn_with_count_and_ids(
        dataset: Dataset, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    qrels = tmp_path / "extra.qrels"
    qrels.write_text("1 0 d1 1\n2 0 d3 1\n7 0 d2 1\n9 0 d2 1\n")
    with caplog.at_level(logging.WARNING, logger="tasks"):
        out = load(dataset, qrels=qrels)
    warning, = [record.getMessage() for record in caplog.records if record.name == "tasks"
                and record.levelno == logging.WARNING]
    assert warning == (f"{qrels}: 2 of 4 judged queries are not among the queries and are ignored "
                       "(e.g. '7', '9')")
    assert (out / "qrels.parquet").is_file()


def test_qrels_naming_no_known_query_fail(dataset: Dataset, tmp_path: Path) -> None:
    qrels = tmp_path / "other.qrels"
    qrels.write_text("x1 0 d1 1\nx2 0 d3 1\n")
    with pytest.raises(ValueError, match=rf"^{qrels}: none of the 2 judged queries is among the queries "
                                         r"\(e.g. 'x1', 'x2'\)"):
        load(dataset, qrels=qrels)
    assert_no_artifact(dataset.out)


def test_qrels_naming_documents_outside_the_collection_warn(
        dataset: Dataset, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    qrels = tmp_path / "docs-missing.qrels"
    qrels.write_text("1 0 d1 1\n1 0 d8 1\n2 0 d9 0\n")
    with caplog.at_level(logging.WARNING, logger="tasks"):
        load(dataset, qrels=qrels)
    assert [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING] == [
        f"{qrels}: 2 of 3 judged documents are not in the collection and can never be retrieved "
        "(they still count in recall and nDCG) (e.g. 'd8', 'd9')"]


def test_qrels_naming_no_document_of_the_collection_fail(dataset: Dataset, tmp_path: Path) -> None:
    qrels = tmp_path / "wrong-corpus.qrels"
    qrels.write_text("1 0 x1 1\n2 0 x2 1\n")
    with pytest.raises(ValueError, match=rf"^{qrels}: none of the 2 judged documents is in the collection"):
        load(dataset, qrels=qrels)
    assert_no_artifact(dataset.out)


def test_duplicate_doc_id_fails_when_the_dataset_is_made_before_any_encoding(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"_id": "a", "text": "x"}\n{"_id": "b", "text": "y"}\n{"_id": "a", "text": "z"}\n')
    with pytest.raises(ValueError, match=rf"^{docs}:3: duplicate doc id 'a' \(first on line 1\)$"):
        DocDataset(str(docs))


def test_duplicate_query_id_fails_when_the_query_dataset_is_made(tmp_path: Path) -> None:
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\ta\nq1\tb\n")
    with pytest.raises(ValueError, match=rf"^{queries}:2: duplicate query id 'q1'"):
        QueryDataset(str(queries))


def test_bom_in_queries_tsv_is_stripped_at_load(dataset: Dataset) -> None:
    dataset.queries.write_text(BOM + dataset.queries.read_text(), encoding="utf-8")
    out = load(dataset)
    assert pq.read_table(out / "queries.parquet").column("query_id").to_pylist() == ["1", "2"]


@pytest.mark.parametrize(("name", "content", "reader", "expected"), [
    ("docs.tsv", "d1\ttext\n", lambda p: list(read_docs(p))[0].doc_id, "d1"),
    ("docs.jsonl", '{"_id": "d1", "text": "t"}\n', lambda p: list(read_docs(p))[0].doc_id, "d1"),
    ("queries.tsv", "1\tq\n", lambda p: list(read_queries(p))[0].query_id, "1"),
    ("qrels.txt", "1 0 d1 1\n", read_qrels, {"1": {"d1": 1}}),
    ("qrels.tsv", "query-id\tcorpus-id\tscore\n1\td1\t1\n", read_qrels, {"1": {"d1": 1}}),
    ("bm25.run", "1 Q0 d1 1 2.5 bm25\n", read_run, {"1": {"d1": 2.5}}),
    ("msmarco.tsv", "1\td1\t1\n", read_run, {"1": {"d1": -1.0}}),
    ("written.run", "1 Q0 d1 1 2.5 bm25\n", lambda p: runs.read_run(p)["query_id"].tolist(), ["1"]),
])
def test_bom_is_stripped_in_every_text_reader(tmp_path: Path, name: str, content: str, reader, expected) -> None:
    path = tmp_path / name
    path.write_text(BOM + content, encoding="utf-8")
    assert reader(path) == expected
    gz = tmp_path / f"{name}.gz"
    gz.write_bytes(gzip.compress((BOM + content).encode()))
    if name != "written.run":  # the pipeline's own run reader reads plain files only
        assert reader(gz) == expected


def test_bom_before_the_beir_header_still_marks_qrels(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text(BOM + "query-id\tcorpus-id\tscore\n1\td1\t1\n", encoding="utf-8")
    assert is_qrels_file(path)




@pytest.mark.parametrize(("name", "data", "reader"), [
    ("queries.tsv.gz", b"1\tok\n\n2\t\xff\n", lambda p: list(read_queries(p))),
    ("qrels.txt", b"1 0 d1 1\n\n2 \xff d2 1\n", read_qrels),
    ("a.run", b"1 Q0 d1 1 2.0 t\n\n2 \xff d2 1 1.0 t\n", read_run),
])
def test_non_utf8_in_other_text_files_names_file_and_line(tmp_path: Path, name: str, data: bytes, reader) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    with pytest.raises(ValueError, match=rf"^{path}:3: not UTF-8 \(byte 0xff at column 3\)"):
        reader(path)


def test_beir_qrels_with_a_space_in_a_doc_id_are_not_read_as_trec(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\tdoc 1\t1\nq1\tdoc 2\t0\n")
    assert read_qrels(path) == {"q1": {"doc 1": 1, "doc 2": 0}}


def test_tab_separated_trec_qrels_are_read_by_column_count(tmp_path: Path) -> None:
    path = tmp_path / "qrels.txt"
    path.write_text("q1\t0\tdoc 1\t2\n")
    assert read_qrels(path) == {"q1": {"doc 1": 2}} and is_qrels_file(path)


def test_qrels_lines_must_keep_the_first_lines_format(tmp_path: Path) -> None:
    path = tmp_path / "mixed.qrels"
    path.write_text("q1 0 d1 1\nq2 d2 1\n")
    with pytest.raises(ValueError, match=rf"^{path}:2: expected .* consistently, got 3 field\(s\) "
                                         "where the first line has 4$"):
        read_qrels(path)


def test_msmarco_run_with_spaces_in_ids_is_split_on_tabs(tmp_path: Path) -> None:
    path = tmp_path / "run.tsv"
    path.write_text("q 1\td 1\t1\nq 1\td 2\t2\n")
    assert read_run(path) == {"q 1": {"d 1": -1.0, "d 2": -2.0}}


@pytest.mark.parametrize(("source", "content", "error"), [
    ("queries", b"1\tfirst\n2\tsecond\n1\tlater text\n", r":3: duplicate query id '1' \(first on line 1\)$"),
    ("docs", b"d1\tone\nd2\ttwo\nd3\tthree\n\nd2\tagain\n", r":5: duplicate doc id 'd2' \(first on line 2\)$"),
    ("docs", b"\n\n", r": the collection has no documents$"),
    ("queries", b"", r": there are no queries$"),
    ("qrels", b"query-id\tcorpus-id\tscore\n", r": there are no relevance judgements$"),
    ("docs", b"d1\tone\nd2\tcaf\xe9 latin-1\n", r":2: not UTF-8 \(byte 0xe9 at column 7\)"),
], ids=["duplicate-query-id", "duplicate-doc-id", "no-docs", "no-queries", "no-qrels", "non-utf8-docs"])
def test_bad_source_fails_naming_file_and_line_and_writes_nothing(dataset: Dataset, source: str, content: bytes,
                                                                   error: str) -> None:
    path = getattr(dataset, source)
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}{error}"):
        load(dataset)
    assert_no_artifact(dataset.out)
