"""fine_tune body: a few steps on tuples from the tiny slice give a loadable model folder and a loss curve."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from lir_core import DprConfig
from lir_core.bi_encoder.module import BiEncoderModule
from tasks.artifacts import is_valid_artifact
from tasks.fine_tune import fine_tune
from tasks.mine_negatives import QUERIES, mine_negatives
from tasks.re_rank import re_rank

TINY_DATA = Path(__file__).parents[1] / "flows" / "data" / "scifact-tiny"


def write_tuples(dataset_dir: Path, path: Path) -> Path:
    """One tuple per query: its judged documents as positives, three unjudged ones as negatives."""
    docs = pd.read_parquet(dataset_dir / "docs.parquet").set_index("doc_id")["doc"]
    queries = pd.read_parquet(dataset_dir / "queries.parquet").set_index("query_id")["query"]
    qrels = pd.read_parquet(dataset_dir / "qrels.parquet")
    with open(path, "w") as handle:
        for query_id, judged in qrels.groupby("query_id"):
            positives = judged["doc_id"].tolist()
            negatives = [d for d in docs.index if d not in positives][:3]
            handle.write(json.dumps({"query_id": query_id, "query": queries[query_id], "pos_doc_ids": positives,
                                     "pos_docs": docs[positives].tolist(), "neg_doc_ids": negatives,
                                     "neg_docs": docs[negatives].tolist()}) + "\n")
    return path


def test_fine_tune_writes_model_folder_and_loss_csv(dataset_dir: Path, tiny_backbone: Callable[..., Path],
                                                    tmp_path: Path) -> None:
    tuples = write_tuples(dataset_dir, tmp_path / "tuples.jsonl")
    out = fine_tune.fn(str(tiny_backbone("bert")), str(tuples), str(tmp_path / "model"),
                       config={"class": "DprConfig"}, losses=["LocalizedContrastiveEstimation", "InBatchCrossEntropy"],
                       lr=1e-3, max_steps=3, batch_size=4, num_docs=3)
    assert is_valid_artifact(out)
    curve = pd.read_csv(Path(out) / "loss.csv")
    assert curve["step"].tolist() == [1, 2, 3] and curve["loss"].notna().all()
    assert (Path(out) / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    module = BiEncoderModule(out)
    assert type(module.config).__name__ == "DprConfig"
    assert module.score("vitamin d", ["bone loss", "heart attack"]).scores.shape == (2,)


def test_fine_tune_applies_loss_arguments_lengths_and_warmup(dataset_dir: Path, tiny_backbone: Callable[..., Path],
                                                             tmp_path: Path) -> None:
    tuples = write_tuples(dataset_dir, tmp_path / "tuples.jsonl")
    out = fine_tune.fn(str(tiny_backbone("bert")), str(tuples), str(tmp_path / "model"),
                       config={"class": "DprConfig"}, losses=[{"class": "InBatchCrossEntropy", "scale": 20.0}],
                       lr=1e-3, max_steps=4, warmup_steps=2, batch_size=4, num_docs=2, query_length=12, doc_length=24)
    base = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig())
    module = BiEncoderModule(out)
    assert (module.config.query_length, module.config.doc_length) == (base.config.query_length, base.config.doc_length)
    manifest = json.loads((Path(out) / "manifest.json").read_text())
    assert manifest["producer"]["training_lengths"] == {"query_length": 12, "doc_length": 24}
    assert manifest["producer"]["losses"] == [{"class": "InBatchCrossEntropy", "scale": 20.0}]
    assert manifest["producer"]["warmup_steps"] == 2
    assert manifest["producer"]["precision"] in ("bf16-mixed", "32-true") and manifest["producer"]["train_seconds"] > 0
    assert isinstance(manifest["producer"]["cpu_flags"], list)


def test_fine_tune_names_an_unknown_loss(dataset_dir: Path, tiny_backbone: Callable[..., Path], tmp_path: Path) -> None:
    tuples = write_tuples(dataset_dir, tmp_path / "tuples.jsonl")
    with pytest.raises(ValueError, match="unknown loss 'NoSuchLoss'"):
        fine_tune.fn(str(tiny_backbone("bert")), str(tuples), str(tmp_path / "model"), losses=["NoSuchLoss"])
    assert not (tmp_path / "model").exists()


def test_validation_keeps_the_best_weights_and_draws_the_curve(dataset_dir: Path, tiny_backbone: Callable[..., Path],
                                                               tmp_path: Path) -> None:
    mined = mine_negatives.fn(str(dataset_dir / "docs.parquet"), str(TINY_DATA / "queries.tsv"),
                              str(TINY_DATA / "qrels.tsv"), str(tmp_path / "tuples"), depth=10, num_negatives=3,
                              validation_fraction=0.25, validation_depth=5)
    out = fine_tune.fn(str(tiny_backbone("bert")), str(Path(mined) / "tuples.parquet"), str(tmp_path / "model"),
                       config={"class": "DprConfig"}, lr=1e-3, max_steps=6, batch_size=2, num_docs=3,
                       validation=mined, validate_every=2)
    manifest = json.loads((Path(out) / "manifest.json").read_text())["producer"]["validation"]
    steps = [step for step, _ in manifest["history"]]
    assert steps == [0, 2, 4, 6] and manifest["every"] == 2  # step 0: the starting weights
    assert manifest["best"] == max(value for _, value in manifest["history"])
    assert manifest["best_step"] == steps[[value for _, value in manifest["history"]].index(manifest["best"])]
    assert pd.read_csv(Path(out) / "validation.csv")["step"].tolist() == steps
    assert (Path(out) / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert BiEncoderModule(out).score("vitamin d", ["bone loss"]).scores.shape == (1,)


def test_the_starting_weights_are_kept_when_no_step_beats_them(dataset_dir: Path,
                                                               tiny_backbone: Callable[..., Path], tmp_path: Path) -> None:
    mined = mine_negatives.fn(str(dataset_dir / "docs.parquet"), str(TINY_DATA / "queries.tsv"),
                              str(TINY_DATA / "qrels.tsv"), str(tmp_path / "tuples"), depth=10, num_negatives=3,
                              validation_fraction=0.25, validation_depth=5)
    base = tiny_backbone("bert")
    out = fine_tune.fn(str(base), str(Path(mined) / "tuples.parquet"), str(tmp_path / "model"),
                       config={"class": "DprConfig"}, lr=0.0, max_steps=4, batch_size=2, num_docs=3,
                       validation=mined, validate_every=2)
    manifest = json.loads((Path(out) / "manifest.json").read_text())["producer"]["validation"]
    assert manifest["best_step"] == 0  # ties never replace the starting weights
    assert [value for _, value in manifest["history"]] == [manifest["best"]] * 3


def test_validation_needs_a_mined_validation_set(dataset_dir: Path, tiny_backbone: Callable[..., Path],
                                                 tmp_path: Path) -> None:
    tuples = write_tuples(dataset_dir, tmp_path / "tuples.jsonl")
    with pytest.raises(FileNotFoundError, match="no validation set"):
        fine_tune.fn(str(tiny_backbone("bert")), str(tuples), str(tmp_path / "model"), config={"class": "DprConfig"},
                     max_steps=2, batch_size=2, validation=str(tmp_path))


def test_distillation_trains_on_the_teachers_scores_of_the_bm25_candidates(
        dataset_dir: Path, tiny_backbone: Callable[..., Path], tmp_path: Path) -> None:
    mined = mine_negatives.fn(str(dataset_dir / "docs.parquet"), str(TINY_DATA / "queries.tsv"),
                              str(TINY_DATA / "qrels.tsv"), str(tmp_path / "tuples"), depth=6, num_negatives=3)
    run = pd.read_parquet(Path(mined) / "run.parquet")
    assert set(run["query_id"]) == set(pd.read_parquet(Path(mined) / "tuples.parquet")["query_id"])
    assert run.groupby("query_id").size().max() == 6  # the BM25 top depth is kept for a teacher
    teacher = re_rank.fn(mined, f"{mined}/{QUERIES}", str(dataset_dir / "docs.parquet"), str(tiny_backbone("bert")),
                         str(tmp_path / "teacher"), model_type="bi-encoder", depth=6,
                         model_config={"class": "DprConfig"})
    out = fine_tune.fn(str(tiny_backbone("bert")), str(Path(mined) / "tuples.parquet"), str(tmp_path / "model"),
                       model_type="cross-encoder", config={"class": "MonoConfig"}, losses=["KLDivergence"],
                       lr=1e-3, max_steps=3, batch_size=2, num_docs=4, teacher=teacher,
                       docs=str(dataset_dir / "docs.parquet"), queries=f"{mined}/{QUERIES}")
    producer = json.loads((Path(out) / "manifest.json").read_text())["producer"]
    assert producer["teacher"].startswith("dir:") and producer["steps"] == 3
    assert pd.read_csv(Path(out) / "loss.csv")["loss"].gt(0).all()  # KL between differing score lists
    with pytest.raises(ValueError, match="needs docs and queries"):
        fine_tune.fn(str(tiny_backbone("bert")), str(Path(mined) / "tuples.parquet"), str(tmp_path / "other"),
                     losses=["KLDivergence"], max_steps=1, teacher=teacher)
