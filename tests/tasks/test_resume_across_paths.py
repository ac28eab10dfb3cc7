"""One shard plan for ``lir index`` (IndexCallback) and the workflow's ``encode_shard`` task:
a shard folder that either left unfinished is resumed by the other, keeping the finished shards.

The ``lir`` command runs in-process with a tiny random BERT over the tiny SciFact slice
(48 documents as ``docs.parquet``); shards of 10 documents are filled by batches of 4, so
batches straddle shard boundaries.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

import tasks.encode_shard as encode_shard_module
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.cli import main
from lir_core.data.samples import IndexBatch
from lir_core.retrieve.shards import ShardSet, plan_shards
from tasks.build_index import build_index
from tasks.encode_shard import encode_shard, write_shards_manifest

SHARD_SIZE, BATCH_SIZE, NUM_DOCS = 10, 4, 48
SPECS = plan_shards(NUM_DOCS, SHARD_SIZE)  # 5 shards: 10, 10, 10, 10, 8 documents


class Interrupted(RuntimeError):
    """Stands for the end of a ``lir index`` process killed mid-way."""


@pytest.fixture()
def encoded_batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Doc ids of every IndexBatch a BiEncoderModule encodes in the test loop (``lir index``)."""
    seen: list[list[str]] = []
    inference_step = BiEncoderModule.inference_step

    def counting(self, batch):
        if isinstance(batch, IndexBatch):
            seen.append(list(batch.doc_ids))
        return inference_step(self, batch)

    monkeypatch.setattr(BiEncoderModule, "inference_step", counting)
    return seen


@pytest.fixture()
def task_encodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Shard ids the ``encode_shard`` task encodes (rather than keeps)."""
    calls: list[int] = []
    encode = encode_shard_module.encode

    def counting(module, docs, out_dir, shard_id, batch_size=32):
        calls.append(shard_id)
        return encode(module, docs, out_dir, shard_id, batch_size)

    monkeypatch.setattr(encode_shard_module, "encode", counting)
    return calls


def lir_index(root: Path, model: str, docs: Path, shards: Path) -> None:
    """``lir index`` with an IndexCallback writing shards of SHARD_SIZE to ``shards``."""
    config = {
        "trainer": {"accelerator": "cpu", "default_root_dir": str(root), "callbacks": [{
            "class_path": "IndexCallback",
            "init_args": {"index_dir": str(root / "lir-index"), "index_config": {"class_path": "FaissFlatIndexConfig"},
                          "shard_size": SHARD_SIZE, "shards_dir": str(shards)},
        }]},
        "model": {"class_path": "BiEncoderModule", "init_args": {"model_name_or_path": model}},
        "data": {"class_path": "LightningIRDataModule", "init_args": {
            "inference_datasets": [{"class_path": "DocDataset", "init_args": {"doc_dataset": str(docs)}}],
            "inference_batch_size": BATCH_SIZE}},
    }
    path = root / "index.yaml"
    path.write_text(yaml.safe_dump(config))
    main(["index", "--config", str(path)])


def run_tasks(model: str, docs: Path, shards: Path, index: Path) -> None:
    """The index flow's work: ``encode_shard`` per planned shard, the manifest, a faiss-flat index."""
    for spec in SPECS:
        encode_shard.fn(model, str(docs), str(shards), spec, batch_size=BATCH_SIZE)
    write_shards_manifest.fn(str(shards), [spec.shard_id for spec in SPECS])
    build_index.fn(str(shards), str(index), {"index_type": "faiss-flat"})


def mtimes(shards: Path, shard_ids: list[int]) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for i in shard_ids for p in shards.glob(f"shard-{i:05d}.*")}


def assert_same_shards(ours: Path, reference: Path) -> None:
    """The same documents in the same shards, with the same vectors (up to batch composition)."""
    ours_set, reference_set = ShardSet.load(ours), ShardSet.load(reference)
    assert list(ours_set.files) == list(reference_set.files)
    for mine, theirs in zip(ours_set.iter_batches(), reference_set.iter_batches()):
        assert mine.doc_ids == theirs.doc_ids
        np.testing.assert_allclose(mine.vectors, theirs.vectors, atol=1e-5)


@pytest.fixture()
def reference(dataset_dir: Path, tiny_backbone: Callable[..., Path], tmp_path_factory) -> Path:
    """Shards of an uninterrupted run of the tasks."""
    root = tmp_path_factory.mktemp("reference")
    run_tasks(str(tiny_backbone("bert")), dataset_dir / "docs.parquet", root / "shards", root / "index")
    return root / "shards"


def test_index_started_by_lir_index_resumes_under_the_tasks(
    dataset_dir: Path, tiny_backbone: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    encoded_batches: list[list[str]], task_encodes: list[int], reference: Path,
) -> None:
    model, docs, shards = tiny_backbone("bert"), dataset_dir / "docs.parquet", tmp_path / "shards"
    inference_step = BiEncoderModule.inference_step

    def dies_after_four_batches(self, batch):
        if len(encoded_batches) >= 4:
            raise Interrupted("killed")
        return inference_step(self, batch)

    # `lir index` with the model given relative to the working directory (the tasks get its absolute path)
    monkeypatch.chdir(model.parent)
    with monkeypatch.context() as patch:
        patch.setattr(BiEncoderModule, "inference_step", dies_after_four_batches)
        with pytest.raises(Interrupted):
            lir_index(tmp_path, model.name, docs, shards)
    # four batches of 4: shard 0 (documents 0-9) is finished, shard 1 was being filled
    assert sorted(p.name for p in shards.glob("shard-*")) == ["shard-00000.json", "shard-00000.parquet"]
    assert not (shards / "manifest.json").exists()
    finished = mtimes(shards, [0])

    task_encodes.clear()
    run_tasks(str(model), docs, shards, tmp_path / "index")
    assert task_encodes == [1, 2, 3, 4]
    assert mtimes(shards, [0]) == finished
    assert_same_shards(shards, reference)
    assert ShardSet.load(shards).num_docs == NUM_DOCS and (tmp_path / "index" / "manifest.json").is_file()


def test_index_started_by_the_tasks_resumes_under_lir_index(
    dataset_dir: Path, tiny_backbone: Callable[..., Path], tmp_path: Path,
    encoded_batches: list[list[str]], task_encodes: list[int], reference: Path,
) -> None:
    model, docs, shards = str(tiny_backbone("bert")), dataset_dir / "docs.parquet", tmp_path / "shards"
    for spec in (SPECS[0], SPECS[2]):  # a flow killed after two of its five shards
        encode_shard.fn(model, str(docs), str(shards), spec, batch_size=BATCH_SIZE)
    finished = mtimes(shards, [0, 2])

    lir_index(tmp_path, model, docs, shards)
    # Only batches holding documents of shards 1, 3 and 4 are encoded: [8, 12) straddles 0 and 1,
    # [28, 32) straddles 2 and 3; [0, 8) and [20, 28) are skipped.
    ids = [doc_id for shard in ShardSet.load(reference).iter_batches() for doc_id in shard.doc_ids]
    starts = [8, 12, 16, 28, 32, 36, 40, 44]
    assert encoded_batches == [ids[start : start + BATCH_SIZE] for start in starts]
    assert mtimes(shards, [0, 2]) == finished
    assert_same_shards(shards, reference)
    assert (tmp_path / "lir-index" / "manifest.json").is_file()

    # ... and what lir index finished, the tasks keep
    task_encodes.clear()
    run_tasks(model, docs, shards, tmp_path / "index")
    assert task_encodes == []
