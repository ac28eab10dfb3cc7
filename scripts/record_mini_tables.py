"""Record a finished run of the miniature tables (``dvc repro params/mini/dvc.yaml``) in
``results/mini_tables.json``: every variant's metrics and paired tests, and how long each stage took.

``tests/flows/test_mini_tables.py`` checks this record against the expected scores in the params.

Usage: python scripts/record_mini_tables.py --seconds table3-mini=1500 table2-mini=1400
"""

from __future__ import annotations

import argparse
import json
import platform
from datetime import date
from pathlib import Path

import pandas as pd

from flows.params import load_params, variant_overrides
from lir_core.artifacts import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
TABLES = {"table2-mini": "params/mini/table2-rerank.yaml", "table3-mini": "params/mini/table3-scifact.yaml"}
OUT = ROOT / "results" / "mini_tables.json"


def record(table: str, params_file: str, seconds: float | None) -> dict:
    """Metrics and significance tests of each variant of one table, from its summary folders."""
    metrics, tests = {}, {}
    for overrides in variant_overrides(ROOT / params_file):
        p = load_params(ROOT / params_file, overrides)
        summary = ROOT / p.root / "summary"
        name = p.variant or table
        metrics[name] = json.loads((summary / "metrics.json").read_text())
        comparisons = pd.read_csv(summary / "comparisons.csv")
        rows = comparisons[(comparisons["measure"] == "nDCG@10") & comparisons["pvalue"].notna()]
        tests[name] = {row.system: {"reference": row.reference, "mean_difference": round(row.mean_difference, 4),
                                    "pvalue": round(row.pvalue, 4), "corrected_pvalue": round(row.corrected_pvalue, 4),
                                    "significant": bool(row.significant)} for row in rows.itertuples()}
    return {"params": params_file, "command": f"dvc repro params/mini/dvc.yaml:mini_{table.split('-')[0]}",
            "seconds": seconds, "metrics": metrics, "tests_ndcg@10": tests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", nargs="*", default=[], help="TABLE=SECONDS: wall time of each stage")
    args = parser.parse_args()
    seconds = {key: float(value) for key, value in (item.split("=", 1) for item in args.seconds)}
    result = {"date": date.today().isoformat(), "machine": f"{platform.machine()}, 2 CPU cores, fp32",
              **{table: record(table, path, seconds.get(table)) for table, path in TABLES.items()}}
    write_text_atomic(OUT, json.dumps(result, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
