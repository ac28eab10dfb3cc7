"""Base model: a HuggingFace backbone plus small heads, saved the HuggingFace way.

A saved folder holds the backbone exactly as HuggingFace writes it (``config.json`` and
``model.safetensors``, loadable by ``AutoModel`` on its own), the Lightning IR config
(``lir_config.json``, recording the model type and the backbone), and the heads' weights
(``lir_heads.safetensors``).
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel

from lir_core.base.checkpoint import ResolvedCheckpoint, load_state_dict, resolve_checkpoint
from lir_core.base.config import LightningIRConfig

logger = logging.getLogger(__name__)

HEADS_NAME = "lir_heads.safetensors"
BACKBONE_PREFIX = "backbone."

_MODEL_CLASSES: dict[type[LightningIRConfig], type["LightningIRModel"]] = {}

ModelT = TypeVar("ModelT", bound="LightningIRModel")


class LightningIRModel(nn.Module):
    """A backbone encoder and the heads that turn its states into relevance scores.

    Subclasses set ``config_class`` and are then chosen automatically for that config type.
    """

    config_class: ClassVar[type[LightningIRConfig]] = LightningIRConfig
    backbone_auto_class: ClassVar[Any] = AutoModel
    # True: ``from_pretrained`` on a checkpoint of another model type (a bi-encoder, a
    # sentence-transformers folder) keeps only its backbone and starts new heads, as
    # HuggingFace does for ``AutoModelForSequenceClassification`` on a plain encoder.
    builds_on_any_backbone: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "config_class" in cls.__dict__:
            _MODEL_CLASSES[cls.config_class] = cls

    def __init__(self, config: LightningIRConfig, backbone: PreTrainedModel) -> None:
        super().__init__()
        if not isinstance(config, self.config_class):
            raise TypeError(
                f"{type(self).__name__} needs a {self.config_class.__name__}, got {type(config).__name__}"
            )
        self.config = config
        self.backbone = backbone
        self.source_path: str = getattr(backbone, "name_or_path", "") or ""

    @property
    def hidden_size(self) -> int:
        """Width of the backbone's hidden states."""
        backbone_config = self.backbone.config
        for name in ("hidden_size", "d_model", "dim"):
            if hasattr(backbone_config, name):
                return int(getattr(backbone_config, name))
        raise ValueError(f"Cannot tell the hidden size of backbone {type(self.backbone).__name__}")

    @classmethod
    def backbone_class_for(cls, config: LightningIRConfig) -> Any:
        """The HuggingFace auto class that loads this model's backbone."""
        return cls.backbone_auto_class

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_pretrained(
        cls: type[ModelT],
        model_name_or_path: str | Path,
        config: LightningIRConfig | None = None,
        **backbone_kwargs: Any,
    ) -> ModelT:
        """Load a model from a folder or hub id, choosing the model class from the config.

        Args:
            model_name_or_path: A folder written by ``save_pretrained``, any HuggingFace
                backbone folder or hub id, a sentence-transformers folder, or a registered
                hub id (see :mod:`lir_core.models.registry`).
            config: Overrides the config found in the checkpoint (e.g. a ColBERT config on
                top of ``bert-base-uncased``).
            **backbone_kwargs: Passed to the backbone's ``from_pretrained``.

        Raises:
            TypeError: If the checkpoint's model type is not one this class can load (a
                class with ``builds_on_any_backbone`` takes the backbone of any checkpoint
                instead, with new heads).
            FileNotFoundError: If model files are missing.
        """
        resolved = resolve_checkpoint(model_name_or_path)
        chosen = config if config is not None else resolved.config
        if chosen is None:
            if cls.config_class is LightningIRConfig:
                raise ValueError(
                    f"Cannot tell which model type {model_name_or_path!r} is: pass a config, "
                    "or load it through BiEncoderModel / CrossEncoderModel"
                )
            chosen = cls.config_class()
        model_class = model_class_for(chosen)
        if not issubclass(model_class, cls) and config is None and cls.builds_on_any_backbone:
            chosen = cls.config_class()
            model_class = model_class_for(chosen)
        if not issubclass(model_class, cls):
            raise TypeError(
                f"{model_name_or_path!r} holds a {chosen.model_type!r} model ({model_class.__name__}), "
                f"which {cls.__name__} cannot load"
            )
        backbone = model_class._load_backbone(resolved, chosen, **backbone_kwargs)
        model = model_class(chosen, backbone)
        model.source_path = resolved.backbone_path
        model._load_heads(resolved, same_type=type(resolved.config) is type(chosen))
        model._load_extra_backbones(resolved, **backbone_kwargs)
        model.eval()
        return model

    @classmethod
    def _load_backbone(
        cls, resolved: ResolvedCheckpoint, config: LightningIRConfig, **kwargs: Any
    ) -> PreTrainedModel:
        expected = resolved.saved_backbone.get("model_type")
        try:
            backbone_config = AutoConfig.from_pretrained(resolved.backbone_path)
        except OSError as error:
            raise FileNotFoundError(
                f"Could not load a backbone from {resolved.backbone_path!r}: not a model folder, "
                f"and not reachable on the HuggingFace hub ({error.__class__.__name__})"
            ) from error
        if expected and backbone_config.model_type != expected:
            raise ValueError(
                f"{resolved.backbone_path}: backbone is {backbone_config.model_type!r} but the saved "
                f"Lightning IR config expects {expected!r}"
            )
        auto_class = cls.backbone_class_for(config)
        backbone, info = auto_class.from_pretrained(
            resolved.backbone_path, output_loading_info=True, **kwargs
        )
        missing = [k for k in info.get("missing_keys", []) if "position_ids" not in k]
        if missing:
            logger.info("%s: newly initialised backbone weights: %s", resolved.backbone_path, missing)
        return backbone

    def _load_extra_backbones(self, resolved: ResolvedCheckpoint, **kwargs: Any) -> None:
        """Load backbones besides ``backbone`` from a saved folder (none by default)."""

    def backbone_prefixes(self) -> tuple[str, ...]:
        """State-dict prefixes of backbones, which HuggingFace saves, not the heads file."""
        return (BACKBONE_PREFIX,)

    def _head_state(self) -> dict[str, torch.Tensor]:
        prefixes = self.backbone_prefixes()
        return {k: v for k, v in self.state_dict().items() if not k.startswith(prefixes)}

    def _load_heads(self, resolved: ResolvedCheckpoint, same_type: bool) -> None:
        expected = self._head_state()
        if resolved.head_weight_map:
            source = load_state_dict(resolved.backbone_path)
            heads = {ours: source[theirs] for theirs, ours in resolved.head_weight_map.items()}
        elif resolved.from_lightning_ir and same_type and expected:
            heads_file = Path(resolved.backbone_path) / HEADS_NAME
            if not heads_file.is_file():
                raise FileNotFoundError(f"{heads_file}: missing head weights of a saved model")
            heads = load_file(str(heads_file))
        else:
            self._warn_unused_heads(resolved)
            if expected:
                logger.warning(
                    "Some weights of %s were not initialized from the model checkpoint at %s and are "
                    "newly initialized: %s\nYou should probably TRAIN this model on a down-stream task "
                    "to be able to use it for predictions and inference.",
                    type(self).__name__, resolved.backbone_path, sorted(expected),
                )
            return
        missing = sorted(set(expected) - set(heads))
        unexpected = sorted(set(heads) - set(expected))
        if missing or unexpected:
            raise ValueError(
                f"{resolved.backbone_path}: head weights do not match the config "
                f"(missing {missing}, unexpected {unexpected})"
            )
        for name, tensor in heads.items():
            if tensor.shape != expected[name].shape:
                raise ValueError(
                    f"{resolved.backbone_path}: head weight {name!r} has shape {tuple(tensor.shape)}, "
                    f"the config needs {tuple(expected[name].shape)}"
                )
        self.load_state_dict(heads, strict=False)

    def _warn_unused_heads(self, resolved: ResolvedCheckpoint) -> None:
        """Name the saved heads of another model type that this model leaves out."""
        heads_file = Path(resolved.backbone_path) / HEADS_NAME
        if not resolved.from_lightning_ir or not heads_file.is_file():
            return
        unused = sorted(load_file(str(heads_file)))
        if unused:
            logger.warning(
                "Some weights of the model checkpoint at %s were not used when initializing %s: %s",
                resolved.backbone_path, type(self).__name__, unused,
            )

    # ------------------------------------------------------------------ saving
    def save_pretrained(self, save_directory: str | Path) -> None:
        """Save backbone, config and heads so that ``from_pretrained`` restores this model."""
        path = Path(save_directory)
        path.mkdir(parents=True, exist_ok=True)
        self.backbone.save_pretrained(path)
        heads = {k: v.detach().contiguous().cpu() for k, v in self._head_state().items()}
        if heads:
            tmp = path / (HEADS_NAME + ".tmp")
            save_file(heads, str(tmp))
            tmp.replace(path / HEADS_NAME)
        self.config.save_pretrained(
            path,
            backbone={
                "model_type": self.backbone.config.model_type,
                "architecture": type(self.backbone).__name__,
            },
        )


def model_class_for(config: LightningIRConfig) -> type[LightningIRModel]:
    """The most specific registered model class for a config's type."""
    importlib.import_module("lir_core.models")  # the concrete models register themselves on import
    for config_type in type(config).__mro__:
        if config_type in _MODEL_CLASSES:
            return _MODEL_CLASSES[config_type]
    raise ValueError(f"No model class is registered for {type(config).__name__}")
