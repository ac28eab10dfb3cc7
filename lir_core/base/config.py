"""Base configuration shared by every Lightning IR model type.

Configs are dataclasses: their fields are the model's hyperparameters, they serialise to
``lir_config.json`` beside the backbone's own HuggingFace ``config.json``, and a registry
keyed on ``model_type`` lets ``from_pretrained`` rebuild the right class from a folder
without the caller naming it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from lir_core.classes import MODEL_CONFIGS

LIR_CONFIG_NAME = "lir_config.json"


@dataclass
class LightningIRConfig:
    """Hyperparameters common to all models.

    Args:
        query_length: Maximum number of query tokens; longer queries are truncated.
        doc_length: Maximum number of document tokens; longer documents are truncated.
    """

    model_type: ClassVar[str] = "lightning-ir"

    query_length: int = 32
    doc_length: int = 512

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        MODEL_CONFIGS.register(cls, cls.model_type if "model_type" in cls.__dict__ else None)

    def __post_init__(self) -> None:
        if self.query_length < 1 or self.doc_length < 1:
            raise ValueError(
                f"{type(self).__name__}: query_length and doc_length must be >= 1, "
                f"got {self.query_length} and {self.doc_length}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-serialisable dict that records the model type."""
        return {"model_type": self.model_type, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "LightningIRConfig":
        """Build the config class named by ``values["model_type"]``.

        Raises:
            ValueError: If the model type is unknown or a field does not exist.
        """
        values = dict(values)
        model_type = values.pop("model_type", cls.model_type)
        config_class = config_class_for(model_type)
        known = {f.name for f in dataclasses.fields(config_class)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"{config_class.__name__} has no field(s) {unknown}; known fields: {sorted(known)}"
            )
        return config_class(**values)

    def replace(self, **changes: Any) -> "LightningIRConfig":
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def save_pretrained(self, save_directory: str | Path, backbone: dict[str, Any] | None = None) -> None:
        """Write ``lir_config.json`` into ``save_directory``.

        Args:
            save_directory: Target folder (created if missing).
            backbone: Facts about the backbone to record (model type, architecture).
        """
        path = Path(save_directory)
        path.mkdir(parents=True, exist_ok=True)
        payload = self.to_dict()
        if backbone:
            payload["backbone"] = backbone
        tmp = path / (LIR_CONFIG_NAME + ".tmp")
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        tmp.replace(path / LIR_CONFIG_NAME)

    @staticmethod
    def read_saved(directory: str | Path) -> tuple["LightningIRConfig", dict[str, Any]] | None:
        """Read a saved config and its backbone record from a folder, or None if there is none."""
        path = Path(directory) / LIR_CONFIG_NAME
        if not path.is_file():
            return None
        try:
            values = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from error
        backbone = values.pop("backbone", {}) or {}
        return LightningIRConfig.from_dict(values), backbone


def config_class_for(model_type: str) -> type[LightningIRConfig]:
    """Return the config class registered for ``model_type``.

    Raises:
        ValueError: If no config class has that model type.
    """
    return MODEL_CONFIGS.get(model_type)
