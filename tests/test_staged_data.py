"""Missing staged data is a skip on a developer's machine and a failure in CI (tests/staged_data.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from staged_data import REQUIRE_DATA, missing_data, require_files


@pytest.mark.parametrize("env,outcome", [
    ({}, pytest.skip.Exception),
    ({REQUIRE_DATA: "0"}, pytest.skip.Exception),
    ({REQUIRE_DATA: "1"}, pytest.fail.Exception),
    ({"CI": "true"}, pytest.fail.Exception),
])
def test_missing_data_skips_or_fails(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                     outcome: type[BaseException]) -> None:
    monkeypatch.delenv(REQUIRE_DATA, raising=False)
    monkeypatch.delenv("CI", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(outcome, match="run `make seed`"):
        missing_data("beir/scifact")


def test_require_files_names_the_missing_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path))
    monkeypatch.setenv(REQUIRE_DATA, "1")
    (tmp_path / "beir" / "scifact").mkdir(parents=True)
    require_files("beir/scifact", what="SciFact")  # present: no error
    with pytest.raises(pytest.fail.Exception, match="missing beir/nfcorpus"):
        require_files("beir/scifact", "beir/nfcorpus", what="SciFact and NFCorpus")
