"""RunDataset: samples, depth, targets, sampling strategies, ir_datasets sources and YAML config."""

from __future__ import annotations

from pathlib import Path

import jsonargparse
import pytest
import torch

from lir_core.data import RankSample, RunDataset
from lir_core.data.sampling import make_targets, sample_positions


@pytest.fixture
def run_dataset(tiny):
    def make(**kwargs) -> RunDataset:
        sources = {"docs": str(tiny.docs), "queries": str(tiny.queries), "qrels": str(tiny.qrels)}
        return RunDataset(str(tiny.run), **{**sources, **kwargs})

    return make


def test_sample_holds_query_docs_targets_and_qrels(run_dataset, tiny) -> None:
    dataset = run_dataset(targets="score")
    assert len(dataset) == 2
    sample = dataset[0]
    assert sample.query_id == "q1" and sample.query == "capital of Germany"
    assert sample.doc_ids == ("d2", "d1", "d5", "d6")
    assert sample.docs == tuple(tiny.doc_texts[d] for d in sample.doc_ids)
    assert sample.targets.tolist() == [9.0, 8.0, 7.0, 6.0]
    assert sample.qrels == {"d1": 2, "d2": 0}


@pytest.mark.parametrize(
    ("targets", "normalize", "expected"),
    [
        ("relevance", False, [0.0, 2.0]),
        ("rank", False, [1.0, 2.0]),
        ("score", True, [1.0, 0.0]),
        ("relevance", True, [0.0, 1.0]),
        (None, False, None),
    ],
)
def test_depth_and_targets(run_dataset, targets, normalize, expected) -> None:
    sample = run_dataset(depth=2, targets=targets, normalize_targets=normalize)[0]
    assert sample.doc_ids == ("d2", "d1")
    assert (sample.targets.tolist() if sample.targets is not None else None) == expected


def test_top_sampling(run_dataset) -> None:
    assert run_dataset(sample_size=3)[0].doc_ids == ("d2", "d1", "d5")


def test_random_sampling_stays_within_depth_in_rank_order(run_dataset) -> None:
    dataset = run_dataset(depth=3, sample_size=2, sampling_strategy="random", targets="rank")
    torch.manual_seed(0)
    draws = [dataset[0] for _ in range(30)]
    order = {"d2": 0, "d1": 1, "d5": 2}
    for sample in draws:
        assert len(sample.doc_ids) == 2 and set(sample.doc_ids) <= set(order)
        assert [order[d] for d in sample.doc_ids] == sorted(order[d] for d in sample.doc_ids)
        assert sample.targets.tolist() == [order[d] + 1.0 for d in sample.doc_ids]
    assert {d for sample in draws for d in sample.doc_ids} == set(order)


def test_top_and_random_keeps_the_top_half(run_dataset) -> None:
    dataset = run_dataset(sample_size=3, sampling_strategy="top_and_random")
    torch.manual_seed(0)
    draws = [dataset[0].doc_ids for _ in range(30)]
    assert all(ids[:2] == ("d2", "d1") and ids[2] in {"d5", "d6"} for ids in draws)
    assert {ids[2] for ids in draws} == {"d5", "d6"}


def test_single_relevant_puts_one_relevant_first_and_drops_queries_without(run_dataset, tmp_path: Path, tiny) -> None:
    dataset = run_dataset(sample_size=3, sampling_strategy="single_relevant", targets="relevance")
    assert [dataset[i].query_id for i in range(len(dataset))] == ["q1", "q2"]
    assert dataset[0].doc_ids == ("d1", "d2", "d5") and dataset[0].targets.tolist() == [2.0, 0.0, 0.0]
    assert dataset[1].doc_ids == ("d3", "d4", "d1")
    other_qrels = tmp_path / "other.qrels"
    other_qrels.write_text("q1 0 d1 1\nq2 0 d6 1\n")
    assert [s.query_id for s in run_dataset(sampling_strategy="single_relevant", qrels=str(other_qrels))] == ["q1"]
    with pytest.raises(ValueError, match="no query has a relevant document among its candidates"):
        run_dataset(depth=1, sampling_strategy="single_relevant")


