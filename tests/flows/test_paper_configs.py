"""The paper's full-size configurations (``params/paper/*.yaml``) validate and plan without downloads.

They run on a GPU machine with internet (README, "Reproducing the paper's tables"); here we check
that each file parses, that its pipeline plan (stages, models and the ``lir_core`` config each hub id
resolves to, index families, systems) is the paper's, and that every row carries the paper's
published nDCG@10. Hub ids are resolved through the registry only; the one lookup that would
download (a sentence-transformers snapshot) is redirected to the shipped MiniLM folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.evaluate import compare_expected
from flows.params import load_params, variant_overrides
from flows.plan import plan
from tasks.load_dataset import import_run

ROOT = Path(__file__).parents[2]
PAPER = sorted(path for path in (ROOT / "params" / "paper").glob("*.yaml") if path.name != "dvc.yaml")
VARIANTS = ["trec-dl-2019", "trec-dl-2020"]

# The paper's Tables 2 and 3: system -> (TREC DL 2019, TREC DL 2020) nDCG@10.
TABLES = {
    "table2-trec-dl": {"monoelectra": (0.750, 0.791), "monot5": (0.726, 0.752), "rankt5": (0.721, 0.776),
                       "sbert": (0.705, 0.735), "colbert": (0.732, 0.746), "splade": (0.715, 0.749)},
    "table3-trec-dl": {"sbert": (0.705, 0.696), "sbert-orig": (0.705, 0.726), "splade": (0.760, 0.720),
                       "splade-orig": (0.722, 0.754), "colbert": (0.738, 0.726), "colbert-orig": (0.722, 0.723)},
}
CONFIGS = {  # model key -> the lir_core config class its checkpoint resolves to
    "table2-trec-dl": {"monoelectra": "CrossEncoderConfig", "monot5": "MonoT5Config", "rankt5": "MonoT5Config",
                       "sbert": "DprConfig", "colbert": "ColConfig", "splade": "SpladeConfig"},
    "table3-trec-dl": {"bert": "BiEncoderConfig", "sbert-orig": "DprConfig", "splade-orig": "SpladeConfig",
                       "colbert-orig": "ColConfig", "sbert": "DprConfig", "splade": "SpladeConfig", "colbert": "ColConfig"},
}


@pytest.fixture
def no_downloads(monkeypatch: pytest.MonkeyPatch, minilm_path: Path) -> list[str]:
    """Redirect ``snapshot_download`` to the MiniLM folder; returns the ids asked for."""
    import huggingface_hub

    asked: list[str] = []

    def snapshot_download(repo_id: str, *args: object, **kwargs: object) -> str:
        assert repo_id.startswith("sentence-transformers/"), f"unexpected download of {repo_id}"
        asked.append(repo_id)
        return str(minilm_path)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return asked


def test_the_paper_configs_are_there() -> None:
    assert [path.stem for path in PAPER] == sorted(TABLES)


@pytest.mark.parametrize("path", PAPER, ids=lambda path: path.stem)
def test_paper_config_plans_without_downloads(path: Path, no_downloads: list[str]) -> None:
    table = path.stem
    plans = plan(str(path))
    assert [p["variant"] for p in plans] == VARIANTS  # one run per TREC DL year
    assert len({p["artifacts"] for p in plans}) == 2
    for column, p in enumerate(plans):
        year = p["variant"][-4:]
        assert p["dataset"]["docs"] == "msmarco-passage"
        assert p["dataset"]["queries"] == p["dataset"]["qrels"] == f"msmarco-passage/trec-dl-{year}/judged"
        assert {key: model["config"] for key, model in p["models"].items()} == CONFIGS[table]
        # every row of the paper's table is a system with the published score
        assert p["expected"]["measure"] == "nDCG@10"
        assert 0 < p["expected"]["tolerance"] <= 0.02
        assert p["expected"]["scores"] == {system: scores[column] for system, scores in TABLES[table].items()}
        assert set(TABLES[table]) <= set(p["systems"])
        assert "nDCG@10" in p["measures"]
        if table == "table2-trec-dl":
            assert p["stages"] == ["load_dataset", "re_rank", "evaluate"]
            assert p["runs"]["bm25"] == {"source": f"msmarco-passage/trec-dl-{year}/judged", "run_from": "scoreddocs",
                                         "depth": 100}
            assert {k: (r["run"], r["type"]) for k, r in p["re_rank"].items()} == {
                k: ("bm25", "cross-encoder" if k in {"monoelectra", "monot5", "rankt5"} else "bi-encoder")
                for k in TABLES[table]}
            assert p["models"]["rankt5"]["backbone"] == "castorini/rankt5-3b"
        else:
            assert p["stages"] == ["load_dataset", "fine_tune", "index", "search", "evaluate"]
            for key in ("sbert", "splade", "colbert"):
                model = p["models"][key]
                assert (model["base"], model["backbone"]) == ("bert", "bert-base-uncased")
                assert model["train"]["tuples"] == "msmarco-passage/train/triples-small"
                assert model["path"].startswith("artifacts/paper/table3/shared/")  # shared by both years
            families = {"sbert": "faiss-flat", "splade": "sparse-inverted", "colbert": "plaid"}
            assert {k: s["index_type"] for k, s in p["search"].items()} == {
                k: families[k.removesuffix("-orig")] for k in TABLES[table]}
            assert all(s["k"] == 1000 for s in p["search"].values())
            # the paper's †: ours against the original checkpoint, per model
            assert load_params(path).evaluate.references == {k: f"{k}-orig" for k in ("sbert", "splade", "colbert")}
    assert set(no_downloads) == {"sentence-transformers/msmarco-bert-base-dot-v5"}


@pytest.mark.parametrize("path", PAPER, ids=lambda path: path.stem)
def test_paper_datasets_are_known_to_ir_datasets(path: Path) -> None:
    """The ids exist in ir_datasets' registry and offer what the stages read (metadata only)."""
    import ir_datasets

    for variant in variant_overrides(path):
        p = load_params(path, variant)
        for source in {p.dataset.docs, p.dataset.queries, p.dataset.qrels}:
            assert source in ir_datasets.registry, source
        assert ir_datasets.load(p.dataset.queries).has_qrels()
        for run in p.runs.values():
            assert ir_datasets.load(run.source).has_scoreddocs()
        for settings in p.fine_tune.values():
            assert ir_datasets.load(settings.train.tuples).has_docpairs()


