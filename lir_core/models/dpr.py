"""Single-vector bi-encoder (DPR / SBERT): one pooled vector per query and document."""

from __future__ import annotations

from typing import ClassVar

from lir_core.bi_encoder.model import BiEncoderModel
from lir_core.model_configs import DprConfig


class DprModel(BiEncoderModel):
    """Single-vector bi-encoder model."""

    config_class: ClassVar[type[DprConfig]] = DprConfig
