"""Fixtures for the data-layer tests: a tiny collection as local files and as an ir_datasets id."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ir_datasets
import pytest
from staged_data import require_files

from lir_core.data.sources import iter_docs
from lir_core.retrieve.bm25 import Bm25Retriever

DOCS = {
    "d1": "Berlin is the capital of Germany.",
    "d2": "Paris is the capital of France.",
    "d3": "Vitamin D deficiency is associated with bone loss.",
    "d4": "Aspirin reduces the risk of heart attack.",
    "d5": "Neural networks learn representations of text.",
    "d6": "Sparse retrieval uses an inverted index.",
}
QUERIES = {"q1": "capital of Germany", "q2": "vitamin d and bone loss"}
QRELS = {"q1": {"d1": 2, "d2": 0}, "q2": {"d3": 1}}
# TREC run lines deliberately out of score order within q1.
RUN_LINES = [
    "q1 Q0 d1 2 8.0 bm25",
    "q1 Q0 d2 1 9.0 bm25",
    "q1 Q0 d5 3 7.0 bm25",
    "q1 Q0 d6 4 6.0 bm25",
    "q2 Q0 d4 1 5.0 bm25",
    "q2 Q0 d3 2 4.0 bm25",
    "q2 Q0 d1 3 3.0 bm25",
]
TINY_IRDS_ID = "lir-test/tiny"


@dataclass(frozen=True)
class TinyFiles:
    """The tiny collection: its local files and, for assertions, its contents."""

    docs: Path
    queries: Path
    qrels: Path
    run: Path
    doc_texts: dict[str, str] = field(default_factory=lambda: dict(DOCS))
    query_texts: dict[str, str] = field(default_factory=lambda: dict(QUERIES))
    judgements: dict[str, dict[str, int]] = field(default_factory=lambda: {q: dict(j) for q, j in QRELS.items()})


def write_tiny_files(folder: Path) -> TinyFiles:
    """Write the tiny collection (TSV docs and queries, TREC qrels and run) into ``folder``."""
    files = TinyFiles(folder / "docs.tsv", folder / "queries.tsv", folder / "qrels.txt", folder / "bm25.run")
    files.docs.write_text("".join(f"{doc_id}\t{text}\n" for doc_id, text in DOCS.items()))
    files.queries.write_text("".join(f"{query_id}\t{text}\n" for query_id, text in QUERIES.items()))
    files.qrels.write_text(
        "".join(f"{q} 0 {d} {rel}\n" for q, judged in QRELS.items() for d, rel in judged.items())
    )
    files.run.write_text("\n".join(RUN_LINES) + "\n")
    return files


@pytest.fixture
def tiny(tmp_path: Path) -> TinyFiles:
    """The tiny collection as local files in a fresh folder."""
    return write_tiny_files(tmp_path)


@pytest.fixture(scope="session")
def tiny_irds(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Register the tiny collection as an ir_datasets dataset with scoreddocs and docpairs."""
    if TINY_IRDS_ID not in ir_datasets.registry:
        from ir_datasets.datasets.base import Dataset
        from ir_datasets.formats import TrecQrels, TrecScoredDocs, TsvDocPairs, TsvDocs, TsvQueries
        from ir_datasets.util import LocalDownload

        files = write_tiny_files(tmp_path_factory.mktemp("tiny-irds"))
        pairs = files.docs.parent / "pairs.tsv"
        pairs.write_text("q1\td1\td2\nq2\td3\td4\n")
        ir_datasets.registry.register(
            TINY_IRDS_ID,
            Dataset(
                TsvDocs(LocalDownload(files.docs)),
                TsvQueries(LocalDownload(files.queries)),
                TrecQrels(LocalDownload(files.qrels), {0: "not relevant", 1: "relevant", 2: "highly relevant"}),
                TrecScoredDocs(LocalDownload(files.run)),
                TsvDocPairs(LocalDownload(pairs)),
            ),
        )
    return TINY_IRDS_ID


@pytest.fixture(scope="session")
def scifact() -> str:
    """The id of the real SciFact test split; skips (fails in CI) when the cache lacks it."""
    require_files("beir/scifact/source.zip", what="beir/scifact")
    return "beir/scifact/test"


@pytest.fixture(scope="session")
def trec_dl_2019() -> str:
    """The id of the judged TREC DL 2019 queries; skips (fails in CI) when the cache lacks them."""
    require_files("msmarco-passage/trec-dl-2019/queries.tsv", "msmarco-passage/trec-dl-2019/qrels",
                  what="TREC DL 2019")
    return "msmarco-passage/trec-dl-2019/judged"


@pytest.fixture(scope="session")
def scifact_bm25(scifact: str) -> Bm25Retriever:
    """A BM25 index of the SciFact collection (built once per session)."""
    docs = list(iter_docs("beir/scifact"))
    bm25 = Bm25Retriever()
    bm25.index([doc.doc_id for doc in docs], [doc.doc for doc in docs])
    return bm25