def test_sample_positions_directly() -> None:
    generator = torch.Generator().manual_seed(1)
    assert sample_positions([0, 0, 1, 0], 2, "top") == [0, 1]
    assert sample_positions([0, 0, 1, 0], -1, "single_relevant") == [2, 0, 1, 3]
    assert sample_positions([0, 0], 5, "top") == [0, 1]
    assert len(sample_positions([0] * 10, 4, "random", generator)) == 4
    with pytest.raises(ValueError, match="needs a relevant candidate"):
        sample_positions([0, 0], 2, "single_relevant")
    assert make_targets("rank", [0, 2], [3.0, 2.0, 1.0], [0, 0, 0], normalize=True).tolist() == [0.0, 1.0]
    assert make_targets("score", [0, 1], [2.0, 2.0], [0, 0], normalize=True).tolist() == [0.0, 0.0]


def test_run_from_qrels_file(tiny) -> None:
    dataset = RunDataset(str(tiny.qrels), docs=str(tiny.docs), queries=str(tiny.queries), targets="relevance")
    assert dataset[0].doc_ids == ("d1", "d2") and dataset[0].targets.tolist() == [2.0, 0.0]


def test_run_from_irds_scoreddocs(tiny_irds: str) -> None:
    sample = RunDataset(tiny_irds, depth=2, targets="relevance")[0]
    assert (sample.query_id, sample.doc_ids, sample.targets.tolist()) == ("q1", ("d2", "d1"), [0.0, 2.0])
    from_qrels = RunDataset(tiny_irds, run_from="qrels")[1]
    assert from_qrels.doc_ids == ("d3",) and from_qrels.qrels == {"d3": 1}


def test_scifact_without_scoreddocs_reranks_judged_docs(scifact: str) -> None:
    dataset = RunDataset(scifact, targets="relevance")
    assert len(dataset) == 300
    sample = dataset[0]
    assert sample == RankSample(
        query_id="1",
        query="0-dimensional biomaterials show inductive properties.",
        doc_ids=("31715818",),
        docs=sample.docs,
        targets=sample.targets,
        qrels={"31715818": 1},
    )
    assert sample.docs[0].startswith("New opportunities: the use of nanotechnologies to manipulate and track stem cells.")
    assert sample.targets.tolist() == [1.0]


def test_trec_dl_queries_and_qrels_with_a_local_collection(tiny, trec_dl_2019: str) -> None:
    dataset = RunDataset(trec_dl_2019, run_from="qrels", docs=str(tiny.docs), depth=3)
    assert len(dataset) == 43 and dataset.has_qrels
    with pytest.raises(ValueError, match=r"docs\.tsv: 3 document id\(s\) not in the collection"):
        dataset[0]


def test_yaml_config_through_jsonargparse(tiny) -> None:
    parser = jsonargparse.ArgumentParser()
    parser.add_argument("--data", type=RunDataset)
    config = parser.parse_string(
        f"""
data:
  class_path: lir_core.data.RunDataset
  init_args:
    run_path_or_id: {tiny.run}
    docs: {tiny.docs}
    queries: {tiny.queries}
    qrels: {tiny.qrels}
    depth: 2
    targets: relevance
"""
    )
    dataset = parser.instantiate_classes(config).data
    assert isinstance(dataset, RunDataset)
    assert dataset[0].doc_ids == ("d2", "d1") and dataset[0].targets.tolist() == [0.0, 2.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"targets": "relevance", "qrels": None}, "targets=.relevance. needs qrels"),
        ({"docs": None}, "a run file needs docs="),
        ({"depth": 0}, "depth and sample_size must be -1 or >= 1"),
    ],
)
def test_invalid_settings(run_dataset, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        run_dataset(**kwargs)


def test_run_query_without_text(run_dataset, tmp_path: Path) -> None:
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\tonly one\n")
    with pytest.raises(ValueError, match=r"1 run queries have no text \(e.g. 'q2'\)"):
        with pytest.warns(UserWarning):
            run_dataset(queries=str(queries))


def test_irds_backed_dataset_pickles_for_spawned_workers(scifact: str) -> None:
    import pickle

    dataset = RunDataset(scifact, depth=2)
    first = dataset[0]
    copy = pickle.loads(pickle.dumps(dataset))
    assert copy[0].docs == first.docs
