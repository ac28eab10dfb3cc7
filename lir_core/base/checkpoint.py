"""Locating and describing checkpoints: local folders, saved Lightning IR models, hub ids.

A checkpoint is resolved into a :class:`ResolvedCheckpoint` by asking, in order, the saved
``lir_config.json``, then every registered resolver (sentence-transformers folders, the
hub-id registry, ...). Resolvers are registered by :mod:`lir_core.models` so that this base
package does not import concrete model types.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from safetensors.torch import load_file

from lir_core.base.config import LightningIRConfig

logger = logging.getLogger(__name__)


@dataclass
class ResolvedCheckpoint:
    """Where a model's parts come from.

    Attributes:
        config: The Lightning IR config the checkpoint implies (None: use the class default).
        backbone_path: Folder or hub id of the HuggingFace backbone weights and tokenizer.
        saved_backbone: Backbone facts recorded when a Lightning IR model was saved.
        head_weight_map: For foreign checkpoints, checkpoint parameter name -> our head
            parameter name (e.g. ColBERT's ``linear.weight`` -> ``projection.weight``).
        from_lightning_ir: True when the folder was written by ``save_pretrained``.
    """

    config: LightningIRConfig | None
    backbone_path: str
    saved_backbone: dict[str, Any] = field(default_factory=dict)
    head_weight_map: dict[str, str] = field(default_factory=dict)
    from_lightning_ir: bool = False


Resolver = Callable[[str], ResolvedCheckpoint | None]
_RESOLVERS: list[Resolver] = []


def register_resolver(resolver: Resolver) -> Resolver:
    """Register a function that recognises a kind of checkpoint (usable as a decorator)."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)
    return resolver


def resolve_checkpoint(model_name_or_path: str | Path) -> ResolvedCheckpoint:
    """Describe what ``model_name_or_path`` holds.

    Raises:
        FileNotFoundError: If a local folder lacks the files of a HuggingFace model.
    """
    name = str(model_name_or_path)
    path = Path(name)
    if path.exists():
        if not path.is_dir():
            raise FileNotFoundError(f"{path}: expected a model folder, found a file")
        saved = LightningIRConfig.read_saved(path)
        if saved is not None:
            config, backbone = saved
            return ResolvedCheckpoint(config, name, saved_backbone=backbone, from_lightning_ir=True)
    # The resolvers are registered by lir_core.models (imported by name: no static dependency
    # of base on concrete models); `import lir_core` no longer imports it eagerly.
    importlib.import_module("lir_core.models")
    for resolver in _RESOLVERS:
        resolved = resolver(name)
        if resolved is not None:
            return resolved
    if path.exists() and not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"{path}: no config.json; this is not a HuggingFace model folder "
            "(missing model files?)"
        )
    return ResolvedCheckpoint(None, name)


def load_state_dict(model_name_or_path: str) -> dict[str, torch.Tensor]:
    """Load a checkpoint's full state dict (safetensors preferred, else pytorch_model.bin).

    Works for local folders and, on a connected machine, hub ids.
    """
    from transformers.utils import cached_file

    for filename in ("model.safetensors", "pytorch_model.bin"):
        file = cached_file(model_name_or_path, filename, _raise_exceptions_for_missing_entries=False)
        if file is None:
            continue
        if filename.endswith(".safetensors"):
            return load_file(file)
        return torch.load(file, map_location="cpu", weights_only=True)
    raise FileNotFoundError(f"{model_name_or_path}: no model.safetensors or pytorch_model.bin")
