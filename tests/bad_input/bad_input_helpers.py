"""Helpers for the bad-input tests: a tiny valid dataset as files, and a check that a failed
task left no artifact behind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DOCS = {"d1": "Berlin is the capital of Germany.", "d2": "Paris is the capital of France.",
        "d3": "Vitamin D deficiency is associated with bone loss."}
QUERIES = {"1": "capital of Germany", "2": "vitamin d and bone loss"}
QRELS = {"1": {"d1": 1}, "2": {"d3": 1}}


@dataclass(frozen=True)
class Dataset:
    """A tiny dataset's files (TSV docs and queries, BEIR qrels) and the artifact folder to write."""

    docs: Path
    queries: Path
    qrels: Path
    out: Path


def write_dataset(tmp_path: Path) -> Dataset:
    """Write the tiny dataset into ``tmp_path``; ``out`` (under ``artifacts/``) does not exist yet."""
    files = Dataset(tmp_path / "docs.tsv", tmp_path / "queries.tsv", tmp_path / "qrels.tsv",
                    tmp_path / "artifacts" / "data")
    files.docs.write_text("".join(f"{doc_id}\t{text}\n" for doc_id, text in DOCS.items()))
    files.queries.write_text("".join(f"{query_id}\t{text}\n" for query_id, text in QUERIES.items()))
    files.qrels.write_text("query-id\tcorpus-id\tscore\n"
                           + "".join(f"{q}\t{d}\t{r}\n" for q, judged in QRELS.items() for d, r in judged.items()))
    return files


def assert_no_artifact(out: Path) -> None:
    """``out`` was not written, and no temporary folder was left beside it."""
    assert not out.exists()
    assert not out.parent.exists() or not list(out.parent.iterdir())
