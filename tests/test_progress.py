"""Progress bars of long library calls: shown when asked for (on stderr), silent by default when
stderr is not a terminal (a test's capture), one bar per call (nested calls stay silent), and off
in the workflow's tasks."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from torch.utils.data import DataLoader

from lir_core import BiEncoderConfig, BiEncoderModule, CrossEncoderModule, MonoConfig
from lir_core.callbacks import IndexCallback, ReRankCallback, SearchCallback
from lir_core.data.samples import DocSample, IndexBatch, RankBatch, SearchBatch
from lir_core.progress import ENV_VAR, progress_bar, progress_bars, progress_enabled
from lir_core.retrieve import FaissFlatIndexConfig, FaissSearchConfig, exhaustive_search, search
from lir_core.retrieve.bm25 import Bm25Retriever
from lir_core.trainer import LightningIRTrainer

ROOT = Path(__file__).parents[1]
DOCS = [DocSample(f"d{i}", f"berlin paris capital {'germany ' * (i % 4)} doc {i}") for i in range(12)]
QUERIES = {"q1": "capital of germany", "q2": "paris", "q3": "doc"}


@pytest.fixture(autouse=True)
def no_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``LIR_PROGRESS`` (importing ``tasks`` in this process sets it to 0)."""
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def module(tiny_backbone: Callable[..., Path]) -> BiEncoderModule:
    return BiEncoderModule(str(tiny_backbone("bert")), config=BiEncoderConfig(similarity_function="cosine"))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_decision_order_argument_context_environment_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not progress_enabled()  # stderr is the test's capture
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert progress_enabled()
    monkeypatch.setenv(ENV_VAR, "0")
    assert not progress_enabled()
    with progress_bars(True):
        assert progress_enabled() and not progress_enabled(False)
        with progress_bars(None):
            assert not progress_enabled()
    monkeypatch.setenv(ENV_VAR, "1")
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_enabled() and not progress_enabled(show_progress_bar=False)


def test_a_bar_is_drawn_only_when_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(10, "working", "item", show_progress_bar=True) as bar:
        bar.update(10)
    assert "working: 100%" in terminal.getvalue() and "10/10" in terminal.getvalue()
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    with progress_bar(10, "working", show_progress_bar=False) as bar:
        bar.update(10)
    with progress_bar(10, "short call"):  # shown for the terminal: only after a second
        pass
    assert quiet.getvalue() == ""
    with progress_bars(True), progress_bar(10, "asked for") as bar:
        bar.update(1)
    assert "asked for:  10%" in quiet.getvalue()


def test_encoding_shows_a_bar_when_forced_and_is_silent_by_default(
        module: BiEncoderModule, capsys: pytest.CaptureFixture[str]) -> None:
    texts = [doc.doc for doc in DOCS]
    module.encode_docs(texts, batch_size=4)
    module.encode_queries(list(QUERIES.values()))
    assert capsys.readouterr().err == ""
    module.encode_docs(texts, batch_size=4, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "encoding docs: 100%" in err and "12/12" in err
    module.score(list(QUERIES.values()), [texts[:2]] * 3, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "encoding queries: 100%" in err and "encoding docs: 100%" in err


def test_search_shows_one_bar_over_the_queries(module: BiEncoderModule, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    trainer = LightningIRTrainer(callbacks=[IndexCallback(tmp_path / "index", FaissFlatIndexConfig(), shard_size=5,
                                                          show_progress_bar=True)])
    trainer.index(module, dataloaders=DataLoader(DOCS, batch_size=4, collate_fn=lambda s: IndexBatch(
        [d.doc_id for d in s], [d.doc for d in s])))
    err = capsys.readouterr().err
    assert "encoding docs: 12doc" in err and "indexing (IndexFlat): 100%" in err

    search(module, tmp_path / "index", QUERIES, FaissSearchConfig(k=3))
    exhaustive_search(module, DOCS, QUERIES, k=3)
    assert capsys.readouterr().err == ""
    search(module, tmp_path / "index", QUERIES, FaissSearchConfig(k=3), show_progress_bar=True)
    err = capsys.readouterr().err
    assert "searching: 100%" in err and "3/3" in err and "encoding queries" not in err
    exhaustive_search(module, DOCS, QUERIES, k=3, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "encoding docs: 100%" in err and "searching: 100%" in err and "encoding queries" not in err

    callback = SearchCallback(tmp_path / "index", FaissSearchConfig(k=3), show_progress_bar=True)
    batches = DataLoader([SearchBatch(list(QUERIES), list(QUERIES.values()), [None] * 3)], batch_size=None)
    LightningIRTrainer(callbacks=[callback]).search(module, dataloaders=batches)
    assert "searching: 3query" in capsys.readouterr().err
    LightningIRTrainer(callbacks=[SearchCallback(tmp_path / "index", FaissSearchConfig(k=3))]).search(
        module, dataloaders=batches)
    assert capsys.readouterr().err == ""


def test_re_ranking_shows_a_bar_when_forced(tiny_backbone: Callable[..., Path],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    cross = CrossEncoderModule(str(tiny_backbone("bert")), config=MonoConfig())
    candidates = [[doc.doc for doc in DOCS[:5]]] * 3
    cross.score_candidates(list(QUERIES.values()), candidates, batch_size=4)
    assert capsys.readouterr().err == ""
    cross.score_candidates(list(QUERIES.values()), candidates, batch_size=4, show_progress_bar=True)
    assert "scoring: 100%" in capsys.readouterr().err
    batch = RankBatch(["q1"], ["capital"], [["d0", "d1"]], [[DOCS[0].doc, DOCS[1].doc]], None, [None])
    LightningIRTrainer(callbacks=[ReRankCallback(show_progress_bar=True)]).re_rank(
        cross, dataloaders=DataLoader([batch], batch_size=None))
    assert "re-ranking: 1query" in capsys.readouterr().err


def test_bm25_passes_the_choice_to_bm25s(capsys: pytest.CaptureFixture[str]) -> None:
    bm25 = Bm25Retriever()
    bm25.index([d.doc_id for d in DOCS], [d.doc for d in DOCS])
    bm25.search(QUERIES, k=3)
    assert capsys.readouterr().err == ""
    bm25.index([d.doc_id for d in DOCS], [d.doc for d in DOCS], show_progress_bar=True)
    bm25.search(QUERIES, k=3, show_progress_bar=True)
    assert capsys.readouterr().err != ""


def test_the_workflows_tasks_turn_bars_off_unless_asked() -> None:
    code = "import os, tasks; print(os.environ.get('LIR_PROGRESS'))"
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    run = lambda extra: subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, **extra},  # noqa: E731
                                       capture_output=True, text=True, check=True).stdout.strip()
    assert run({}) == "0"
    assert run({ENV_VAR: "1"}) == "1"
