"""Parquet shards: planning, schemas and values per embedding kind, resume and corruption."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from lir_core.data.samples import DocSample
from lir_core.models.splade import SpladeConfig, prune_sparse
from lir_core.retrieve import shards as shards_module
from lir_core.retrieve.shards import (
    DenseShard,
    MultiVectorShard,
    ShardSet,
    ShardSpec,
    SparseShard,
    encode_collection,
    encode_shard,
    plan_shards,
)


def test_plan_shards_covers_every_document_once() -> None:
    assert plan_shards(10, 4) == [ShardSpec(0, 0, 4), ShardSpec(1, 4, 8), ShardSpec(2, 8, 10)]
    assert plan_shards(3, 5) == [ShardSpec(0, 0, 3)]
    assert plan_shards(4, 4)[0].file == "shard-00000.parquet"
    with pytest.raises(ValueError, match="nothing to encode"):
        plan_shards(0, 4)
    with pytest.raises(ValueError, match="shard_size"):
        plan_shards(4, 0)


def test_dense_shards_hold_the_module_embeddings_in_document_order(bi_encoder, small_docs, tmp_path) -> None:
    module = bi_encoder()
    shard_set = encode_collection(module, small_docs, tmp_path, shard_size=25, batch_size=8)
    assert shard_set.kind == "dense" and shard_set.num_docs == 60 and shard_set.dim == 32
    assert list(shard_set.files) == [f"shard-0000{i}.parquet" for i in range(3)]
    schema = pq.read_schema(tmp_path / "shard-00000.parquet")
    assert schema.field("doc_id").type == pa.string()
    assert schema.field("vector").type == pa.list_(pa.float32(), 32)
    batches = list(shard_set.iter_batches())
    assert all(isinstance(b, DenseShard) for b in batches)
    assert [len(b.doc_ids) for b in batches] == [25, 25, 10]
    assert [d for b in batches for d in b.doc_ids] == [d.doc_id for d in small_docs]
    expected = module.encode_docs([d.doc for d in small_docs]).embeddings[:, 0].numpy()
    np.testing.assert_allclose(np.concatenate([b.vectors for b in batches]), expected, atol=1e-5)
    sidecar = json.loads((tmp_path / "shard-00001.json").read_text())
    assert sidecar["rows"] == 25 and sidecar["file"] == "shard-00001.parquet"
    assert set(sidecar["producer"]) >= {"model", "config_hash", "embedding_kind", "dim", "weights_sha256"}
    assert sidecar["producer"]["embedding_kind"] == "dense" and sidecar["producer"]["dim"] == 32


def test_multi_vector_shards_keep_only_scoring_tokens(bi_encoder, small_docs, tmp_path) -> None:
    module = bi_encoder(
        query_pooling_strategy=None, doc_pooling_strategy=None, embedding_dim=8, doc_mask_scoring_tokens="punctuation"
    )
    docs = [DocSample("p", "Berlin, the capital; of Germany!"), *small_docs[:9]]
    shard_set = encode_collection(module, docs, tmp_path, shard_size=4, batch_size=3)
    assert shard_set.kind == "multi-vector" and shard_set.dim == 8
    schema = pq.read_schema(tmp_path / "shard-00000.parquet")
    assert schema.field("vectors").type == pa.list_(pa.float32())
    assert schema.field("num_tokens").type == pa.int32()
    batches = list(shard_set.iter_batches())
    assert all(isinstance(b, MultiVectorShard) for b in batches)
    encoded = module.encode_docs([d.doc for d in docs])
    num_tokens = np.concatenate([b.num_tokens for b in batches])
    np.testing.assert_array_equal(num_tokens, encoded.scoring_mask.sum(1).numpy())
    attended = module.tokenizer.tokenize_docs([docs[0].doc])["attention_mask"].sum().item()
    assert num_tokens[0] < attended  # the punctuation tokens were dropped
    vectors = np.concatenate([b.vectors for b in batches])
    np.testing.assert_allclose(vectors, encoded.embeddings[encoded.scoring_mask].numpy(), atol=1e-5)


def test_sparse_shards_are_pruned_like_prune_sparse(tiny_backbone, small_docs, tmp_path) -> None:
    from lir_core import BiEncoderModule

    config = SpladeConfig(sparse_prune_top_k=5, sparse_prune_threshold=0.0)
    module = BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=config)
    docs = small_docs[:12]
    shard_set = encode_collection(module, docs, tmp_path, shard_size=5, batch_size=4)
    assert shard_set.kind == "sparse" and shard_set.dim == module.model.embedding_dim
    schema = pq.read_schema(tmp_path / "shard-00000.parquet")
    assert schema.field("term_ids").type == pa.list_(pa.int32())
    assert schema.field("weights").type == pa.list_(pa.float32())
    expected = prune_sparse(module.encode_docs([d.doc for d in docs]).embeddings, 5, 0.0)
    rows = []
    for batch in shard_set.iter_batches():
        assert isinstance(batch, SparseShard)
        for i in range(len(batch.doc_ids)):
            rows.append((batch.term_ids[batch.offsets[i] : batch.offsets[i + 1]],
                         batch.weights[batch.offsets[i] : batch.offsets[i + 1]]))
    assert len(rows) == 12
    for (term_ids, weights), vector in zip(rows, expected):
        assert 0 < len(term_ids) <= 5
        np.testing.assert_array_equal(term_ids, vector.term_ids.numpy())
        np.testing.assert_allclose(weights, vector.weights.numpy(), atol=1e-5)
        assert np.all(np.diff(weights) <= 0)


@pytest.fixture()
def counted_encodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the shard ids that ``encode_collection`` encodes."""
    calls: list[int] = []

    def counting(module, docs, out_dir, shard_id, batch_size=32):
        calls.append(shard_id)
        return encode_shard(module, docs, out_dir, shard_id, batch_size)

    monkeypatch.setattr(shards_module, "encode_shard", counting)
    return calls


