"""Diagnostics of the weak rows of the miniature tables (after `make mini-tables`), into
``results/mini_tables_diagnostics.json``:

* the cross-encoder: how often it ranks a training query's positive above all its BM25 negatives,
  and how strongly its scores for the same documents under two different queries correlate (a
  model that judged relevance would score them differently; one that learned which documents were
  positives in training scores them alike);
* SPLADE-tiny zero-shot vs fine-tuned: index size and mean terms per document.

Usage: PYTHONPATH=. python scripts/diagnose_mini_tables.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from lir_core import CrossEncoderModule
from lir_core.artifacts import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
TABLE3 = ROOT / "artifacts" / "mini" / "table3"
OUT = ROOT / "results" / "mini_tables_diagnostics.json"
SAMPLE = 40  # training queries


def cross_encoder_prior() -> dict[str, float]:
    module = CrossEncoderModule(str(TABLE3 / "models" / "cross")).eval()
    tuples = pd.read_parquet(TABLE3 / "tuples" / "train-bm25" / "tuples.parquet").sample(SAMPLE, random_state=0)
    wins, correlations = [], []
    for position, row in enumerate(tuples.itertuples()):
        docs = [row.pos_docs[0], *list(row.neg_docs)[:7]]
        scores = module.score(row.query, docs).scores.numpy()
        wins.append(float(scores[0] > scores[1:].max()))
        other_query = tuples.iloc[(position + 1) % len(tuples)].query
        correlations.append(np.corrcoef(scores, module.score(other_query, docs).scores.numpy())[0, 1])
    return {"training_queries": SAMPLE, "positive_above_all_7_negatives": round(float(np.mean(wins)), 3),
            "score_correlation_same_docs_other_query": round(float(np.nanmean(correlations)), 3)}


def index_size(key: str) -> dict[str, float]:
    folder = TABLE3 / "index" / key
    shards = pd.concat([pd.read_parquet(path, columns=["term_ids"]) for path in sorted((TABLE3 / "shards" / key).glob("*.parquet"))])
    return {"index_bytes": sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()),
            "mean_terms_per_doc": round(float(shards["term_ids"].map(len).mean()), 1)}


def main() -> None:
    result = {"command": "PYTHONPATH=. python scripts/diagnose_mini_tables.py (after make mini-tables)",
              "cross_encoder": cross_encoder_prior(),
              "splade_index": {key: index_size(key) for key in ("splade", "splade-ft")}}
    write_text_atomic(OUT, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
