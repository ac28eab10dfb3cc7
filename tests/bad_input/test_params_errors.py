"""Bad params fail at load, before any work: exit 2 and a message naming the file, the line or the
field, from every flow's command line and from ``python -m flows.plan``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from flows.cli import main
from flows.load_dataset import load_dataset_flow
from flows.params import load_params
from flows.plan import main as plan_main
from lir_core.evaluate import evaluate_run, parse_measure

ROOT = Path(__file__).parents[2]
TINY = ROOT / "params" / "tiny.yaml"


@pytest.fixture
def bad_yaml(tmp_path: Path) -> Path:
    """A params file with an unclosed list on line 4."""
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nartifacts: a\ndataset:\n  docs: [a, b\n  queries: q.tsv\n")
    return path


@pytest.fixture
def top_level_list(tmp_path: Path) -> Path:
    path = tmp_path / "list.yaml"
    path.write_text("- name: x\n- artifacts: a\n")
    return path


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the load-dataset flow's command line in-process; returns (exit status, stderr)."""
    status = main(load_dataset_flow, argv)
    return status, capsys.readouterr().err


def test_yaml_syntax_error_names_file_and_line(bad_yaml: Path) -> None:
    with pytest.raises(ValueError, match=rf"^{bad_yaml}: invalid YAML at line 5, column \d+: expected ','"):
        load_params(bad_yaml)


def test_yaml_syntax_error_exits_2(bad_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run_cli(["--params", str(bad_yaml)], capsys)
    assert status == 2 and err.startswith(f"invalid params: {bad_yaml}: invalid YAML at line 5")
    assert not (tmp_path / "a").exists()


def test_top_level_not_a_mapping_exits_2(top_level_list: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run_cli(["--params", str(top_level_list)], capsys)
    assert status == 2
    assert f"{top_level_list}: the top level must be a mapping (name:, artifacts:, dataset:, ...), got a list" in err


def test_empty_params_file_names_missing_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    status, err = run_cli(["--params", str(empty)], capsys)
    assert status == 2 and "dataset\n  Field required" in err


def test_override_that_is_not_yaml_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run_cli(["--params", str(TINY), "--set", "search.bm25.k=["], capsys)
    assert status == 2
    assert f"{TINY}: --set search.bm25.k='[': invalid YAML at line 1, column 2" in err


def test_override_below_a_scalar_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run_cli(["--params", str(TINY), "--set", "name.sub=1"], capsys)
    assert status == 2 and "cannot set name.sub: name is a str, not a mapping" in err


@pytest.mark.parametrize("measure", ["P@0", "nDCG@0", "Judged@0", "nDCG@1.5"])
def test_measure_cutoff_below_1_is_rejected_at_load(measure: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run_cli(["--params", str(TINY), "--set", f"evaluate.measures=[nDCG@10, {measure}]"], capsys)
    assert status == 2
    assert "evaluate.measures\n" in err and f"measure {measure!r}: the cutoff must be an integer of at least 1" in err


def test_unknown_measure_is_rejected_at_load() -> None:
    with pytest.raises(ValidationError, match=r"evaluate.measures\n.*unknown or malformed measure 'nDGC@10'"):
        load_params(TINY, {"evaluate.measures": "[nDGC@10]"})


def test_expected_measure_is_checked_at_load() -> None:
    with pytest.raises(ValidationError, match=r"expected.measure\n.*measure 'P@0': the cutoff"):
        load_params(TINY, {"expected.measure": "P@0"})


def test_library_rejects_cutoff_0_before_the_c_library_aborts() -> None:
    with pytest.raises(ValueError, match=r"measure 'P@0': the cutoff must be an integer of at least 1, got 0"):
        evaluate_run({"q1": {"d1": 1.0}}, {"q1": {"d1": 1}}, ["P@0"])
    assert str(parse_measure("P@1")) == "P@1"


def run_plan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "flows.plan", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_plan_prints_the_same_errors_in_process(bad_yaml: Path, top_level_list: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--params", str(bad_yaml)], ["--params", str(top_level_list)],
                 ["--params", str(TINY), "--set", "search.bm25.k=["],
                 ["--params", str(TINY), "--set", "evaluate.measures=[P@0]"]):
        plan_status = plan_main(argv)
        plan_err = capsys.readouterr().err
        status, err = run_cli(argv, capsys)
        assert plan_status == status == 2 and plan_err == err and err.startswith("invalid params: ")


def test_plan_command_exits_2_without_a_traceback(bad_yaml: Path) -> None:
    result = run_plan("--params", str(bad_yaml))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{bad_yaml}: invalid YAML at line 5" in result.stderr