def test_resume_re_encodes_only_the_deleted_shard(bi_encoder, small_docs, tmp_path, counted_encodes) -> None:
    module = bi_encoder()
    encode_collection(module, small_docs, tmp_path, shard_size=20)
    assert counted_encodes == [0, 1, 2]
    before = {name: os.stat(tmp_path / name).st_mtime_ns for name in ("shard-00000.parquet", "shard-00002.parquet")}
    (tmp_path / "shard-00001.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="shard-00001.parquet"):
        ShardSet.load(tmp_path)
    counted_encodes.clear()
    shard_set = encode_collection(module, small_docs, tmp_path, shard_size=20)
    assert counted_encodes == [1]
    assert {name: os.stat(tmp_path / name).st_mtime_ns for name in before} == before
    assert shard_set.num_docs == 60
    counted_encodes.clear()
    encode_collection(module, small_docs, tmp_path, shard_size=20)
    assert counted_encodes == []


def test_corrupt_shard_is_detected_and_re_encoded(bi_encoder, small_docs, tmp_path, counted_encodes) -> None:
    module = bi_encoder()
    encode_collection(module, small_docs, tmp_path, shard_size=20)
    path = tmp_path / "shard-00002.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="shard-00002.parquet.*checksum"):
        ShardSet.load(tmp_path)
    counted_encodes.clear()
    shard_set = encode_collection(module, small_docs, tmp_path, shard_size=20)
    assert counted_encodes == [2]
    ShardSet.load(tmp_path, verify=True)
    expected = module.encode_docs([d.doc for d in small_docs[40:]]).embeddings[:, 0].numpy()
    np.testing.assert_allclose(list(shard_set.iter_batches())[2].vectors, expected, atol=1e-5)


def test_unfinished_writes_never_count(bi_encoder, small_docs, tmp_path, counted_encodes, monkeypatch) -> None:
    module = bi_encoder()
    encode_collection(module, small_docs, tmp_path, shard_size=20)
    # A crash while writing: a truncated temporary file, and a shard renamed into place whose
    # sidecar was never written.
    full = (tmp_path / "shard-00000.parquet").read_bytes()
    (tmp_path / ".shard-00000.parquet.abc123.tmp").write_bytes(full[: len(full) // 3])
    (tmp_path / "shard-00001.json").unlink()
    counted_encodes.clear()
    encode_collection(module, small_docs, tmp_path, shard_size=20)
    assert counted_encodes == [1]

    # A writer that dies mid-file leaves neither the shard nor a temporary file behind.
    def dying_write(table, where, **kwargs):
        Path(where).write_bytes(b"PAR1 truncated")
        raise OSError("disk full")

    (tmp_path / "shard-00002.parquet").unlink()
    monkeypatch.setattr(shards_module.pq, "write_table", dying_write)
    with pytest.raises(OSError, match="disk full"):
        encode_collection(module, small_docs, tmp_path, shard_size=20)
    assert not (tmp_path / "shard-00002.parquet").exists()
    assert not list(tmp_path.glob(".shard-00002*"))


def test_changed_encoder_precision_or_documents_re_encode(bi_encoder, small_docs, tmp_path, counted_encodes) -> None:
    encode_collection(bi_encoder(), small_docs, tmp_path, shard_size=30)
    counted_encodes.clear()
    encode_collection(bi_encoder(normalize=True), small_docs, tmp_path, shard_size=30)
    assert counted_encodes == [0, 1]
    counted_encodes.clear()
    bf16 = bi_encoder(normalize=True)
    bf16.inference_precision = "bf16"
    encode_collection(bf16, small_docs, tmp_path, shard_size=30)
    assert counted_encodes == [0, 1]
    counted_encodes.clear()
    changed = [*small_docs[:45], DocSample("new", "a changed document"), *small_docs[46:]]
    encode_collection(bf16, changed, tmp_path, shard_size=30)
    assert counted_encodes == [1]


def test_fine_tuned_weights_make_shards_stale(bi_encoder, small_docs, tmp_path, counted_encodes) -> None:
    module = bi_encoder()
    encode_collection(module, small_docs[:10], tmp_path, shard_size=10)
    with torch.no_grad():
        module.model.backbone.embeddings.word_embeddings.weight[5] += 1.0
    counted_encodes.clear()
    encode_collection(module, small_docs[:10], tmp_path, shard_size=10)
    assert counted_encodes == [0]


def test_load_without_manifest_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no manifest.json"):
        ShardSet.load(tmp_path)


def test_parallel_workers_encode_shards_then_one_manifest(bi_encoder, small_docs, tmp_path, counted_encodes) -> None:
    """Workers (Dask, Ray, Prefect tasks) each ensure their shard; the manifest comes from the sidecars."""
    module = bi_encoder()
    specs = plan_shards(len(small_docs), 25)
    for spec in reversed(specs):  # any order, as independent workers would finish
        shards_module.ensure_shard(module, small_docs[spec.start : spec.stop], tmp_path, spec.shard_id)
    assert counted_encodes == [2, 1, 0]
    assert not (tmp_path / "manifest.json").exists()
    shards_module.write_shard_manifest(tmp_path, [spec.shard_id for spec in specs])
    shard_set = ShardSet.load(tmp_path)
    assert [d for b in shard_set.iter_batches() for d in b.doc_ids] == [d.doc_id for d in small_docs]
    info = shards_module.ensure_shard(module, small_docs[:25], tmp_path, 0)
    assert counted_encodes == [2, 1, 0] and info.rows == 25
    with pytest.raises(FileNotFoundError, match="shard-00003.json"):
        shards_module.write_shard_manifest(tmp_path, [0, 3])


def test_the_model_path_does_not_make_shards_stale(bi_encoder, small_docs, tmp_path, counted_encodes) -> None:
    """The same weights loaded from another path (relative in a ``lir index`` config, absolute in a
    params file) encode alike: their shards are kept, and listed in one manifest."""
    module = bi_encoder()
    encode_collection(module, small_docs, tmp_path, shard_size=20)
    sidecar = tmp_path / "shard-00001.json"
    info = json.loads(sidecar.read_text())
    info["producer"]["model"] = "models/elsewhere"
    sidecar.write_text(json.dumps(info))
    counted_encodes.clear()
    encode_collection(module, small_docs, tmp_path, shard_size=20)
    assert counted_encodes == []
    assert ShardSet.load(tmp_path).num_docs == 60
