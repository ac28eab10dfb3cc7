"""Fine-tune all-MiniLM-L6-v2 on SciFact and measure the effect on the SciFact test queries.

Two experiments, each compared with its baseline on the 300 ``beir/scifact/test`` queries:

* bi-encoder: MiniLM as a single-vector bi-encoder (mean pooling, normalised, as its
  sentence-transformers folder says), fine-tuned on ``beir/scifact/train`` with BM25 hard
  negatives and in-batch negatives; exact search (every query against all 5,183 documents)
  before (zero-shot) and after fine-tuning.
* cross-encoder: a pointwise cross-encoder (``MonoConfig``) on the MiniLM backbone, fine-tuned
  on the same tuples (less an eighth of the queries, held out), re-ranking the BM25 top 100,
  alone and with its scores interpolated with BM25's (the weight picked on the held-out
  queries); compared with BM25 itself.

Stages write into ``--work-dir`` and are skipped when their output exists (delete a file to
redo its stage); the measured numbers, settings, timings and the command line go to
``--output``.

The pipeline form of both experiments is ``params/fine-tune-scifact.yaml`` (not yet run; its
header lists where it differs); this script stays until a pipeline run reproduces the files it
recorded (``results/fine_tune_scifact.json``, ``results/cross_encoder_scifact.json``).

Usage:
    PYTHONPATH=. IR_DATASETS_HOME=.cache/ir_datasets HF_HUB_OFFLINE=1 \\
        python scripts/fine_tune_scifact.py --model PATH_TO_all-MiniLM-L6-v2 --experiments bi
    (the same with ``--experiments cross --output results/cross_encoder_scifact.json``)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import lightning as L
import pyarrow.parquet as pq
import torch

from lir_core import BiEncoderModule, CrossEncoderModule, DprConfig, MonoConfig
from lir_core.base.module import LightningIRModule
from lir_core.callbacks import ReRankCallback
from lir_core.checkpointing import SavePretrainedCallback
from lir_core.data import LightningIRDataModule, RunDataset, TupleDataset, doc_lookup, load_qrels, load_queries
from lir_core.data.hard_negatives import mine_hard_negatives
from lir_core.data.sources import iter_docs
from lir_core.evaluate import evaluate_run
from lir_core.evaluate.significance import paired_significance
from lir_core.loss import InBatchCrossEntropy, LocalizedContrastiveEstimation
from lir_core.retrieve import SearchResult, exhaustive_search, write_run
from lir_core.retrieve.fusion import interpolate
from lir_core.retrieve.runs import read_run
from lir_core.retrieve.bm25 import Bm25Retriever
from lir_core.schedulers import LinearWarmupScheduler
from lir_core.trainer import LightningIRTrainer

CORPUS, TRAIN, TEST = "beir/scifact", "beir/scifact/train", "beir/scifact/test"
METRICS = ["nDCG@10", "RR@10", "R@100"]


@dataclass
class FineTuneSettings:
    """Hyperparameters of one fine-tuning run.

    Attributes:
        steps: Optimizer steps.
        batch_size: Queries per batch.
        num_docs: Documents per query: the positive and ``num_docs - 1`` BM25 negatives.
        query_length: Query tokens during training.
        doc_length: Document tokens during training (evaluation uses the model's own).
        lr: Peak learning rate (linear warmup, then linear decay to 0).
        warmup_steps: Warmup steps.
        precision: Lightning precision, e.g. "32-true" or "bf16-mixed".
        max_minutes: Wall-clock budget; training stops after it even before ``steps``
            (None: no limit).
        scale: Bi-encoder only: multiplier of the cosine scores before the softmax
            (sentence-transformers' ``MultipleNegativesRankingLoss`` uses 20).
    """

    steps: int
    batch_size: int
    num_docs: int
    query_length: int
    doc_length: int
    lr: float
    warmup_steps: int
    precision: str
    max_minutes: float | None
    scale: float = 1.0


class ScaledLCE(LocalizedContrastiveEstimation):
    """``LocalizedContrastiveEstimation`` over ``scale * scores`` (a softmax temperature)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def __call__(self, scores: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return super().__call__(scores * self.scale, targets, mask)


class ScaledInBatchCrossEntropy(InBatchCrossEntropy):
    """``InBatchCrossEntropy`` over ``scale * scores`` (a softmax temperature)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def __call__(
        self, scores: torch.Tensor, positive_columns: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        return super().__call__(scores * self.scale, positive_columns, mask)


class LossLog(L.Callback):
    """Keeps the training loss of every step and prints progress every ``every`` steps."""

    def __init__(self, every: int = 10) -> None:
        self.every = every
        self.losses: list[float] = []
        self.start = time.perf_counter()

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.losses.append(float(outputs["loss"]))
        if trainer.global_step % self.every == 0:
            recent = self.losses[-self.every:]
            print(f"step {trainer.global_step}/{trainer.max_steps} loss {sum(recent) / len(recent):.4f} "
                  f"({time.perf_counter() - self.start:.0f} s)", file=sys.stderr, flush=True)


def cached(path: Path, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The JSON in ``path``, computing and writing it first when missing."""
    if not path.is_file():
        value = compute()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value, indent=2) + "\n")
    return json.loads(path.read_text())


def run_result(run: dict[str, dict[str, float]]) -> SearchResult:
    """A ``{query_id: {doc_id: score}}`` run as a SearchResult, best first."""
    ranked = {qid: sorted(docs.items(), key=lambda item: -item[1]) for qid, docs in run.items()}
    return SearchResult(list(ranked), [[d for d, _ in docs] for docs in ranked.values()],
                        [[s for _, s in docs] for docs in ranked.values()])


def prepare(work_dir: Path, num_negatives: int) -> dict[str, Any]:
    """BM25 runs (top 100) for train and test queries, hard-negative tuples, and BM25's test metrics."""
    docs = {sample.doc_id: sample.doc for sample in iter_docs(CORPUS)}
    bm25 = Bm25Retriever()
    bm25.index(list(docs), list(docs.values()))
    train_queries, train_qrels = load_queries(TRAIN), load_qrels(TRAIN)
    test_queries, test_qrels = load_queries(TEST), load_qrels(TEST)
    assert train_qrels is not None and test_qrels is not None, "SciFact has qrels"
    train_run = bm25.search(train_queries, k=100)
    test_run = bm25.search(test_queries, k=100)
    write_run(run_result(test_run), work_dir / "bm25-test", tag="bm25")
    write_run(run_result(train_run), work_dir / "bm25-train", tag="bm25")
    stats = mine_hard_negatives(train_run, train_qrels, train_queries, doc_lookup(CORPUS),
                                work_dir / "train-bm25-negatives.parquet", num_negatives=num_negatives, depth=100)
    return {
        "bm25_stemmed": bm25.stemmed,
        "bm25_test": evaluate_run(test_run, test_qrels, METRICS).aggregated,
        "tuples": stats.num_tuples,
        "train_queries_without_positive": stats.num_without_positive,
        "train_queries_without_negative": stats.num_without_negative,
    }


def is_dev_query(query_id: str) -> bool:
    """A fixed eighth of the training queries, held out to pick the interpolation weight."""
    return int(hashlib.md5(query_id.encode()).hexdigest(), 16) % 8 == 0


def split_dev(work_dir: Path, depth: int = 20) -> dict[str, Any]:
    """Split the training tuples: dev queries get a BM25 top-``depth`` run and qrels instead."""
    tuples = pq.read_table(work_dir / "train-bm25-negatives.parquet")
    dev = [is_dev_query(query_id) for query_id in tuples.column("query_id").to_pylist()]
    pq.write_table(tuples.filter([not held_out for held_out in dev]), work_dir / "train-without-dev.parquet")
    lines = [line for line in (work_dir / "bm25-train.run").read_text().splitlines()
             if is_dev_query(line.split()[0]) and int(line.split()[3]) <= depth]
    (work_dir / "dev-bm25.run").write_text("\n".join(lines) + "\n")
    qrels = load_qrels(TRAIN)
    assert qrels is not None
    (work_dir / "dev.qrels").write_text("".join(
        f"{query_id} 0 {doc_id} {relevance}\n" for query_id, judged in qrels.items() if is_dev_query(query_id)
        for doc_id, relevance in judged.items()))
    return {"dev_queries": sum(dev), "train_queries": len(dev) - sum(dev), "dev_depth": depth}


def evaluate_exact_search(module: BiEncoderModule) -> dict[str, float]:
    """nDCG@10 etc. of exact search over the whole corpus for the test queries."""
    docs = {sample.doc_id: sample.doc for sample in iter_docs(CORPUS)}
    result = exhaustive_search(module, docs, load_queries(TEST), k=100, batch_size=32)
    qrels = load_qrels(TEST)
    assert qrels is not None
    return evaluate_run(result.to_run(), qrels, METRICS).aggregated


def fine_tune(module: LightningIRModule, tuples: Path, settings: FineTuneSettings, out_dir: Path) -> dict[str, Any]:
    """Fit ``module`` on the tuples; the model is saved to ``out_dir/last``."""
    torch.manual_seed(0)
    module.set_optimizer(
        torch.optim.AdamW, lr=settings.lr, weight_decay=0.01,
        lr_scheduler=lambda optimizer: LinearWarmupScheduler(optimizer, settings.warmup_steps, settings.steps),
    )
    data = LightningIRDataModule(module=module, train_dataset=TupleDataset(str(tuples), num_docs=settings.num_docs),
                                 train_batch_size=settings.batch_size)
    loss_log = LossLog()
    trainer = LightningIRTrainer(
        max_steps=settings.steps, max_time=None if settings.max_minutes is None else {"minutes": settings.max_minutes},
        accelerator="cpu", precision=settings.precision, logger=False,
        callbacks=[loss_log, SavePretrainedCallback(out_dir)], limit_val_batches=0, num_sanity_val_steps=0,
    )
    start, cpu_start = time.perf_counter(), time.process_time()
    trainer.fit(module, data)
    losses = loss_log.losses
    window = max(1, len(losses) // 10)
    return {
        "steps": trainer.global_step,
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(time.process_time() - cpu_start, 1),
        "loss_first_10pct": sum(losses[:window]) / window,
        "loss_last_10pct": sum(losses[-window:]) / window,
    }


def re_rank(module: CrossEncoderModule, run_file: Path, queries: str, qrels: str, save_dir: Path) -> dict[str, dict[str, float]]:
    """Re-rank every document of a TREC run file with ``module``; returns the re-ranked run."""
    run = RunDataset(str(run_file), docs=CORPUS, queries=queries, qrels=qrels)
    data = LightningIRDataModule(module=module, inference_datasets=[run], inference_batch_size=4)
    trainer = LightningIRTrainer(accelerator="cpu", logger=False, callbacks=[ReRankCallback(save_dir=save_dir)])
    (outcome,) = trainer.re_rank(module, data).values()
    return outcome.result.to_run()


def read_trec_run(path: Path) -> dict[str, dict[str, float]]:
    """``{query_id: {doc_id: score}}`` of a TREC run file."""
    frame = read_run(path)
    return {qid: dict(zip(group["doc_id"], group["score"])) for qid, group in frame.groupby("query_id", sort=False)}


def compare_with_bm25(runs: dict[str, dict[str, dict[str, float]]], bm25: dict[str, dict[str, float]],
                      qrels: Any) -> dict[str, Any]:
    """Metrics of each run and its paired t-test against BM25 on nDCG@10."""
    baseline = evaluate_run(bm25, qrels, METRICS)
    report: dict[str, Any] = {}
    for name, run in runs.items():
        evaluated = evaluate_run(run, qrels, METRICS)
        test = paired_significance(evaluated.per_query, baseline.per_query, "nDCG@10")
        report[name] = {**evaluated.aggregated, "nDCG@10_vs_bm25": {"mean_difference": test.mean_difference,
                                                                     "pvalue": test.pvalue, "n": test.n}}
    return report


def bi_encoder_experiment(model: Path, work_dir: Path, settings: FineTuneSettings) -> dict[str, Any]:
    """Zero-shot vs fine-tuned exact search."""
    zero_shot = cached(work_dir / "bi-zero-shot.json", lambda: evaluate_exact_search(BiEncoderModule(str(model))))
    out_dir = work_dir / "bi-encoder"

    def train() -> dict[str, Any]:
        base = BiEncoderModule(str(model))
        assert isinstance(base.config, DprConfig) and base.config.normalize, "expected a normalised mean-pooling model"
        config = base.config.replace(query_length=settings.query_length, doc_length=settings.doc_length)
        module = BiEncoderModule(str(model), config=config,
                                 loss_functions=[ScaledLCE(settings.scale), ScaledInBatchCrossEntropy(settings.scale)])
        return fine_tune(module, work_dir / "train-bm25-negatives.parquet", settings, out_dir)

    training = cached(work_dir / "bi-training.json", train)

    def evaluate() -> dict[str, Any]:
        zero_shot_config = BiEncoderModule(str(model)).config
        trained = BiEncoderModule(str(out_dir / "last"))
        # Search with the zero-shot model's lengths, so the comparison differs only in weights.
        evaluated = BiEncoderModule(str(out_dir / "last"), config=trained.config.replace(
            query_length=zero_shot_config.query_length, doc_length=zero_shot_config.doc_length))
        return evaluate_exact_search(evaluated)

    fine_tuned = cached(work_dir / "bi-fine-tuned.json", evaluate)
    return {"settings": asdict(settings), "training": training, "zero_shot": zero_shot, "fine_tuned": fine_tuned}


def cross_encoder_experiment(
    model: Path, work_dir: Path, settings: FineTuneSettings, pooling: str, eval_doc_length: int,
    weights: tuple[float, ...] = (0.3, 0.5, 0.7),
) -> dict[str, Any]:
    """BM25 vs a fine-tuned cross-encoder re-ranking BM25's top 100, alone and interpolated with BM25.

    An eighth of the training queries is held out: re-ranking their BM25 top 20 picks the
    interpolation weight (of ``weights``), which is then used on the test queries.
    """
    split = cached(work_dir / "dev-split.json", lambda: split_dev(work_dir))
    out_dir = work_dir / "cross-encoder"
    config = MonoConfig(query_length=settings.query_length, doc_length=settings.doc_length,
                        pooling_strategy=pooling, scoring_strategy="rank")

    def train() -> dict[str, Any]:
        module = CrossEncoderModule(str(model), config=config, loss_functions=[LocalizedContrastiveEstimation()])
        return fine_tune(module, work_dir / "train-without-dev.parquet", settings, out_dir)

    training = cached(work_dir / "cross-training.json", train)

    def trained() -> CrossEncoderModule:
        saved = CrossEncoderModule(str(out_dir / "last"))
        return CrossEncoderModule(str(out_dir / "last"), config=saved.config.replace(doc_length=eval_doc_length))

    def choose_weight() -> dict[str, Any]:
        dev_qrels = str(work_dir / "dev.qrels")
        re_ranked = re_rank(trained(), work_dir / "dev-bm25.run", TRAIN, dev_qrels, work_dir / "cross-dev")
        bm25 = read_trec_run(work_dir / "dev-bm25.run")
        grid = {str(w): evaluate_run(interpolate(re_ranked, bm25, w), dev_qrels, ["nDCG@10"]).aggregated["nDCG@10"]
                for w in (1.0, *weights, 0.0)}
        best = max(weights, key=lambda w: grid[str(w)])
        return {"nDCG@10_by_weight": grid, "weight": best}

    dev = cached(work_dir / "cross-dev.json", choose_weight)

    def evaluate() -> dict[str, Any]:
        re_ranked = re_rank(trained(), work_dir / "bm25-test.run", TEST, TEST, work_dir / "cross-re-rank")
        bm25 = read_trec_run(work_dir / "bm25-test.run")
        qrels = load_qrels(TEST)
        return compare_with_bm25({"cross_encoder": re_ranked,
                                  "cross_encoder_fused_with_bm25": interpolate(re_ranked, bm25, dev["weight"])},
                                 bm25, qrels)

    re_ranked = cached(work_dir / "cross-re-rank.json", evaluate)
    return {"settings": {**asdict(settings), "pooling": pooling, "eval_doc_length": eval_doc_length, **split},
            "training": training, "dev_interpolation": dev, "re_rank_bm25_top100": re_ranked}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="Folder of sentence-transformers all-MiniLM-L6-v2.")
    parser.add_argument("--work-dir", type=Path, default=Path("artifacts/fine_tune_scifact"))
    parser.add_argument("--output", type=Path, default=Path("results/fine_tune_scifact.json"))
    parser.add_argument("--experiments", nargs="+", choices=["bi", "cross"], default=["bi", "cross"])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--num-docs", type=int, default=4)
    parser.add_argument("--doc-length", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--cross-lr", type=float, default=1e-4)
    parser.add_argument("--cross-steps", type=int, default=200)
    parser.add_argument("--cross-pooling", choices=["first", "mean"], default="first")
    parser.add_argument("--cross-eval-doc-length", type=int, default=128)
    parser.add_argument("--precision", default="32-true",
                        help="bf16-mixed is slower than fp32 on CPUs without AVX512-BF16/AMX")
    parser.add_argument("--max-minutes", type=float, default=None, help="Wall-clock budget of each fine-tuning.")
    parser.add_argument("--note", default="", help="Free text stored in the report (e.g. the machine's load).")
    args = parser.parse_args(argv)

    args.work_dir.mkdir(parents=True, exist_ok=True)
    prepared = cached(args.work_dir / "prepared.json", lambda: prepare(args.work_dir, num_negatives=7))
    common = dict(steps=args.steps, batch_size=args.batch_size, num_docs=args.num_docs, query_length=32,
                  doc_length=args.doc_length, warmup_steps=max(1, args.steps // 10), precision=args.precision,
                  max_minutes=args.max_minutes)
    report: dict[str, Any] = {
        "command": " ".join(["python", "scripts/fine_tune_scifact.py", *(argv if argv is not None else sys.argv[1:])]),
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "lightning": L.__version__,
                        "cpus": os.cpu_count(), "threads": torch.get_num_threads(), "machine": platform.machine()},
        "note": args.note,
        "data": {"train": TRAIN, "test": TEST, "corpus": CORPUS, **prepared},
    }
    if "bi" in args.experiments:
        report["bi_encoder"] = bi_encoder_experiment(
            args.model, args.work_dir, FineTuneSettings(lr=args.lr, scale=20.0, **common))
    if "cross" in args.experiments:
        cross = FineTuneSettings(lr=args.cross_lr, **{**common, "steps": args.cross_steps,
                                                       "warmup_steps": max(1, args.cross_steps // 10)})
        report["cross_encoder"] = cross_encoder_experiment(args.model, args.work_dir, cross, args.cross_pooling,
                                                           args.cross_eval_doc_length)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
