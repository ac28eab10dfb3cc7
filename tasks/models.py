"""Load a model once per process (and per content) for the tasks that run on it.

Tasks mapped over shards would otherwise load the same weights for every shard. A module
comes with a lock: HuggingFace fast tokenizers must not be used by two threads at once.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Literal

import torch

from lir_core.base.module import LightningIRModule
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.classes import MODEL_CONFIGS
from lir_core.cross_encoder.module import CrossEncoderModule
from lir_core.hardware import resolve_precision
from lir_core.retrieve.shards import shard_producer
from tasks.artifacts import fingerprint, resolve_ref

ModelType = Literal["bi-encoder", "cross-encoder"]
MODULE_CLASSES: dict[str, type[LightningIRModule]] = {"bi-encoder": BiEncoderModule, "cross-encoder": CrossEncoderModule}

_LOADED: dict[tuple[str, str, str, str, str], tuple[LightningIRModule, threading.Lock]] = {}
_PRODUCERS: dict[int, dict[str, Any]] = {}
_GUARD = threading.Lock()


def model_config(settings: dict[str, Any] | None) -> Any:
    """``{"class": "ColConfig", **fields}`` -> a config of ``lir_core`` (None keeps the checkpoint's)."""
    if not settings:
        return None
    settings = dict(settings)
    return MODEL_CONFIGS.get(settings.pop("class"), kind="model config class")(**settings)


def load_module(ref: str, model_type: ModelType = "bi-encoder", precision: str = "fp32",
                config: dict[str, Any] | None = None) -> tuple[Any, threading.Lock]:
    """The module for a model folder, hub id or ``pkg://`` ref (with ``config`` in place of the
    checkpoint's, see :func:`model_config`), and the lock to hold while using it. ``precision``
    "auto" is bf16 where the CPU does bf16 in hardware (or on a GPU), else fp32."""
    precision = resolve_precision(precision, on_gpu=torch.cuda.is_available())
    path = resolve_ref(ref)
    key = (path, fingerprint(path), model_type, precision, json.dumps(config, sort_keys=True))
    with _GUARD:
        if key not in _LOADED:
            module = MODULE_CLASSES[model_type](path, config=model_config(config), inference_precision=precision)
            _LOADED[key] = (module.eval(), threading.Lock())
        return _LOADED[key]


def producer_of(module: BiEncoderModule) -> dict[str, Any]:
    """``shard_producer(module)``, computed once per module (it checksums all weights)."""
    with _GUARD:
        if id(module) not in _PRODUCERS:
            _PRODUCERS[id(module)] = shard_producer(module)
        return _PRODUCERS[id(module)]
