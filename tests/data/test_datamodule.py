"""LightningIRDataModule and collation: typed batches for training and inference."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist

from lir_core.data import (
    DocDataset,
    DocSample,
    IndexBatch,
    LightningIRDataModule,
    QueryDataset,
    RankBatch,
    RankSample,
    RunDataset,
    SearchBatch,
)
from lir_core.data.collate import collate


@pytest.fixture
def run_dataset(tiny) -> RunDataset:
    return RunDataset(str(tiny.run), depth=2, targets="relevance", docs=str(tiny.docs), queries=str(tiny.queries),
                      qrels=str(tiny.qrels))


def test_train_batches_concatenate_targets(run_dataset: RunDataset) -> None:
    module = LightningIRDataModule(train_dataset=run_dataset, train_batch_size=2, shuffle_train=False)
    module.setup("fit")
    (batch,) = list(module.train_dataloader())
    assert isinstance(batch, RankBatch)
    assert batch.query_ids == ["q1", "q2"] and batch.num_docs == [2, 2]
    assert batch.doc_ids == [("d2", "d1"), ("d4", "d3")]
    assert batch.targets.tolist() == [0.0, 2.0, 0.0, 1.0]
    assert batch.qrels == [{"d1": 2, "d2": 0}, {"d3": 1}]


def test_inference_dataloaders_one_per_dataset_with_typed_batches(tiny, run_dataset: RunDataset) -> None:
    datasets = [DocDataset(str(tiny.docs)), QueryDataset(str(tiny.queries), qrels=str(tiny.qrels)), run_dataset]
    module = LightningIRDataModule(inference_datasets=datasets, inference_batch_size=4)
    module.setup("predict")
    loaders = module.predict_dataloader()
    assert isinstance(loaders, list) and len(loaders) == 3
    docs, queries, ranks = (list(loader) for loader in loaders)
    assert [type(b) for b in docs] == [IndexBatch, IndexBatch] and docs[1].doc_ids == ["d5", "d6"]
    assert docs[0].docs[0] == tiny.doc_texts["d1"]
    assert isinstance(queries[0], SearchBatch) and queries[0].qrels == [{"d1": 2, "d2": 0}, {"d3": 1}]
    assert isinstance(ranks[0], RankBatch) and ranks[0].targets.shape == (4,)
    assert len(module.val_dataloader()) == len(module.test_dataloader()) == 3


def test_datamodule_shards_doc_datasets_by_distributed_rank(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "docs.tsv"
    path.write_text("".join(f"doc{i}\ttext {i}\n" for i in range(9)))
    monkeypatch.setattr(dist, "is_available", lambda: True)
    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_world_size", lambda: 2)
    seen: Counter[str] = Counter()
    for rank in (0, 1):
        monkeypatch.setattr(dist, "get_rank", lambda rank=rank: rank)
        module = LightningIRDataModule(inference_datasets=[DocDataset(str(path))], inference_batch_size=2,
                                       num_workers=2)
        seen.update(doc_id for batch in module.predict_dataloader()[0] for doc_id in batch.doc_ids)
    assert seen == Counter(f"doc{i}" for i in range(9))


def test_setup_errors(tiny, run_dataset: RunDataset) -> None:
    with pytest.raises(ValueError, match="fitting needs a train_dataset"):
        LightningIRDataModule().setup("fit")
    with pytest.raises(ValueError, match="stage 'predict' needs inference_datasets"):
        LightningIRDataModule().setup("predict")
    single = RunDataset(str(tiny.run), sampling_strategy="single_relevant", docs=str(tiny.docs),
                        queries=str(tiny.queries), qrels=str(tiny.qrels))
    with pytest.raises(ValueError, match="cannot use sampling_strategy='single_relevant'"):
        LightningIRDataModule(inference_datasets=[single]).setup("validate")
    evaluating = SimpleNamespace(evaluation_metrics=["nDCG@10"])
    unjudged = QueryDataset(str(tiny.queries))
    with pytest.raises(ValueError, match=r"inference datasets \['QueryDataset'\] have no qrels"):
        LightningIRDataModule(module=evaluating, inference_datasets=[unjudged, run_dataset]).setup("validate")
    LightningIRDataModule(module=evaluating, inference_datasets=[run_dataset]).setup("validate")
    with pytest.raises(ValueError, match="batch sizes must be >= 1"):
        LightningIRDataModule(train_batch_size=0)


def test_collate_rejects_mixed_inputs() -> None:
    with_targets = RankSample("q", "t", ("d",), ("x",), torch.tensor([1.0]))
    without = RankSample("q2", "t", ("d",), ("x",))
    with pytest.raises(ValueError, match="with and without targets"):
        collate([with_targets, without])
    with pytest.raises(ValueError, match=r"mixed sample types \['DocSample', 'RankSample'\]"):
        collate([with_targets, DocSample("d", "x")])
    assert collate([without]).targets is None


def test_datamodule_from_yaml(tiny) -> None:
    import jsonargparse

    parser = jsonargparse.ArgumentParser()
    parser.add_class_arguments(LightningIRDataModule, "data")
    config = parser.parse_string(
        f"""
data:
  inference_batch_size: 3
  train_dataset:
    class_path: lir_core.data.RunDataset
    init_args: {{run_path_or_id: {tiny.run}, docs: {tiny.docs}, queries: {tiny.queries}, sample_size: 2}}
  inference_datasets:
    - class_path: lir_core.data.DocDataset
      init_args: {{doc_dataset: {tiny.docs}}}
    - class_path: lir_core.data.QueryDataset
      init_args: {{query_dataset: {tiny.queries}, qrels: {tiny.qrels}}}
"""
    )
    module = parser.instantiate_classes(config).data
    assert isinstance(module, LightningIRDataModule) and module.inference_batch_size == 3
    assert [type(d).__name__ for d in module.inference_datasets] == ["DocDataset", "QueryDataset"]
    assert isinstance(module.train_dataset, RunDataset) and module.train_dataset[0].doc_ids == ("d2", "d1")
