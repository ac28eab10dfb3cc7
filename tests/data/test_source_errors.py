"""Clear errors: unknown ids, missing or empty files, qrels naming unknown queries, failed downloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from lir_core.data import DocDataset, QueryDataset, RunDataset
from lir_core.data.doc_lookup import DictDocLookup


def test_unknown_irds_id_suggests_close_ids() -> None:
    with pytest.raises(ValueError, match=r"'beir/scifakt/test' is neither an existing file nor an ir_datasets id; "
                                         r"did you mean: beir/scifact/test"):
        DocDataset("beir/scifakt/test")


def test_unknown_id_without_close_match() -> None:
    with pytest.raises(ValueError, match=r"^'zzzz' is neither an existing file nor an ir_datasets id$"):
        QueryDataset("zzzz")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="missing.jsonl: no such file"):
        DocDataset(str(tmp_path / "missing.jsonl"))
    with pytest.raises(ValueError, match="is a folder"):
        DocDataset(str(tmp_path))


def test_empty_collections_and_query_files(tmp_path: Path, tiny) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="empty.tsv: the collection has no documents"):
        DocDataset(str(empty))
    with pytest.raises(ValueError, match="empty.tsv: there are no queries"):
        QueryDataset(str(empty))
    with pytest.raises(ValueError, match="empty.tsv: the collection has no documents"):
        RunDataset(str(tiny.run), docs=str(empty), queries=str(tiny.queries))
    empty_run = tmp_path / "empty.run"
    empty_run.write_text("")
    with pytest.raises(ValueError, match="empty.run: the run is empty"):
        RunDataset(str(empty_run), docs=str(tiny.docs), queries=str(tiny.queries))


def test_qrels_with_some_unknown_queries_warn(tmp_path: Path, tiny) -> None:
    qrels = tmp_path / "extra.qrels"
    qrels.write_text("q1 0 d1 1\nq9 0 d2 1\n")
    with pytest.warns(UserWarning, match=r"extra.qrels: 1 of 2 judged queries are not among the queries and are "
                                         r"ignored \(e.g. 'q9'\)"):
        dataset = QueryDataset(str(tiny.queries), qrels=str(qrels))
    assert [sample.qrels for sample in dataset] == [{"d1": 1}, {}]


def test_qrels_with_only_unknown_queries_fail(tmp_path: Path, tiny) -> None:
    qrels = tmp_path / "other.qrels"
    qrels.write_text("x1 0 d1 1\nx2 0 d2 1\n")
    with pytest.raises(ValueError, match="none of the 2 judged queries is among the queries"):
        QueryDataset(str(tiny.queries), qrels=str(qrels))


def test_missing_documents_are_named() -> None:
    with pytest.raises(ValueError, match=r"corpus: 1 document id\(s\) not in the collection \(e.g. 'b'\)"):
        DictDocLookup({"a": "text"}, "corpus").texts(["a", "b"])


def test_unreachable_scoreddocs_give_a_hint(monkeypatch: pytest.MonkeyPatch, tiny_irds: str, tiny) -> None:
    import ir_datasets

    dataset = ir_datasets.load(tiny_irds)

    def offline():
        raise ConnectionError("no network")

    monkeypatch.setattr(dataset, "scoreddocs_iter", offline, raising=False)
    with pytest.raises(RuntimeError, match=r"lir-test/tiny: could not read its scoreddocs .*run_from='qrels'"):
        RunDataset(tiny_irds)
