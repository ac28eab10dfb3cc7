"""LightningIRTrainer.index / search / re_rank with their callbacks, as in the paper (section 3.3)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from lir_core import BiEncoderConfig, BiEncoderModule, CrossEncoderModule, MonoConfig
from lir_core.callbacks import IndexCallback, ReRankCallback, SearchCallback
from lir_core.data.datamodule import LightningIRDataModule
from lir_core.data.doc_dataset import DocDataset
from lir_core.data.query_dataset import QueryDataset
from lir_core.data.samples import DocSample, IndexBatch, QuerySample, RankBatch, RankSample, SearchBatch
from lir_core.evaluate import evaluate_run
from lir_core.retrieve import FaissFlatIndexConfig, FaissSearchConfig, ShardSet, encode_collection, plan_shards, search
from lir_core.trainer import LightningIRTrainer

WORDS = (
    "berlin paris capital germany france vitamin bone loss aspirin heart protein gene cancer dog fox retrieval"
).split()
DOCS = [
    DocSample(f"d{i}", " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(3 + i % 5)) + f" {WORDS[i % 16]}")
    for i in range(40)
]
QUERIES = {"q1": "capital of germany", "q2": "vitamin bone", "q3": "fox dog"}
QRELS = {"q1": {"d1": 1, "d8": 2}, "q2": {"d3": 1}, "q3": {"d5": 1, "d30": 1}}


def collate_docs(samples: list[DocSample]) -> IndexBatch:
    return IndexBatch([s.doc_id for s in samples], [s.doc for s in samples])


def collate_queries(samples: list[QuerySample]) -> SearchBatch:
    return SearchBatch([s.query_id for s in samples], [s.query for s in samples], [s.qrels for s in samples])


def collate_ranked(samples: list[RankSample]) -> RankBatch:
    return RankBatch([s.query_id for s in samples], [s.query for s in samples], [s.doc_ids for s in samples],
                     [s.docs for s in samples], None, [s.qrels for s in samples])


@pytest.fixture()
def module(tiny_backbone: Callable[..., Path]) -> BiEncoderModule:
    return BiEncoderModule(str(tiny_backbone("bert")), config=BiEncoderConfig(similarity_function="cosine"))


@pytest.fixture()
def encoded_docs(module: BiEncoderModule, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Doc ids of every IndexBatch the module encodes."""
    seen: list[str] = []
    inference_step = module.inference_step

    def counting(batch):
        if isinstance(batch, IndexBatch):
            seen.extend(batch.doc_ids)
        return inference_step(batch)

    monkeypatch.setattr(module, "inference_step", counting)
    return seen


def write_files(root: Path) -> tuple[Path, Path, Path]:
    docs, queries, qrels = root / "docs.tsv", root / "queries.tsv", root / "qrels.txt"
    docs.write_text("".join(f"{d.doc_id}\t{d.doc}\n" for d in DOCS))
    queries.write_text("".join(f"{q}\t{text}\n" for q, text in QUERIES.items()))
    qrels.write_text("".join(f"{q} 0 {d} {r}\n" for q, judged in QRELS.items() for d, r in judged.items()))
    return docs, queries, qrels


def test_index_then_search_with_the_datamodule_as_in_the_paper(module, tmp_path) -> None:
    docs, queries, qrels = write_files(tmp_path)
    index_dir = tmp_path / "index"
    data_module = LightningIRDataModule(inference_datasets=[DocDataset(str(docs))], inference_batch_size=8)
    index_callback = IndexCallback(index_dir=index_dir, index_config=FaissFlatIndexConfig(), shard_size=16)
    LightningIRTrainer(callbacks=[index_callback]).index(module, data_module)

    shard_set = ShardSet.load(index_dir / "shards")
    assert [entry.rows for entry in shard_set.files.values()] == [16, 16, 8]
    reference = encode_collection(module, DOCS, tmp_path / "reference", shard_size=16)
    for ours, theirs in zip(shard_set.iter_batches(), reference.iter_batches()):
        assert ours.doc_ids == theirs.doc_ids
        np.testing.assert_allclose(ours.vectors, theirs.vectors, atol=1e-5)

    module.evaluation_metrics = ["nDCG@10", "RR@10"]
    search_callback = SearchCallback(index_dir, FaissSearchConfig(k=10), save_dir=tmp_path / "runs")
    data_module = LightningIRDataModule(
        module=module, inference_datasets=[QueryDataset(str(queries), qrels=str(qrels))], inference_batch_size=2
    )
    trainer = LightningIRTrainer(callbacks=[search_callback])
    outcomes = trainer.search(module, data_module)

    outcome = outcomes["queries"]
    expected = search(module, index_dir, QUERIES, FaissSearchConfig(k=10))
    assert outcome.result.query_ids == expected.query_ids
    assert outcome.result.doc_ids == expected.doc_ids
    metrics = evaluate_run(expected.to_run(), QRELS, ["nDCG@10", "RR@10"]).aggregated
    assert outcome.metrics == pytest.approx(metrics)
    assert float(trainer.callback_metrics["queries/nDCG@10"]) == pytest.approx(metrics["nDCG@10"])
    runs = tmp_path / "runs"
    assert sorted(p.name for p in runs.iterdir()) == [
        "manifest.json", "queries.metrics.json", "queries.parquet", "queries.per_query.parquet", "queries.run",
    ]
    report = json.loads((runs / "queries.metrics.json").read_text())
    assert report["metrics"] == pytest.approx(metrics) and report["num_judged_queries"] == 3
    assert len((runs / "queries.run").read_text().splitlines()) == 30


