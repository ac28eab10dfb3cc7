"""Pointwise cross-encoder (monoBERT / monoELECTRA style)."""

from __future__ import annotations

from typing import ClassVar

from lir_core.cross_encoder.model import CrossEncoderModel
from lir_core.model_configs import MonoConfig


class MonoModel(CrossEncoderModel):
    """Pointwise cross-encoder model."""

    config_class: ClassVar[type[MonoConfig]] = MonoConfig
