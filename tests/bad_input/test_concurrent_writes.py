"""Concurrent writers of one artifact folder (issue 13): two pipelines into the same artifacts
folder meet at the final rename of each artifact. Before the publish step tolerated a
concurrent winner, about a quarter of such writes failed with ``OSError: Directory not empty``.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from pathlib import Path

import pytest

from lir_core.artifacts import Manifest
from lir_core.data.writers import atomic_directory, publish_directory
from tasks.artifacts import artifact_dir, is_valid_artifact

WRITERS = 6
ROUNDS = 15
FILES = 5


def payload(writer: int | None, name: str) -> bytes:
    """A file's bytes: the same for every writer (``writer=None``) or the writer's own."""
    return (f"{name} of {'everyone' if writer is None else f'writer {writer}'}\n" * 4000).encode()


def write_repeatedly(out: str, writer: int, identical: bool, barrier: "multiprocessing.synchronize.Barrier",
                     failures: "multiprocessing.Queue[str]") -> None:
    """Publish the artifact ``ROUNDS`` times; report every exception on ``failures``."""
    barrier.wait()
    for _ in range(ROUNDS):
        try:
            with artifact_dir(out, "stress", {"task": "stress", "writer": None if identical else writer}) as tmp:
                (tmp / "part").mkdir()
                for index in range(FILES):
                    name = f"part/{index}.txt"
                    (tmp / name).write_bytes(payload(None if identical else writer, name))
        except Exception:  # noqa: BLE001 - every failure is what this test counts
            failures.put(f"writer {writer}: {traceback.format_exc()}")


def run_writers(out: Path, identical: bool) -> list[str]:
    """Start ``WRITERS`` processes at once; returns the failures they reported."""
    # fork: the writers only touch files, and a spawned child would spend ~10 s importing lir_core
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    barrier, failures = context.Barrier(WRITERS), context.Queue()
    processes = [context.Process(target=write_repeatedly, args=(str(out), writer, identical, barrier, failures))
                 for writer in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    reported = []
    while not failures.empty():
        reported.append(failures.get())
    assert [process.exitcode for process in processes] == [0] * WRITERS, reported
    return reported


def assert_complete(out: Path, writers: set[int | None]) -> None:
    """``out`` is an intact artifact holding every file of one writer, and nothing else is left beside it."""
    assert is_valid_artifact(out)
    manifest = Manifest.load(out)
    assert manifest is not None and sorted(manifest.files) == [f"part/{i}.txt" for i in range(FILES)]
    owners = {writer for writer in writers
              if all((out / name).read_bytes() == payload(writer, name) for name in manifest.files)}
    assert len(owners) == 1, "the files must all come from one writer"
    assert [p.name for p in out.parent.iterdir()] == [out.name], "temporary or old folders were left behind"


@pytest.mark.parametrize("identical", [True, False], ids=["identical-content", "different-content"])
def test_concurrent_writers_of_one_artifact_never_fail(tmp_path: Path, identical: bool) -> None:
    out = tmp_path / "artifacts" / "run"
    failures = run_writers(out, identical)
    assert failures == [], f"{len(failures)} of {WRITERS * ROUNDS} writes failed:\n" + "\n".join(failures[:3])
    assert_complete(out, {None} if identical else set(range(WRITERS)))


def test_identical_artifact_in_place_is_kept(tmp_path: Path) -> None:
    """A writer that finds an intact artifact with the same manifest keeps it (no replace)."""
    out = tmp_path / "artifact"
    with artifact_dir(out, "test", {"task": "t"}) as tmp:
        (tmp / "a.txt").write_text("same")
    inode = os.stat(out).st_ino
    with artifact_dir(out, "test", {"task": "t"}) as tmp:
        (tmp / "a.txt").write_text("same")
    assert os.stat(out).st_ino == inode and is_valid_artifact(out)
    with artifact_dir(out, "test", {"task": "t"}) as tmp:  # other content: replaced
        (tmp / "a.txt").write_text("changed")
    assert os.stat(out).st_ino != inode and (out / "a.txt").read_text() == "changed" and is_valid_artifact(out)
    (out / "a.txt").write_text("corrupt")  # same manifest, damaged files: replaced
    with artifact_dir(out, "test", {"task": "t"}) as tmp:
        (tmp / "a.txt").write_text("changed")
    assert (out / "a.txt").read_text() == "changed" and is_valid_artifact(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifact"]


def test_publish_replaces_a_file_or_folder_in_the_way(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("a file where the folder goes")
    with atomic_directory(target) as tmp:
        (tmp / "x").write_text("new")
    assert (target / "x").read_text() == "new"
    with atomic_directory(target) as tmp:
        (tmp / "y").write_text("newer")
    assert [p.name for p in target.iterdir()] == ["y"]
    assert [p.name for p in tmp_path.iterdir()] == ["target"]


def test_publish_keeps_the_winner_when_asked(tmp_path: Path) -> None:
    target, ours = tmp_path / "target", tmp_path / ".target.ours"
    target.mkdir()
    (target / "x").write_text("theirs")
    ours.mkdir()
    (ours / "x").write_text("ours")
    assert publish_directory(ours, target, keep_existing=lambda existing, mine: True) is False
    assert (target / "x").read_text() == "theirs" and ours.is_dir()


def test_publish_errors_other_than_a_target_in_the_way_propagate(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        publish_directory(tmp_path / "missing", tmp_path / "target")
