"""DocDataset and QueryDataset: contents from files and ir_datasets, and sharding."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import torch.distributed as dist
from torch.utils.data import DataLoader

from lir_core.data import DocDataset, DocSample, QueryDataset, QuerySample
from lir_core.data.collate import collate

SCIFACT_DOC_4983_START = (
    "Microstructural development of human newborn cerebral white matter assessed in vivo by diffusion tensor "
    "magnetic resonance imaging. Alterations of the architecture of cerebral white matter"
)


def test_doc_dataset_from_tsv(tiny) -> None:
    assert list(DocDataset(str(tiny.docs))) == [DocSample(d, t) for d, t in tiny.doc_texts.items()]


def test_doc_dataset_from_irds(tiny_irds: str, tiny) -> None:
    assert [sample.doc_id for sample in DocDataset(tiny_irds)] == list(tiny.doc_texts)


def test_scifact_docs_join_title_and_text(scifact: str) -> None:
    docs = list(DocDataset("beir/scifact"))
    assert len(docs) == 5183
    assert docs[0].doc_id == "4983"
    assert docs[0].doc.startswith(SCIFACT_DOC_4983_START)


def test_query_dataset_from_files_with_qrels(tiny) -> None:
    samples = list(QueryDataset(str(tiny.queries), qrels=str(tiny.qrels)))
    assert samples == [
        QuerySample("q1", "capital of Germany", {"d1": 2, "d2": 0}),
        QuerySample("q2", "vitamin d and bone loss", {"d3": 1}),
    ]
    assert list(QueryDataset(str(tiny.queries)))[0] == QuerySample("q1", "capital of Germany", None)


def test_scifact_test_queries_and_qrels(scifact: str) -> None:
    dataset = QueryDataset(scifact)
    samples = list(dataset)
    assert dataset.has_qrels and len(samples) == 300
    assert samples[0] == QuerySample("1", "0-dimensional biomaterials show inductive properties.", {"31715818": 1})


def _fake_distributed(monkeypatch: pytest.MonkeyPatch, rank: int, world_size: int) -> None:
    monkeypatch.setattr(dist, "is_available", lambda: True)
    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_rank", lambda: rank)
    monkeypatch.setattr(dist, "get_world_size", lambda: world_size)


@pytest.fixture
def eleven_docs(tmp_path: Path) -> Path:
    path = tmp_path / "docs.tsv"
    path.write_text("".join(f"doc{i}\ttext {i}\n" for i in range(11)))
    return path


def test_two_workers_times_two_ranks_read_every_doc_once(monkeypatch: pytest.MonkeyPatch, eleven_docs: Path) -> None:
    seen: Counter[str] = Counter()
    per_rank = []
    for rank in (0, 1):
        _fake_distributed(monkeypatch, rank, 2)
        loader = DataLoader(DocDataset(str(eleven_docs)), batch_size=2, num_workers=2, collate_fn=collate)
        ids = [doc_id for batch in loader for doc_id in batch.doc_ids]
        per_rank.append(len(ids))
        seen.update(ids)
    assert seen == Counter(f"doc{i}" for i in range(11))
    assert per_rank == [6, 5]


def test_set_rank_overrides_distributed_state(eleven_docs: Path) -> None:
    shards = []
    for rank in range(3):
        dataset = DocDataset(str(eleven_docs))
        dataset.set_rank(rank, 3)
        shards.append([sample.doc_id for sample in dataset])
    assert shards[0] == ["doc0", "doc3", "doc6", "doc9"]
    assert sorted(sum(shards, [])) == sorted(f"doc{i}" for i in range(11))
    with pytest.raises(ValueError, match=r"rank must be in \[0, 3\), got 3"):
        DocDataset(str(eleven_docs)).set_rank(3, 3)


def test_query_dataset_shards_too(monkeypatch: pytest.MonkeyPatch, tiny) -> None:
    _fake_distributed(monkeypatch, 1, 2)
    assert [sample.query_id for sample in QueryDataset(str(tiny.queries))] == ["q2"]


def test_irds_shards_cover_scifact_once(scifact: str) -> None:
    shards = []
    for rank in range(3):
        dataset = DocDataset("beir/scifact")
        dataset.set_rank(rank, 3)
        shards.append([sample.doc_id for sample in dataset])
    all_ids = [sample.doc_id for sample in DocDataset("beir/scifact")]
    assert [len(ids) for ids in shards] == [1728, 1728, 1727]
    assert shards[1][:2] == all_ids[1:5:3]
    assert Counter(sum(shards, [])) == Counter(all_ids)


def test_more_shards_than_docs(tiny_irds: str, tiny) -> None:
    shards = []
    for rank in range(8):
        dataset = DocDataset(tiny_irds)
        dataset.set_rank(rank, 8)
        shards.append([sample.doc_id for sample in dataset])
    assert shards == [[doc_id] for doc_id in tiny.doc_texts] + [[], []]
