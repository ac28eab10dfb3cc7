"""Each task body on the tiny SciFact slice with a tiny random BERT: one artifact, with a manifest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from lir_core.retrieve.shards import ShardSet, plan_shards
from tasks.artifacts import is_valid_artifact
from tasks.build_index import build_index
from tasks.encode_shard import encode_shard, read_docs, write_shards_manifest
from tasks.evaluate import evaluate
from tasks.re_rank import re_rank
from tasks.report import summarize, summarize_variants
from tasks.search import search

MEASURES = ["nDCG@10", "RR@10", "R@100"]


@pytest.fixture(scope="module")
def model(tiny_backbone: Callable[..., Path]) -> str:
    return str(tiny_backbone("bert"))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")


def test_load_dataset_writes_three_parquet_files(dataset_dir: Path) -> None:
    assert is_valid_artifact(dataset_dir)
    docs = pd.read_parquet(dataset_dir / "docs.parquet")
    assert list(docs.columns) == ["doc_id", "doc"] and len(docs) == 48
    assert len(pd.read_parquet(dataset_dir / "queries.parquet")) == 12
    assert set(pd.read_parquet(dataset_dir / "qrels.parquet").columns) == {"query_id", "doc_id", "relevance"}


def test_read_docs_reads_slices_across_row_groups(dataset_dir: Path) -> None:
    docs = pd.read_parquet(dataset_dir / "docs.parquet")
    part = read_docs(str(dataset_dir / "docs.parquet"), 7, 23)  # row groups of 10
    assert [d.doc_id for d in part] == docs["doc_id"].tolist()[7:23]
    assert part[0].doc == docs["doc"][7]


def test_encode_shards_index_search_rerank_evaluate(dataset_dir: Path, model: str, work: Path) -> None:
    docs, queries, qrels = (str(dataset_dir / f"{n}.parquet") for n in ("docs", "queries", "qrels"))
    shards = work / "shards"
    specs = plan_shards(48, 20)
    paths = [encode_shard.fn(model, docs, str(shards), spec, batch_size=8) for spec in specs]
    assert [Path(p).name for p in paths] == ["shard-00000.parquet", "shard-00001.parquet", "shard-00002.parquet"]
    mtime = Path(paths[1]).stat().st_mtime_ns
    encode_shard.fn(model, docs, str(shards), specs[1], batch_size=8)  # up to date: kept
    assert Path(paths[1]).stat().st_mtime_ns == mtime
    write_shards_manifest.fn(str(shards), [s.shard_id for s in specs])
    assert ShardSet.load(shards).num_docs == 48

    dense = build_index.fn(str(shards), str(work / "index" / "dense"), {"index_type": "faiss-flat"})
    bm25 = build_index.fn(docs, str(work / "index" / "bm25"), {"index_type": "bm25", "k1": 1.2})
    assert is_valid_artifact(dense) and is_valid_artifact(bm25)

    runs = {"dense": search.fn(dense, queries, str(work / "runs" / "dense"), k=5, model=model, batch_size=4),
            "bm25": search.fn(bm25, queries, str(work / "runs" / "bm25"), k=5)}
    for run in runs.values():
        assert is_valid_artifact(run) and (Path(run) / "run.run").is_file()
        frame = pd.read_parquet(Path(run) / "run.parquet")
        assert frame.groupby("query_id").size().max() <= 5
    runs["rerank"] = re_rank.fn(runs["bm25"], queries, docs, model, str(work / "runs" / "rerank"),
                                model_type="cross-encoder", depth=3, batch_size=4)
    reranked = pd.read_parquet(Path(runs["rerank"]) / "run.parquet")
    assert reranked.groupby("query_id").size().max() <= 3
    assert (reranked.groupby("query_id")["score"].apply(lambda s: s.is_monotonic_decreasing)).all()

    evaluations = {name: evaluate.fn(run, qrels, MEASURES, str(work / "eval" / name), system=name)
                   for name, run in runs.items()}
    metrics = json.loads((Path(evaluations["bm25"]) / "metrics.json").read_text())
    assert set(metrics) == set(MEASURES) and 0 < metrics["nDCG@10"] <= 1
    summary = Path(summarize.fn(evaluations, str(work / "summary"), "tiny", baseline="bm25"))
    assert json.loads((summary / "metrics.json").read_text())["bm25"] == metrics
    assert pd.read_csv(summary / "per_query.csv").columns.tolist() == ["query_id", "dense", "bm25", "rerank"]
    assert "| bm25 |" in (summary / "table.md").read_text()
    assert (summary / "dense-vs-bm25.png").stat().st_size > 0 and is_valid_artifact(summary)

    # Two variants side by side (here the same runs twice): one row per system, a column per variant x measure.
    both = Path(summarize_variants.fn({"a": evaluations, "b": evaluations}, str(work / "all"), baseline="bm25"))
    lines = (both / "table.md").read_text().splitlines()
    assert lines[0] == "| System | " + " | ".join(f"{v} {m}" for v in "ab" for m in MEASURES) + " |"
    assert [line.split(" | ")[0] for line in lines[2:5]] == ["| dense", "| bm25", "| rerank"]
    assert json.loads((both / "metrics.json").read_text())["b"]["bm25"] == metrics
    assert is_valid_artifact(both)
