"""Atomic writes and manifests."""

from pathlib import Path

import pytest

from lir_core.artifacts import Manifest, atomic_path, config_hash, write_text_atomic


def test_atomic_path_leaves_target_untouched_on_error(tmp_path: Path) -> None:
    target = tmp_path / "shard.parquet"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shard.parquet"]


def test_manifest_records_verifies_and_detects_corruption(tmp_path: Path) -> None:
    write_text_atomic(tmp_path / "a.txt", "hello")
    manifest = Manifest(kind="test", producer={"model": "m", "config": config_hash({"k": 1})})
    manifest.record(tmp_path, "a.txt", rows=1)
    loaded = Manifest.load(tmp_path)
    assert loaded is not None and loaded.files["a.txt"].rows == 1
    assert loaded.files["a.txt"].sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert loaded.is_valid(tmp_path, "a.txt")
    (tmp_path / "a.txt").write_text("hellO")
    assert not loaded.is_valid(tmp_path, "a.txt")
    with pytest.raises(ValueError, match="checksum mismatch"):
        loaded.verify(tmp_path)
    (tmp_path / "a.txt").unlink()
    with pytest.raises(FileNotFoundError, match="missing"):
        loaded.verify(tmp_path)


def test_corrupt_manifest_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt manifest"):
        Manifest.load(tmp_path)


def test_config_hash_is_order_independent() -> None:
    assert config_hash({"a": 1, "b": 2}) == config_hash({"b": 2, "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})
