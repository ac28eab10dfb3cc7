"""Stage flows and the pipeline in this process, under the session's Prefect test server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from prefect.client.orchestration import get_client

from flows.evaluate import evaluate_flow
from flows.index import index_flow
from flows.pipeline import pipeline
from lir_core import BiEncoderModule, CrossEncoderModule
from tasks.artifacts import is_valid_artifact

pytestmark = pytest.mark.usefixtures("prefect_server")


def manifest_mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("manifest.json")}


async def artifact_keys() -> set[str]:
    async with get_client() as client:
        return {artifact.key for artifact in await client.read_artifacts() if artifact.key}


def test_pipeline_runs_then_reuses_everything(write_params: Callable[..., Path], tmp_path: Path) -> None:
    params = write_params()
    root = tmp_path / "artifacts"
    summary = Path(pipeline(params_file=str(params)))
    metrics = json.loads((summary / "metrics.json").read_text())
    assert list(metrics) == ["bm25", "minilm", "minilm-ft", "bm25-cross", "bm25-cross-fused"]
    assert metrics["bm25"]["nDCG@10"] > 0.5  # BM25 on the tiny slice is far from random
    for folder in ("data", "tuples/train-bm25", "models/minilm-ft", "models/minilm-cross", "shards/minilm",
                   "index/minilm", "index/bm25", "runs/bm25", "runs/minilm", "runs/minilm-ft",
                   "reranked/bm25-cross", "eval/bm25", "summary"):
        assert is_valid_artifact(root / folder), folder
    tuples = pd.read_parquet(root / "tuples/train-bm25/tuples.parquet")
    # every query is judged; one of the 12 is held out for validation (validation_fraction 0.1)
    assert len(tuples) == 11 and tuples["neg_doc_ids"].map(len).max() == 3
    assert pd.read_csv(root / "models/minilm-ft/loss.csv")["step"].tolist() == [1, 2]
    # step 0 (the starting weights), then every max_steps // 5 = 1 steps
    assert pd.read_csv(root / "models/minilm-ft/validation.csv")["step"].tolist() == [0, 1, 2]
    cross = CrossEncoderModule(str(root / "models/minilm-cross"))
    assert type(cross.config).__name__ == "MonoConfig" and cross.config.doc_length == 64
    tuned = BiEncoderModule(str(root / "models/minilm-ft"))
    assert tuned.config.doc_length > 64  # 64 was for training only
    # Query-side fine-tuning: no index of its own; its queries search the zero-shot index.
    assert tuned.config.doc_encoder == "frozen" and not (root / "index/minilm-ft").exists()
    zero_shot_run = pd.read_parquet(root / "runs/minilm/run.parquet")
    tuned_run = pd.read_parquet(root / "runs/minilm-ft/run.parquet")
    assert len(tuned_run) == len(zero_shot_run)
    kept = json.loads((root / "models/minilm-ft/manifest.json").read_text())["producer"]["validation"]["best_step"]
    # The search used the weights validation kept: a trained step changes the query encoder's scores,
    # step 0 (no step beat the starting weights on the held-out query) keeps the zero-shot scores.
    assert tuned_run["score"].equals(zero_shot_run["score"]) == (kept == 0), kept
    cross = pd.read_parquet(root / "reranked/bm25-cross/run.parquet")
    fused = pd.read_parquet(root / "reranked/bm25-cross-fused/run.parquet")
    assert set(zip(fused["query_id"], fused["doc_id"])) == set(zip(cross["query_id"], cross["doc_id"]))
    assert fused["score"].between(0, 1).all()  # half of each normalised score
    comparisons = pd.read_csv(summary / "comparisons.csv").drop_duplicates("system").set_index("system")
    assert comparisons.loc["minilm-ft", "reference"] == "minilm" and comparisons.loc["minilm", "reference"] == "bm25"
    assert (summary / "minilm_ft-vs-minilm.png").is_file()
    import asyncio

    assert {"tiny-metrics", "tiny-report", "tiny-evaluation", "tiny-encode-minilm",
            "tiny-fine-tune-minilm-ft", "tiny-fine-tune-minilm-cross"} <= asyncio.run(artifact_keys())

    before = manifest_mtimes(root)
    pipeline(params_file=str(params))
    assert manifest_mtimes(root) == before  # nothing was rewritten: every task came from the cache


def test_damaged_artifacts_are_rebuilt_and_unchanged_ones_reused(write_params: Callable[..., Path], tmp_path: Path) -> None:
    params = str(write_params())
    root = tmp_path / "artifacts"
    pipeline(params_file=params)
    before = manifest_mtimes(root)
    index_bytes = (root / "index/minilm/index.faiss").read_bytes()
    import shutil

    shutil.rmtree(root / "index/minilm")
    index_flow(params_file=params)
    assert (root / "index/minilm/index.faiss").read_bytes() == index_bytes
    after = manifest_mtimes(root)
    assert after["index/minilm/manifest.json"] != before["index/minilm/manifest.json"]
    assert after["shards/minilm/manifest.json"] >= before["shards/minilm/manifest.json"]
    assert {k: v for k, v in after.items() if not k.startswith(("index/minilm", "shards"))} == \
        {k: v for k, v in before.items() if not k.startswith(("index/minilm", "shards"))}

    (root / "eval/minilm/metrics.json").write_text('{"nDCG@10": 1.0}\n')  # corrupt: checksum mismatch
    evaluate_flow(params_file=params)
    assert is_valid_artifact(root / "eval/minilm")
    assert json.loads((root / "eval/minilm/metrics.json").read_text())["nDCG@10"] < 1.0
    assert manifest_mtimes(root)["eval/bm25/manifest.json"] == before["eval/bm25/manifest.json"]


def test_search_param_change_reruns_search_only(write_params: Callable[..., Path], tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    pipeline(params_file=str(write_params()))
    before = manifest_mtimes(root)
    pipeline(params_file=str(write_params(**{"search.minilm.k": 3})))
    after = manifest_mtimes(root)
    changed = {key for key in after if after[key] != before.get(key)}
    assert changed == {"runs/minilm/manifest.json", "eval/minilm/manifest.json", "summary/manifest.json"}
    assert pd.read_parquet(root / "runs/minilm/run.parquet").groupby("query_id").size().max() == 3
