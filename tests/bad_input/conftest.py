"""Fixtures for the bad-input tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input_helpers import Dataset, write_dataset


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    """The tiny valid dataset as files in a fresh folder (see :func:`write_dataset`)."""
    return write_dataset(tmp_path)