def test_indexing_resumes_from_finished_shards(module, encoded_docs, tmp_path) -> None:
    loader = DataLoader(DOCS, batch_size=8, collate_fn=collate_docs)
    callback = IndexCallback(tmp_path / "index", FaissFlatIndexConfig(), shard_size=16)
    trainer = LightningIRTrainer(callbacks=[callback])
    trainer.index(module, dataloaders=loader)
    assert encoded_docs == [d.doc_id for d in DOCS]

    encoded_docs.clear()
    trainer.index(module, dataloaders=loader)
    assert encoded_docs == []

    (tmp_path / "index" / "shards" / "shard-00001.parquet").unlink()
    trainer.index(module, dataloaders=loader)
    assert encoded_docs == [d.doc_id for d in DOCS[16:32]]
    result = search(module, tmp_path / "index", QUERIES, FaissSearchConfig(k=40))
    assert sorted(result.doc_ids[0]) == sorted(d.doc_id for d in DOCS)

    encoded_docs.clear()
    changed = [*DOCS[:35], DocSample("new", "a new document"), *DOCS[36:]]
    trainer.index(module, dataloaders=DataLoader(changed, batch_size=8, collate_fn=collate_docs))
    assert encoded_docs == [d.doc_id for d in changed[32:]]


def test_shards_follow_the_shard_plan_whatever_the_batch_size(module, encoded_docs, tmp_path) -> None:
    """Shards hold the documents of ``plan_shards`` (as the workflow's tasks write them) although
    batches of 4 straddle shards of 10; a deleted shard is re-encoded from the batches that hold its
    documents, byte-identical to the first run, and the other shards are left alone."""
    loader = DataLoader(DOCS, batch_size=4, collate_fn=collate_docs)
    trainer = LightningIRTrainer(callbacks=[IndexCallback(tmp_path / "index", FaissFlatIndexConfig(), shard_size=10)])
    trainer.index(module, dataloaders=loader)
    shards = tmp_path / "index" / "shards"
    assert [shard.doc_ids for shard in ShardSet.load(shards).iter_batches()] == [
        [d.doc_id for d in DOCS[spec.start : spec.stop]] for spec in plan_shards(len(DOCS), 10)
    ]
    before = hashlib.sha256((shards / "shard-00001.parquet").read_bytes()).hexdigest()
    others = {p.name: p.stat().st_mtime_ns for p in shards.glob("shard-*") if not p.name.startswith("shard-00001")}
    (shards / "shard-00001.parquet").unlink()
    encoded_docs.clear()
    trainer.index(module, dataloaders=loader)
    assert encoded_docs == [d.doc_id for d in DOCS[8:20]]  # batches [8, 12), [12, 16), [16, 20)
    assert hashlib.sha256((shards / "shard-00001.parquet").read_bytes()).hexdigest() == before
    assert {p.name: p.stat().st_mtime_ns for p in shards.glob("shard-*") if p.name in others} == others


def test_plain_test_loop_indexes_without_resuming(module, encoded_docs, tmp_path) -> None:
    callback = IndexCallback(tmp_path / "index", FaissFlatIndexConfig(), shard_size=10)
    LightningIRTrainer(callbacks=[callback]).test(module, DataLoader(DOCS, batch_size=4, collate_fn=collate_docs))
    assert encoded_docs == [d.doc_id for d in DOCS]
    assert ShardSet.load(tmp_path / "index" / "shards").num_docs == 40
    assert len(search(module, tmp_path / "index", QUERIES, FaissSearchConfig(k=3)).doc_ids[0]) == 3


