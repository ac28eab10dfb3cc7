"""Fill an ``ir_datasets`` cache from staged files so that ``ir_datasets.load(id)`` works offline.

The staged folder has the layout of the team's shared data folder::

    cranfield/{cran.all.1400, cran.qry, cranqrel}
    scifact/scifact.zip                 BEIR layout: scifact/{corpus,queries}.jsonl, qrels/*.tsv
    nfcorpus/nfcorpus.zip               BEIR layout, likewise
    trec-dl/{topics.dl19-passage.txt, qrels.dl19-passage.txt, topics.dl20.txt, qrels.dl20-passage.txt}

Each file is put where ``ir_datasets`` would store its download (or the file it extracts
from one). ``ir_datasets`` uses a file already at its cache path without checking it, and
skips extraction when the extracted file exists, so no network access is needed. TREC DL
gives queries and qrels only (the MS MARCO passages are not staged).
"""

from __future__ import annotations

import gzip
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import ir_datasets

from lir_core.artifacts import atomic_path



@dataclass(frozen=True)
class StagedFile:
    """One staged file and where it goes in the cache.

    Args:
        source: Path relative to the staged folder.
        target: Path relative to the ``ir_datasets`` home.
        compress: Write the target gzip-compressed (``ir_datasets`` expects some downloads gzipped).
        zip_members: Members a staged zip must contain (checked before copying).
    """

    source: str
    target: str
    compress: bool = False
    zip_members: tuple[str, ...] = ()


@dataclass(frozen=True)
class StagedDataset:
    """The staged files that together make some ``ir_datasets`` ids loadable."""

    files: tuple[StagedFile, ...]
    dataset_ids: tuple[str, ...]


STAGED_DATASETS = (
    StagedDataset(
        (
            StagedFile("cranfield/cran.all.1400", "cranfield/docs.txt"),
            StagedFile("cranfield/cran.qry", "cranfield/queries.txt"),
            StagedFile("cranfield/cranqrel", "cranfield/qrels.txt"),
        ),
        ("cranfield",),
    ),
    StagedDataset(
        (
            StagedFile(
                "scifact/scifact.zip", "beir/scifact/source.zip",
                zip_members=("scifact/corpus.jsonl", "scifact/queries.jsonl", "scifact/qrels/train.tsv",
                             "scifact/qrels/test.tsv"),
            ),
        ),
        ("beir/scifact", "beir/scifact/train", "beir/scifact/test"),
    ),
    StagedDataset(
        (
            StagedFile(
                "nfcorpus/nfcorpus.zip", "beir/nfcorpus/source.zip",
                zip_members=("nfcorpus/corpus.jsonl", "nfcorpus/queries.jsonl", "nfcorpus/qrels/train.tsv",
                             "nfcorpus/qrels/dev.tsv", "nfcorpus/qrels/test.tsv"),
            ),
        ),
        ("beir/nfcorpus", "beir/nfcorpus/train", "beir/nfcorpus/dev", "beir/nfcorpus/test"),
    ),
    StagedDataset(
        (
            StagedFile("trec-dl/topics.dl19-passage.txt", "msmarco-passage/trec-dl-2019/queries.tsv"),
            StagedFile("trec-dl/qrels.dl19-passage.txt", "msmarco-passage/trec-dl-2019/qrels"),
        ),
        ("msmarco-passage/trec-dl-2019/judged",),
    ),
    StagedDataset(
        (
            StagedFile("trec-dl/topics.dl20.txt", "msmarco-passage/trec-dl-2020/queries.tsv.gz", compress=True),
            StagedFile("trec-dl/qrels.dl20-passage.txt", "msmarco-passage/trec-dl-2020/qrels"),
        ),
        ("msmarco-passage/trec-dl-2020/judged",),
    ),
)


def _check_zip(path: Path, members: tuple[str, ...]) -> None:
    if not members:
        return
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a zip file")
    with zipfile.ZipFile(path) as archive:
        missing = sorted(set(members) - set(archive.namelist()))
    if missing:
        raise ValueError(f"{path}: the zip lacks {missing}")


def _put(staged: StagedFile, source_dir: Path, irds_home: Path) -> None:
    source = source_dir / staged.source
    _check_zip(source, staged.zip_members)
    with atomic_path(irds_home / staged.target) as temporary, open(source, "rb") as reader:
        if staged.compress:
            with gzip.GzipFile(temporary, "wb", mtime=0) as writer:
                shutil.copyfileobj(reader, writer)
        else:
            with open(temporary, "wb") as writer:
                shutil.copyfileobj(reader, writer)


def seed_ir_datasets_cache(source_dir: Path, irds_home: Path | None = None) -> list[str]:
    """Copy staged files into an ``ir_datasets`` cache so the datasets load offline.

    A dataset is seeded when all its staged files are present and skipped when none are.
    Every file is written under a temporary name and then renamed.

    Args:
        source_dir: The staged folder (layout in the module docstring).
        irds_home: The ``ir_datasets`` home to fill; defaults to the one ``ir_datasets`` uses
            (``$IR_DATASETS_HOME`` or ``~/.ir_datasets``).

    Returns:
        The ``ir_datasets`` ids made loadable, in a fixed order.

    Raises:
        FileNotFoundError: If ``source_dir`` is not a folder.
        ValueError: If a dataset's files are only partly staged, a staged zip lacks expected
            members, or no staged dataset is found at all.
    """
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise FileNotFoundError(f"{source_dir}: no such folder")
    home = Path(irds_home) if irds_home is not None else ir_datasets.util.home_path()
    seeded: list[str] = []
    for dataset in STAGED_DATASETS:
        present = [(source_dir / staged.source).is_file() for staged in dataset.files]
        if not any(present):
            continue
        if not all(present):
            missing = [staged.source for staged, found in zip(dataset.files, present) if not found]
            raise ValueError(f"{source_dir}: {', '.join(dataset.dataset_ids)} is partly staged; missing {missing}")
        for staged in dataset.files:
            _put(staged, source_dir, home)
        seeded.extend(dataset.dataset_ids)
    if not seeded:
        expected = sorted({staged.source.split("/")[0] for d in STAGED_DATASETS for staged in d.files})
        raise ValueError(f"{source_dir}: no staged datasets found (expected folders {expected})")
    return seeded
