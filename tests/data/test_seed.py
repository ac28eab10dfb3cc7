"""Offline seeding of an ir_datasets cache from staged files."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from staged_data import STAGED, missing_data

from lir_core.data import seed_ir_datasets_cache


LOAD_SCIFACT = """
import json, ir_datasets
test = ir_datasets.load("beir/scifact/test")
dl19 = ir_datasets.load("msmarco-passage/trec-dl-2019/judged")
print(json.dumps({
    "queries": sum(1 for _ in test.queries_iter()),
    "qrels": sum(1 for _ in test.qrels_iter()),
    "docs": sum(1 for _ in test.docs_iter()),
    "title": test.docs_store().get("4983").title,
    "dl19_queries": sum(1 for _ in dl19.queries_iter()),
}))
"""


def test_seeded_cache_loads_scifact_offline(tmp_path: Path) -> None:
    if not STAGED.is_dir():
        missing_data(f"{STAGED} (the staged shared data) is absent")
    home = tmp_path / "irds"
    seeded = seed_ir_datasets_cache(STAGED, home)
    assert seeded == [
        "cranfield",
        "beir/scifact", "beir/scifact/train", "beir/scifact/test",
        "beir/nfcorpus", "beir/nfcorpus/train", "beir/nfcorpus/dev", "beir/nfcorpus/test",
        "msmarco-passage/trec-dl-2019/judged", "msmarco-passage/trec-dl-2020/judged",
    ]
    assert not list(home.rglob("*.tmp"))
    env = {**os.environ, "IR_DATASETS_HOME": str(home)}
    result = subprocess.run([sys.executable, "-c", LOAD_SCIFACT], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "queries": 300,
        "qrels": 339,
        "docs": 5183,
        "title": "Microstructural development of human newborn cerebral white matter assessed in vivo by diffusion "
                 "tensor magnetic resonance imaging.",
        "dl19_queries": 43,
    }


def test_seeds_only_what_is_staged(tmp_path: Path) -> None:
    staged = tmp_path / "staged"
    (staged / "cranfield").mkdir(parents=True)
    for name, text in [("cran.all.1400", "docs"), ("cran.qry", "queries"), ("cranqrel", "qrels")]:
        (staged / "cranfield" / name).write_text(text)
    (staged / "trec-dl").mkdir()
    (staged / "trec-dl" / "topics.dl20.txt").write_text("1\tquery\n")
    (staged / "trec-dl" / "qrels.dl20-passage.txt").write_text("1 0 7 1\n")
    home = tmp_path / "home"
    assert seed_ir_datasets_cache(staged, home) == ["cranfield", "msmarco-passage/trec-dl-2020/judged"]
    assert (home / "cranfield" / "qrels.txt").read_text() == "qrels"

    assert gzip.decompress((home / "msmarco-passage/trec-dl-2020/queries.tsv.gz").read_bytes()) == b"1\tquery\n"


def test_seed_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        seed_ir_datasets_cache(tmp_path / "absent", tmp_path / "home")
    with pytest.raises(ValueError, match=r"no staged datasets found \(expected folders \['cranfield', 'nfcorpus'"):
        seed_ir_datasets_cache(tmp_path, tmp_path / "home")
    (tmp_path / "cranfield").mkdir()
    (tmp_path / "cranfield" / "cran.qry").write_text("q")
    with pytest.raises(ValueError, match=r"cranfield is partly staged; missing \['cranfield/cran.all.1400'"):
        seed_ir_datasets_cache(tmp_path, tmp_path / "home")


def test_seed_rejects_a_zip_without_the_beir_layout(tmp_path: Path) -> None:
    (tmp_path / "scifact").mkdir()
    with zipfile.ZipFile(tmp_path / "scifact" / "scifact.zip", "w") as archive:
        archive.writestr("scifact/corpus.jsonl", "{}")
    with pytest.raises(ValueError, match=r"scifact.zip: the zip lacks \['scifact/qrels/test.tsv'"):
        seed_ir_datasets_cache(tmp_path, tmp_path / "home")
    assert not (tmp_path / "home" / "beir").exists()