def ranked_samples() -> list[RankSample]:
    texts = {d.doc_id: d.doc for d in DOCS}
    lists = {"q1": ("d1", "d2", "d8", "d9"), "q2": ("d3", "d4", "d5"), "q3": ("d5", "d30", "d6", "d7", "d0")}
    return [RankSample(q, QUERIES[q], ids, tuple(texts[d] for d in ids), None, QRELS[q]) for q, ids in lists.items()]


@pytest.mark.parametrize("kind", ["bi", "cross"])
def test_re_rank_sorts_each_query_by_the_module_scores(tiny_backbone, tmp_path, kind) -> None:
    path = str(tiny_backbone("bert"))
    model = BiEncoderModule(path) if kind == "bi" else CrossEncoderModule(path, config=MonoConfig())
    model.evaluation_metrics = ["nDCG@10"]
    samples = ranked_samples()
    callback = ReRankCallback(save_dir=tmp_path)
    outcomes = LightningIRTrainer(callbacks=[callback]).re_rank(
        model, dataloaders=DataLoader(samples, batch_size=2, collate_fn=collate_ranked)
    )
    outcome = outcomes["dataset-0"]
    for sample, doc_ids, scores in zip(samples, outcome.result.doc_ids, outcome.result.scores):
        expected = model.score(sample.query, list(sample.docs)).scores
        order = torch.argsort(expected, descending=True, stable=True).tolist()
        assert doc_ids == [sample.doc_ids[i] for i in order]
        np.testing.assert_allclose(scores, expected[order].numpy(), atol=1e-5)
    assert outcome.metrics == pytest.approx(evaluate_run(outcome.result.to_run(), QRELS, ["nDCG@10"]).aggregated)
    assert (tmp_path / "dataset-0.run").is_file() and (tmp_path / "dataset-0.metrics.json").is_file()


def test_trainer_verbs_check_their_callback_and_module(module, tiny_backbone, tmp_path) -> None:
    loader = DataLoader(DOCS, batch_size=8, collate_fn=collate_docs)
    with pytest.raises(ValueError, match="trainer.index needs exactly one IndexCallback"):
        LightningIRTrainer().index(module, dataloaders=loader)
    trainer = LightningIRTrainer(callbacks=[IndexCallback(tmp_path / "index", FaissFlatIndexConfig())])
    with pytest.raises(ValueError, match="one document dataset per index, got 2"):
        trainer.index(module, dataloaders=[loader, loader])
    with pytest.raises(ValueError, match="either a datamodule or dataloaders"):
        trainer.index(module)
    cross = CrossEncoderModule(str(tiny_backbone("bert")), config=MonoConfig())
    with pytest.raises(TypeError, match="needs a BiEncoderModule"):
        LightningIRTrainer(callbacks=[SearchCallback(tmp_path, FaissSearchConfig())]).search(cross, dataloaders=loader)
    assert LightningIRTrainer().logger is None and not LightningIRTrainer().checkpoint_callbacks


def test_search_writes_one_run_per_query_dataset(module, tmp_path) -> None:
    docs, queries, qrels = write_files(tmp_path)
    index_dir = tmp_path / "index"
    LightningIRTrainer(callbacks=[IndexCallback(index_dir, FaissFlatIndexConfig())]).index(
        module, dataloaders=DataLoader(DOCS, batch_size=8, collate_fn=collate_docs)
    )
    other = tmp_path / "other.tsv"
    other.write_text("x1\tparis france\n")
    data_module = LightningIRDataModule(
        inference_datasets=[QueryDataset(str(queries), qrels=str(qrels)), QueryDataset(str(other))],
        inference_batch_size=2,
    )
    callback = SearchCallback(index_dir, FaissSearchConfig(k=4), save_dir=tmp_path / "runs")
    outcomes = LightningIRTrainer(callbacks=[callback]).search(module, data_module)
    assert sorted(outcomes) == ["other", "queries"]
    assert outcomes["other"].result.query_ids == ["x1"] and outcomes["queries"].result.query_ids == list(QUERIES)
    assert outcomes["other"].metrics == {} and outcomes["queries"].metrics == {}  # no evaluation_metrics
    assert len((tmp_path / "runs" / "other.run").read_text().splitlines()) == 4
    assert len((tmp_path / "runs" / "queries.run").read_text().splitlines()) == 12