def test_variants_override_then_user_overrides(tmp_path: Path) -> None:
    path = ROOT / "params" / "paper" / "table2-trec-dl.yaml"
    p = load_params(path, {"variant": "trec-dl-2020", "re_rank.monot5.depth": "50"})
    assert (p.name, p.dataset.queries, p.runs["bm25"].source) == (
        "table2-trec-dl-2020", "msmarco-passage/trec-dl-2020/judged", "msmarco-passage/trec-dl-2020/judged")
    assert p.re_rank["monot5"].depth == 50
    assert p.expected_score("monot5") == 0.752 and p.expected_score("bm25") is None
    assert variant_overrides(path, {"variant": "trec-dl-2019"}) == [{"variant": "trec-dl-2019"}]
    with pytest.raises(ValueError, match="unknown variant"):
        load_params(path, {"variant": "trec-dl-2021"})
    with pytest.raises(ValueError, match="expected.scores.nope"):
        load_params(path, {"expected.scores.nope": "0.5"})


def test_import_run_writes_a_run_folder(tmp_path: Path) -> None:
    """The ``runs:`` section's task: a run file (or an ir_datasets id's scoreddocs) cut to ``depth``."""
    from lir_core.retrieve.runs import read_run

    trec = tmp_path / "bm25.run"
    trec.write_text("".join(f"q{q} Q0 d{d} {d + 1} {10 - d} bm25\n" for q in range(2) for d in range(5)))
    out = import_run.fn(str(trec), str(tmp_path / "runs" / "bm25"), depth=3, tag="bm25")
    frame = read_run(Path(out) / "run.parquet")
    assert frame.groupby("query_id").size().to_dict() == {"q0": 3, "q1": 3}
    assert frame[frame.query_id == "q0"].doc_id.tolist() == ["d0", "d1", "d2"]


def test_measured_scores_are_compared_with_the_expected_ones() -> None:
    p = load_params(ROOT / "params" / "paper" / "table2-trec-dl.yaml", {"variant": "trec-dl-2019"})
    rows = {row["system"]: row for row in compare_expected(p, {"monot5": {"nDCG@10": 0.7301}, "sbert": {"nDCG@10": 0.68},
                                                              "bm25": {"nDCG@10": 0.5}})}
    assert set(rows) == set(TABLES["table2-trec-dl"])  # bm25 has no expected score
    assert rows["monot5"]["reproduced"] and rows["monot5"]["difference"] == 0.0041
    assert not rows["sbert"]["reproduced"] and rows["sbert"]["difference"] == -0.025
    assert rows["colbert"]["measured"] is None and not rows["colbert"]["reproduced"]


def test_paper_dvc_stages_run_the_pipeline_on_each_file_and_stay_out_of_the_default_repro() -> None:
    import yaml

    stages = yaml.safe_load((ROOT / "params" / "paper" / "dvc.yaml").read_text())["stages"]
    assert sorted(stages) == ["paper_table2", "paper_table3"]
    for path in PAPER:
        stage = stages["paper_" + path.stem.split("-")[0]]
        relative = str(path.relative_to(ROOT))
        assert stage["wdir"] == "../.." and stage["cmd"] == f"python -m flows.pipeline --params {relative}"
        assert stage["params"] == [{relative: None}]
        assert load_params(path).artifacts in {next(iter(out)) for out in stage["outs"]}
    assert "paper" not in (ROOT / "dvc.yaml").read_text()
