"""Artifact helpers: pkg:// refs, content fingerprints, manifest validity, atomic folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lir_core.artifacts import Manifest
from tasks.artifacts import artifact_dir, fingerprint, is_valid_artifact, resolve_ref


def test_resolve_ref_finds_folder_inside_installed_package() -> None:
    path = Path(resolve_ref("pkg://tasks/__init__.py"))
    assert path == Path(__file__).parents[2] / "tasks" / "__init__.py"
    assert resolve_ref("bert-base-uncased") == "bert-base-uncased"
    assert resolve_ref("some/dir") == "some/dir"


def test_resolve_ref_errors_name_package_and_path() -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such_package"):
        resolve_ref("pkg://no_such_package/model")
    with pytest.raises(FileNotFoundError, match="missing-folder"):
        resolve_ref("pkg://tasks/missing-folder")


def test_fingerprint_follows_content_not_name(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("same")
    (tmp_path / "b.txt").write_text("same")
    assert fingerprint(tmp_path / "a.txt") == fingerprint(str(tmp_path / "b.txt"))
    before = fingerprint(tmp_path)
    (tmp_path / "b.txt").write_text("changed")
    assert fingerprint(tmp_path / "b.txt") != fingerprint(tmp_path / "a.txt")
    assert fingerprint(tmp_path) != before
    assert fingerprint("beir/scifact") == "id:beir/scifact"
    assert fingerprint({"x": None, "y": ["beir/scifact"]}) == {"x": "none", "y": ["id:beir/scifact"]}


def test_artifact_folder_fingerprint_ignores_producer(tmp_path: Path) -> None:
    for name, producer in (("one", {"run": 1}), ("two", {"run": 2})):
        with artifact_dir(tmp_path / name, "test", producer) as tmp:
            (tmp / "data.txt").write_text("payload")
    assert fingerprint(tmp_path / "one") == fingerprint(tmp_path / "two")


def test_artifact_dir_writes_manifest_and_detects_damage(tmp_path: Path) -> None:
    out = tmp_path / "artifact"
    with artifact_dir(out, "test", {"task": "t"}) as tmp:
        (tmp / "a.txt").write_text("a")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.txt").write_text("b")
    manifest = Manifest.load(out)
    assert manifest is not None and manifest.kind == "test" and sorted(manifest.files) == ["a.txt", "sub/b.txt"]
    assert is_valid_artifact(out)
    (out / "a.txt").write_text("corrupt")
    assert not is_valid_artifact(out)
    (out / "a.txt").unlink()
    assert not is_valid_artifact(out)
    (out / "manifest.json").write_text("{not json")
    assert not is_valid_artifact(out)
    assert not is_valid_artifact(tmp_path / "missing")


def test_artifact_dir_leaves_previous_artifact_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "artifact"
    with artifact_dir(out, "test", {}) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with artifact_dir(out, "test", {}) as tmp:
            (tmp / "a.txt").write_text("new")
            raise RuntimeError("crash mid-write")
    assert (out / "a.txt").read_text() == "old" and is_valid_artifact(out)
    assert [p.name for p in tmp_path.iterdir()] == ["artifact"]


def test_empty_manifest_is_not_an_artifact(tmp_path: Path) -> None:
    Manifest(kind="test").save(tmp_path)
    assert json.loads((tmp_path / "manifest.json").read_text())["files"] == {}
    assert not is_valid_artifact(tmp_path)
