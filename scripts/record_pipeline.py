"""Record a finished pipeline run of a params file in ``results/``: every system's metrics, the paired
tests of the summary, each fine-tuned model's training facts (steps, time, precision, CPU flags,
validation curve and the step kept) and, for learned-sparse indexes, terms per document and size.

Usage (after the pipeline ran, e.g. ``make run``):
    PYTHONPATH=. python scripts/record_pipeline.py params/scifact.yaml results/scifact_main_pipeline.json \
        --command "make run" --seconds 1100
"""

from __future__ import annotations

import argparse
import json
import platform
from datetime import date
from pathlib import Path

import pandas as pd

from flows.params import Params, load_params
from lir_core.artifacts import write_text_atomic
from lir_core.hardware import cpu_flags

ROOT = Path(__file__).resolve().parents[1]
TRAINING_FACTS = ("steps", "lr", "batch_size", "losses", "precision", "train_seconds", "validation", "freeze_docs")


def fine_tunes(p: Params) -> dict[str, dict]:
    """Training facts of each fine-tuned model, from its manifest's producer."""
    facts = {}
    for key in p.fine_tune:
        producer = json.loads((ROOT / p.model_dir(key) / "manifest.json").read_text())["producer"]
        facts[key] = {name: producer[name] for name in TRAINING_FACTS if name in producer}
    return facts


def sparse_indexes(p: Params) -> dict[str, dict]:
    """Size on disk and mean terms per document of each learned-sparse index."""
    stats = {}
    for key, settings in p.index.items():
        if settings.index_type != "sparse-inverted":
            continue
        folder, shards = ROOT / p.index_dir(key), sorted((ROOT / p.shards_dir(key)).glob("*.parquet"))
        terms = pd.concat([pd.read_parquet(path, columns=["term_ids"]) for path in shards])["term_ids"].map(len)
        stats[key] = {"index_bytes": sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()),
                      "mean_terms_per_doc": round(float(terms.mean()), 1)}
    return stats


def tests(p: Params) -> dict[str, dict]:
    """The summary's paired tests on nDCG@10 (each system against its reference)."""
    comparisons = pd.read_csv(ROOT / p.root / "summary" / "comparisons.csv")
    rows = comparisons[(comparisons["measure"] == "nDCG@10") & comparisons["pvalue"].notna()]
    return {row.system: {"reference": row.reference, "mean_difference": round(row.mean_difference, 4),
                         "pvalue": round(row.pvalue, 4), "corrected_pvalue": round(row.corrected_pvalue, 4),
                         "significant": bool(row.significant)} for row in rows.itertuples()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("params", help="the params file that ran (relative to the repository root)")
    parser.add_argument("out", help="the results file to write, e.g. results/scifact_main_pipeline.json")
    parser.add_argument("--command", required=True, help="the command that ran the pipeline")
    parser.add_argument("--seconds", type=float, help="its wall time")
    args = parser.parse_args()
    p = load_params(ROOT / args.params)
    metrics = json.loads((ROOT / p.root / "summary" / "metrics.json").read_text())
    result = {"date": date.today().isoformat(), "params": args.params, "command": args.command,
              "seconds": args.seconds, "machine": f"{platform.machine()}, 2 CPU cores",
              "cpu_flags": list(cpu_flags()), "metrics": metrics, "tests_ndcg@10": tests(p),
              "fine_tunes": fine_tunes(p), "sparse_indexes": sparse_indexes(p)}
    write_text_atomic(ROOT / args.out, json.dumps(result, indent=2) + "\n")
    print(json.dumps({"metrics": metrics, "tests_ndcg@10": result["tests_ndcg@10"]}, indent=1))


if __name__ == "__main__":
    main()
