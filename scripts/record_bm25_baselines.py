"""Record the BM25 baselines every table is tested against, stemmed (the default) and unstemmed,
into ``results/bm25_baselines.json``: SciFact and NFCorpus test (BEIR, title + text), k1 1.5, b 0.75.

Usage: PYTHONPATH=. python scripts/record_bm25_baselines.py
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from lir_core.artifacts import write_text_atomic
from lir_core.data.sources import iter_docs, load_qrels, load_queries
from lir_core.evaluate import evaluate_run
from lir_core.retrieve.bm25 import Bm25Retriever

OUT = Path(__file__).resolve().parents[1] / "results" / "bm25_baselines.json"
COLLECTIONS = ("scifact", "nfcorpus")
MEASURES = ["nDCG@10", "RR@10", "R@100"]


def measure(collection: str, stem: bool) -> dict[str, float]:
    docs = list(iter_docs(f"beir/{collection}"))
    queries, qrels = load_queries(f"beir/{collection}/test"), load_qrels(f"beir/{collection}/test")
    bm25 = Bm25Retriever(k1=1.5, b=0.75, stem=stem)
    bm25.index([doc.doc_id for doc in docs], [doc.doc for doc in docs])
    aggregated = evaluate_run(bm25.search(queries, k=100), qrels, MEASURES).aggregated
    return {name: round(value, 4) for name, value in aggregated.items()}


def main() -> None:
    result = {
        "command": "PYTHONPATH=. python scripts/record_bm25_baselines.py",
        "settings": {"k1": 1.5, "b": 0.75, "stopwords": "en", "bm25s": version("bm25s"),
                     "PyStemmer": version("PyStemmer"), "queries": "test"},
        "runs": {collection: {"stemmed": measure(collection, True), "unstemmed": measure(collection, False)}
                 for collection in COLLECTIONS},
    }
    write_text_atomic(OUT, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
