"""Multi-vector bi-encoder (ColBERT): token vectors compared by MaxSim late interaction."""

from __future__ import annotations

from typing import ClassVar

from lir_core.bi_encoder.model import BiEncoderModel
from lir_core.model_configs import ColConfig


class ColModel(BiEncoderModel):
    """Multi-vector bi-encoder model."""

    config_class: ClassVar[type[ColConfig]] = ColConfig
