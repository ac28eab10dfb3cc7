"""Every ``config:`` of a params file is parsed into its ``lir_core`` class at load: an unknown
field, a wrong type or an unknown class is exit 2 naming the dotted path (training losses too), from every flow's
command line and from ``python -m flows.plan``, before any stage runs. One registry finds every
class by its short name."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from flows.cli import main
from flows.load_dataset import load_dataset_flow
from flows.params import load_params
from flows.plan import main as plan_main
from lir_core import (
    ColConfig,
    DprConfig,
    FaissFlatIndexConfig,
    FaissSearchConfig,
    MonoConfig,
    PlaidSearchConfig,
    SparseSearchConfig,
    SpladeConfig,
)
from lir_core.classes import INDEX_CONFIGS, MODEL_CONFIGS
from lir_core.retrieve.base import IndexConfig, SearchConfig, search_config_class
from tasks.models import model_config
from tasks.search import search_config

ROOT = Path(__file__).parents[1]
TINY = ROOT / "params" / "tiny.yaml"  # models.minilm, fine_tune.minilm-cross (MonoConfig), index.{bm25,minilm}

# (override, the dotted path the error names, a part of its message), one or more per section
BAD_CONFIGS = [
    # models
    ("models.minilm.config={class: SpladConfig}", "models.minilm.config.class", "Unknown model config class"),
    ("models.minilm.config={class: MonoConfig}", "models.minilm.config.class", "MonoConfig is not a BiEncoderConfig"),
    ("models.minilm.config={class: DprConfig, pooling: mean}", "models.minilm.config.pooling",
     "Extra inputs are not permitted"),
    ("models.minilm.config={class: DprConfig, normalize: maybe}", "models.minilm.config.normalize",
     "Input should be a valid boolean"),
    # fine-tune
    ("fine_tune.minilm-cross.config.scoring_strategy=best", "fine_tune.minilm-cross.config.scoring_strategy",
     "Input should be 'rank' or 'mono'"),
    ("fine_tune.minilm-cross.config.class=DprConfig", "fine_tune.minilm-cross.config.class",
     "DprConfig is not a CrossEncoderConfig"),
    ("fine_tune.minilm-cross.config.query_length=0", "fine_tune.minilm-cross.config",
     "query_length and doc_length must be >= 1"),
    ("fine_tune.minilm-ft.train.losses=[{class: LocalizedContrastiveEstimaton}]",
     "fine_tune.minilm-ft.train.losses.0.class", "unknown loss 'LocalizedContrastiveEstimaton'"),
    ("fine_tune.minilm-ft.train.losses=[RankNet, {class: KLDivergence, teacher_scal: 10}]",
     "fine_tune.minilm-ft.train.losses.1.teacher_scal", "Extra inputs are not permitted"),
    ("fine_tune.minilm-ft.train.losses=[{class: KLDivergence, schedule: {weight: 1, shap: linear}}]",
     "fine_tune.minilm-ft.train.losses.0.schedule.shap", "Extra inputs are not permitted"),
    # index
    ("index.minilm.config.index_typo=3", "index.minilm.config.index_typo", "Extra inputs are not permitted"),
    ("index.minilm.config.index_type=faiss-typo", "index.minilm.config.index_type", "Unknown index type 'faiss-typo'"),
    ("index.minilm.config={index_type: faiss-ivf, num_centroids: many}", "index.minilm.config.num_centroids",
     "Input should be a valid integer"),
    ("index.minilm.config={index_type: faiss-hnsw, m: 1}", "index.minilm.config", "m must be >= 2"),
    ("index.bm25.config.stemm=true", "index.bm25.config.stemm", "Extra inputs are not permitted"),
    ("index.bm25.config.k1=high", "index.bm25.config.k1", "Input should be a valid number"),
    # search
    ("search.minilm.config.n_prob=4", "search.minilm.config.n_prob", "Extra inputs are not permitted"),
    ("search.minilm.config.n_probe=2.5", "search.minilm.config.n_probe", "Input should be a valid integer"),
    ("search.minilm.config.k=5", "search.minilm.config.k", "Extra inputs are not permitted"),  # search.minilm.k
    ("search.bm25.config.n_probe=4", "search.bm25.config.n_probe", "Extra inputs are not permitted"),
    ("search.minilm.config.ef_search=0", "search.minilm.config", "n_probe and ef_search must be >= 1"),
]


@pytest.mark.parametrize("override,path,message", BAD_CONFIGS, ids=[case[1] for case in BAD_CONFIGS])
def test_bad_config_is_exit_2_at_load_naming_the_path(override: str, path: str, message: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--params", str(TINY), "--set", override, "--set", f"artifacts={tmp_path / 'artifacts'}"]
    status = main(load_dataset_flow, argv)
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("invalid params: ")
    assert f"\n{path}\n  " in err and message in err
    assert not (tmp_path / "artifacts").exists()  # no stage ran
    assert plan_main(argv) == 2 and capsys.readouterr().err == err


def test_every_error_of_a_file_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as raised:
        load_params(TINY, {"index.minilm.config.index_typo": "3", "search.minilm.config.n_prob": "4",
                           "search.bm25.config.depth": "2"})
    # index fields fail first (a field of the entry); the search entries are checked with the whole file
    assert [".".join(map(str, e["loc"])) for e in raised.value.errors()] == ["index.minilm.config.index_typo"]
    with pytest.raises(ValidationError) as raised:
        load_params(TINY, {"search.minilm.config.n_prob": "4", "search.bm25.config.depth": "2"})
    assert sorted(".".join(map(str, e["loc"])) for e in raised.value.errors()) == [
        "search.bm25.config.depth", "search.minilm.config.n_prob"]


def test_valid_configs_reach_the_tasks_as_the_same_plain_dicts() -> None:
    settings = {"models.minilm.config": "{class: DprConfig, query_pooling_strategy: mean, doc_pooling_strategy: mean}",
                "index.minilm.config": "{index_type: faiss-ivf, num_centroids: 4, seed: 1}",
                "search.minilm.config": "{n_probe: 2}", "index.bm25.config": "{index_type: bm25, k1: 1.2, stem: false}"}
    p = load_params(TINY, settings)
    assert p.models["minilm"].config == {"class": "DprConfig", "query_pooling_strategy": "mean",
                                         "doc_pooling_strategy": "mean"}
    assert p.index["minilm"].config == {"index_type": "faiss-ivf", "num_centroids": 4, "seed": 1}
    assert p.index["bm25"].config == {"index_type": "bm25", "k1": 1.2, "stem": False}
    assert p.search["minilm"].config == {"n_probe": 2}
    assert all(type(c) is dict for c in (p.models["minilm"].config, p.index["minilm"].config, p.search["minilm"].config))
    assert p.fine_tune["minilm-cross"].config == {"class": "MonoConfig", "scoring_strategy": "rank",
                                                  "query_length": 16, "doc_length": 64}


def test_int_values_are_accepted_for_float_fields() -> None:
    p = load_params(TINY, {"index.bm25.config": "{index_type: bm25, k1: 2, b: 1}"})
    assert p.index["bm25"].config == {"index_type": "bm25", "k1": 2, "b": 1}


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "params").rglob("*.yaml") if p.name != "dvc.yaml"),
                         ids=lambda p: str(p.relative_to(ROOT / "params")))
def test_every_shipped_params_file_still_loads(path: Path) -> None:
    from flows.params import variant_overrides

    for overrides in variant_overrides(path):
        load_params(path, overrides)


def test_one_registry_finds_classes_by_short_name() -> None:
    assert MODEL_CONFIGS.get("SpladeConfig") is SpladeConfig and MODEL_CONFIGS.get("splade") is SpladeConfig
    assert model_config({"class": "ColConfig", "embedding_dim": 8}) == ColConfig(embedding_dim=8)
    assert model_config({"class": "mono"}) == MonoConfig()
    assert INDEX_CONFIGS.get("faiss-flat") is FaissFlatIndexConfig is INDEX_CONFIGS.get("FaissFlatIndexConfig")
    assert IndexConfig.from_dict({"index_type": "faiss-flat"}) == FaissFlatIndexConfig()
    assert search_config_class("faiss-ivf") is FaissSearchConfig and search_config_class("plaid") is PlaidSearchConfig
    assert search_config_class("bm25") is SearchConfig
    assert search_config("sparse-inverted", 7, {}) == SparseSearchConfig(k=7)
    assert search_config("faiss-hnsw", 5, {"ef_search": 9}) == FaissSearchConfig(k=5, ef_search=9)


def test_registry_errors_list_what_is_known() -> None:
    with pytest.raises(ValueError, match=r"Unknown model config class 'BiEncoderModule'; known: \[.*'DprConfig'"):
        model_config({"class": "BiEncoderModule"})
    with pytest.raises(ValueError, match="Unknown index type 'FaissIndexConfig'"):  # abstract: not a family
        INDEX_CONFIGS.get("FaissIndexConfig")
    assert "FaissIndexConfig" not in INDEX_CONFIGS.names() and "faiss-ivfpq" in INDEX_CONFIGS.names()
    with pytest.raises(ValueError, match="Unknown index type to search 'faiss-typo'"):
        search_config_class("faiss-typo")
    assert DprConfig in {MODEL_CONFIGS.get(name) for name in MODEL_CONFIGS.names()}
