"""Tests that need the staged IR collections (``make seed``): skip on a developer's machine,
fail in CI.

``make seed`` copies ``../shared/data`` into the ``ir_datasets`` cache (``IR_DATASETS_HOME``).
Without it the tests that read SciFact, NFCorpus or TREC DL 2019 cannot run. A developer
without ``../shared`` gets skips; CI must not go green on a missing or broken seed, so with
``LIR_REQUIRE_DATA=1`` (set by ``make test`` when ``../shared/data`` exists, and by
``.ci/run``) or ``CI=true`` the same tests fail, saying to run ``make seed``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_DATA = "LIR_REQUIRE_DATA"
# The staged collections beside the clone (the Makefile's STAGED_DATA default).
STAGED = Path(__file__).resolve().parents[2] / "shared" / "data"


def data_required() -> bool:
    """Whether a missing staged dataset is a failure (CI) rather than a skip."""
    return os.environ.get(REQUIRE_DATA, "") not in ("", "0") or os.environ.get("CI", "").lower() == "true"


def missing_data(what: str) -> NoReturn:
    """Skip the test for lack of ``what``, or fail it where the data is required."""
    message = f"{what}: run `make seed` (copies {STAGED} into $IR_DATASETS_HOME)"
    if data_required():
        pytest.fail(f"{message}; {REQUIRE_DATA}=1 or CI=true makes missing data an error, not a skip",
                    pytrace=False)
    pytest.skip(message)


def irds_home() -> Path:
    """The ir_datasets cache folder (``$IR_DATASETS_HOME``, else ``~/.ir_datasets``)."""
    import ir_datasets

    return Path(ir_datasets.util.home_path())


def require_files(*relative: str, what: str) -> None:
    """Go on only if every ``relative`` path exists under the ir_datasets cache."""
    missing = [path for path in relative if not (irds_home() / path).exists()]
    if missing:
        missing_data(f"{what} is not in the ir_datasets cache {irds_home()} (missing {', '.join(missing)})")
