"""Pointwise cross-encoder (monoBERT / monoELECTRA style)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lir_core.cross_encoder.config import CrossEncoderConfig
from lir_core.cross_encoder.model import CrossEncoderModel


@dataclass
class MonoConfig(CrossEncoderConfig):
    """Pointwise cross-encoder: [CLS] pooling and a linear head ("rank": 1 logit,
    "mono": 2 logits)."""

    model_type: ClassVar[str] = "mono"


class MonoModel(CrossEncoderModel):
    """Pointwise cross-encoder model."""

    config_class: ClassVar[type[MonoConfig]] = MonoConfig
