"""The miniature paper tables (``params/mini``): params -> command -> expected score, as Pyserini's 2CR.

Every row's expected nDCG@10 is in its params file. The fast tests check that the files, their
DVC stages and the recorded full run (``results/mini_tables.json``) agree. The slow test reruns the
cheapest rows through the real pipeline flow (BM25 on SciFact and on NFCorpus: seconds each) and
checks their scores against the params. The other rows take over an hour together (fine-tuning,
encoding SciFact four times), too long for CI. The next cheapest, NFCorpus' BM25 top 100
re-ranked by zero-shot MiniLM, took 173 s alone and 344 s under ``make test``'s two workers
(2026-12-05): zero-shot MiniLM is reproduced in CI on SciFact instead
(tests/retrieve/test_search_scifact.py), and re-ranking by the tiny-model flow tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from flow_helpers import ROOT, run_flow
from staged_data import require_files

from flows.params import Params, load_params, variant_overrides

MINI = ROOT / "params" / "mini"
TABLES = {"table2-mini": MINI / "table2-rerank.yaml", "table3-mini": MINI / "table3-scifact.yaml"}
RECORDED = ROOT / "results" / "mini_tables.json"


def variants(path: Path) -> dict[str | None, Params]:
    """The params of each variant of a file (``None`` for a file without variants)."""
    runs = [load_params(path, overrides) for overrides in variant_overrides(path)]
    return {p.variant: p for p in runs}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_row_has_an_expected_score_and_a_tolerance(table: str) -> None:
    for variant, p in variants(TABLES[table]).items():
        assert p.expected is not None and p.expected.measure == "nDCG@10"
        assert 0 < p.expected.tolerance <= 0.02
        missing = [system for system in p.systems if p.expected_score(system) is None]
        assert not missing, f"{table} {variant}: no expected score for {missing}"


def test_table2_mini_re_ranks_the_models_table3_mini_fine_tunes() -> None:
    table3 = load_params(TABLES["table3-mini"])
    for variant, p in variants(TABLES["table2-mini"]).items():
        assert p.dataset.queries.endswith("/test") and p.search["bm25"].k == 100
        assert set(p.re_rank) == {"minilm", "splade", "cross", "colbert-ft", "splade-ft"}
        assert all(settings.run == "bm25" and settings.depth == 100 for settings in p.re_rank.values())
        for key in ("cross", "colbert-ft", "splade-ft"):
            assert Path(p.models[key].path) == table3.model_dir(key), (variant, key)
            assert p.models[key].type == table3.fine_tune[key].type
    assert {p.dataset.docs for p in variants(TABLES["table2-mini"]).values()} == {"beir/scifact", "beir/nfcorpus"}


def test_table3_mini_tests_each_fine_tuned_model_against_its_zero_shot_model() -> None:
    p = load_params(TABLES["table3-mini"])
    assert p.evaluate.references == {"minilm-ft": "minilm", "colbert-ft": "colbert", "splade-ft": "splade"}
    assert {p.fine_tune[tuned].base for tuned in p.evaluate.references} == {"minilm", "colbert", "splade"}
    assert p.dataset.queries == "beir/scifact/test" and p.tuples["train-bm25"].queries == "beir/scifact/train"
    assert {p.index[s.index].index_type for s in p.search.values()} == {"bm25", "faiss-flat", "plaid", "sparse-inverted"}


def test_dvc_stages_run_the_tables_in_order() -> None:
    stages = yaml.safe_load((MINI / "dvc.yaml").read_text())["stages"]
    assert stages["mini_table3"]["cmd"] == "python -m flows.pipeline --params params/mini/table3-scifact.yaml"
    assert stages["mini_table2"]["cmd"] == "python -m flows.pipeline --params params/mini/table2-rerank.yaml"
    assert "artifacts/mini/table3/models" in stages["mini_table2"]["deps"]
    for name, stage in stages.items():
        assert stage["wdir"] == "../.."
        [(out, settings)] = [next(iter(o.items())) for o in stage["outs"]]
        assert settings == {"persist": True} and out == f"artifacts/mini/{name.removeprefix('mini_')}"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_recorded_run_reproduced_every_expected_score(table: str) -> None:
    recorded = json.loads(RECORDED.read_text())[table]
    for variant, p in variants(TABLES[table]).items():
        metrics = recorded["metrics"][variant or table]
        for system in p.systems:
            measured, expected = metrics[system]["nDCG@10"], p.expected_score(system)
            assert abs(measured - expected) <= p.expected.tolerance, (table, variant, system, measured, expected)


# ----------------------------------------------------------------------------------------- slow
CHEAP_ROWS = {"table3-mini": {"index": ["bm25"], "search": ["bm25"]},
              "table2-mini": {"index": ["bm25"], "search": ["bm25"], "variant": "nfcorpus"}}


def cheap_params(table: str, artifacts: Path) -> dict[str, Any]:
    """A table's params file reduced to its ``CHEAP_ROWS``, artifacts in ``artifacts``."""
    values = yaml.safe_load(TABLES[table].read_text())
    keep = CHEAP_ROWS[table]
    for section in ("index", "search", "re_rank"):
        if section in values:
            values[section] = {key: value for key, value in values[section].items() if key in keep.get(section, [])}
    systems = [*keep.get("search", []), *keep.get("re_rank", [])]
    values["models"] = {key: value for key, value in values["models"].items() if key in keep.get("re_rank", [])}
    if "variant" in keep:
        values["variant"] = keep["variant"]
    values.pop("fine_tune", None)
    values.pop("tuples", None)
    values["evaluate"].pop("references", None)
    values["expected"]["scores"] = {key: value for key, value in values["expected"]["scores"].items() if key in systems}
    values["artifacts"] = str(artifacts / table)
    for name, settings in values.get("variants", {}).items():
        settings["artifacts"] = str(artifacts / table / name)
    return values


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("table", sorted(TABLES))
def test_cheap_rows_reproduce_their_expected_scores(prefect_server: str, table: str, tmp_path: Path) -> None:
    require_files("beir/scifact", "beir/nfcorpus", what="SciFact and NFCorpus")
    params = tmp_path / f"{table}.yaml"
    params.write_text(yaml.safe_dump(cheap_params(table, tmp_path), sort_keys=False))
    done = run_flow("pipeline", params, timeout=500)
    assert done.returncode == 0, done.stderr[-3000:]
    checked = 0
    for variant, p in variants(params).items():
        rows = json.loads((p.root / "expected.json").read_text())
        assert {row["system"] for row in rows} == set(p.systems)
        for row in rows:
            assert row["reproduced"], (table, variant, row)
            checked += 1
    assert checked == 1
