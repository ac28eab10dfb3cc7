"""Fixtures for task unit tests: task bodies are called directly (``task.fn``), without Prefect."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.load_dataset import load_dataset

TINY_DATA = Path(__file__).parents[1] / "flows" / "data" / "scifact-tiny"


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny SciFact slice as a dataset artifact (docs/queries/qrels Parquet + manifest)."""
    out = tmp_path_factory.mktemp("tasks") / "data"
    load_dataset.fn(str(out), docs=str(TINY_DATA / "docs.jsonl"), queries=str(TINY_DATA / "queries.tsv"),
                    qrels=str(TINY_DATA / "qrels.tsv"), docs_row_group=10)
    return out
