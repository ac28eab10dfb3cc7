"""Distributed fit: Lightning's ``ddp`` strategy on 2 CPU processes (gloo).

Plain ``ddp`` re-launches the running script for each extra rank, which cannot work from
inside pytest (it would re-run pytest). So the test runs this file as a script in a
subprocess: ``python tests/test_ddp_fit.py BACKBONE TOY_DIR OUT_DIR`` fits a tiny
bi-encoder with validation, each rank records the training queries it saw and the metrics
it logged, and the test checks the ranks' data was disjoint, the saved model loads, and the
validation metric (gathered over both ranks' halves of the run) matches a single-process
evaluation of that model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_distributed_fit(backbone: Path, toy_dir: Path, out_dir: Path) -> None:
    """The script body: fit on 2 CPU ranks and write what each rank saw to ``out_dir``."""
    import lightning as L
    import torch
    from training_toy import ToyCollection

    from lir_core import BiEncoderModule, DprConfig
    from lir_core.checkpointing import SavePretrainedCallback
    from lir_core.data import LightningIRDataModule, RunDataset, TupleDataset
    from lir_core.trainer import LightningIRTrainer

    class RecordQueries(L.Callback):
        def __init__(self) -> None:
            self.query_ids: list[str] = []

        def on_train_batch_start(self, trainer: L.Trainer, pl_module: Any, batch: Any, batch_idx: int) -> None:
            self.query_ids.extend(batch.query_ids)

        def on_train_end(self, trainer: L.Trainer, pl_module: Any) -> None:
            metrics = {name: float(value) for name, value in trainer.callback_metrics.items()}
            record = {"query_ids": self.query_ids, "metrics": metrics, "world_size": trainer.world_size}
            (out_dir / f"rank{trainer.global_rank}.json").write_text(json.dumps(record))

    toy = ToyCollection.at(toy_dir)
    module = BiEncoderModule(str(backbone), config=DprConfig(query_pooling_strategy="mean", doc_pooling_strategy="mean"),
                             evaluation_metrics=["nDCG@10"])
    module.set_optimizer(torch.optim.AdamW, lr=3e-3)
    run = RunDataset(str(toy.run), docs=str(toy.docs), queries=str(toy.queries), qrels=str(toy.qrels))
    data = LightningIRDataModule(module=module, train_dataset=TupleDataset(str(toy.tuples)), train_batch_size=1,
                                 inference_datasets=[run], inference_batch_size=1)
    trainer = LightningIRTrainer(
        strategy="ddp", accelerator="cpu", devices=2, max_epochs=2, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
        callbacks=[RecordQueries(), SavePretrainedCallback(out_dir / "models")],
    )
    trainer.fit(module, data)


def test_ddp_fit_on_two_cpu_processes(tiny_backbone: Callable[..., Path], tmp_path: Path) -> None:
    from training_toy import DOCS, QUERIES, write_toy_collection

    from lir_core import BiEncoderModule
    from lir_core.evaluate import evaluate_run

    toy = write_toy_collection(tmp_path / "toy")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, __file__, str(tiny_backbone("bert")), str(toy.docs.parent), str(out_dir)]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]

    ranks = [json.loads((out_dir / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert all(record["world_size"] == 2 for record in ranks)
    # Each epoch's 6 tuples are split 3/3 between the ranks without overlap.
    for epoch in range(2):
        seen = [set(record["query_ids"][3 * epoch : 3 * epoch + 3]) for record in ranks]
        assert len(seen[0]) == len(seen[1]) == 3
        assert seen[0].isdisjoint(seen[1])
        assert seen[0] | seen[1] == set(QUERIES)
    assert ranks[0]["metrics"]["val/nDCG@10"] == ranks[1]["metrics"]["val/nDCG@10"]

    module = BiEncoderModule(str(out_dir / "models" / "last"))
    candidates: dict[str, list[str]] = {}
    for line in toy.run.read_text().splitlines():
        query_id, _, doc_id, *_ = line.split()
        candidates.setdefault(query_id, []).append(doc_id)
    run = {
        query_id: dict(zip(doc_ids, module.score(QUERIES[query_id][0], [DOCS[d] for d in doc_ids]).scores.tolist()))
        for query_id, doc_ids in candidates.items()
    }
    qrels = {query_id: {positive: 1} for query_id, (_, positive) in QUERIES.items()}
    expected = evaluate_run(run, qrels, ["nDCG@10"]).aggregated["nDCG@10"]
    assert ranks[0]["metrics"]["val/nDCG@10"] == pytest.approx(expected, abs=1e-4)


if __name__ == "__main__":
    run_distributed_fit(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
