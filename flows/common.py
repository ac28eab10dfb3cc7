"""Helpers the flows share: default params file, artifact keys, stage timing."""

from __future__ import annotations

import re

DEFAULT_PARAMS = "params/scifact.yaml"


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key (lowercase letters, digits and dashes) from name parts."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
