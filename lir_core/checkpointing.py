"""Saving fine-tuned models as HuggingFace-style folders during and after training.

:class:`SavePretrainedCallback` writes ``module.save_pretrained`` folders (backbone, heads,
Lightning IR config and tokenizer) that ``BiEncoderModule(path)`` /
``CrossEncoderModule(path)`` load directly, unlike Lightning's ``.ckpt`` files:

* ``<dirpath>/last``: after training, and every ``every_n_train_steps`` steps;
* ``<dirpath>/best``: whenever the ``monitor`` metric (e.g. ``val/nDCG@10``) improves.

Folders are staged beside their target and renamed into place, so a crash while saving
never leaves a half-written model under ``last`` or ``best``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

import lightning as L
from lightning.pytorch.callbacks import Callback

from lir_core.base.module import LightningIRModule

STATE_NAME = "trainer_state.json"


class SavePretrainedCallback(Callback):
    """Save the module with ``save_pretrained`` (on global rank 0 only).

    Args:
        dirpath: Parent folder of ``last`` and ``best``; None uses
            ``<trainer.log_dir or default_root_dir>/pretrained``.
        every_n_train_steps: Also refresh ``last`` every this many optimizer steps (None:
            only at the end of training).
        monitor: Logged metric whose improvement saves ``best`` (after each validation).
        mode: "max" if higher ``monitor`` values are better, "min" otherwise.

    Attributes:
        best_score: Best ``monitor`` value seen so far (None before the first).
        best_path: Folder of the best model (None before the first).
        last_path: Folder of the last saved model (None before the first save).
    """

    def __init__(
        self,
        dirpath: str | Path | None = None,
        every_n_train_steps: int | None = None,
        monitor: str | None = None,
        mode: Literal["max", "min"] = "max",
    ) -> None:
        if every_n_train_steps is not None and every_n_train_steps < 1:
            raise ValueError(f"every_n_train_steps must be >= 1 or None, got {every_n_train_steps}")
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.dirpath = None if dirpath is None else Path(dirpath)
        self.every_n_train_steps = every_n_train_steps
        self.monitor = monitor
        self.mode = mode
        self.best_score: float | None = None
        self.best_path: Path | None = None
        self.last_path: Path | None = None
        self._last_saved_step = -1

    def resolve_dirpath(self, trainer: L.Trainer) -> Path:
        """The parent folder of the saved models for this trainer."""
        if self.dirpath is not None:
            return self.dirpath
        return Path(trainer.log_dir or trainer.default_root_dir) / "pretrained"

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        """Refresh ``last`` every ``every_n_train_steps`` optimizer steps."""
        step = trainer.global_step
        due = self.every_n_train_steps and step > 0 and step % self.every_n_train_steps == 0
        if due and step != self._last_saved_step:
            self.last_path = self._save(trainer, pl_module, "last")

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Save ``best`` when the monitored metric improved.

        Raises:
            KeyError: If ``monitor`` was not logged during validation.
        """
        if self.monitor is None or trainer.sanity_checking:
            return
        if self.monitor not in trainer.callback_metrics:
            raise KeyError(
                f"SavePretrainedCallback monitors {self.monitor!r}, which was not logged; logged: "
                f"{sorted(trainer.callback_metrics)}"
            )
        score = float(trainer.callback_metrics[self.monitor])
        improved = self.best_score is None or (score > self.best_score if self.mode == "max" else score < self.best_score)
        if improved:
            self.best_score = score
            self.best_path = self._save(trainer, pl_module, "best", {self.monitor: score})

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Save ``last`` at the end of training."""
        self.last_path = self._save(trainer, pl_module, "last")

    def _save(
        self, trainer: L.Trainer, pl_module: L.LightningModule, name: str, metrics: dict[str, float] | None = None
    ) -> Path:
        if not isinstance(pl_module, LightningIRModule):
            raise TypeError(f"SavePretrainedCallback needs a LightningIRModule, got {type(pl_module).__name__}")
        target = self.resolve_dirpath(trainer) / name
        if trainer.is_global_zero:
            save_folder_atomically(pl_module, target, {
                "global_step": trainer.global_step, "epoch": trainer.current_epoch, "metrics": metrics or {},
            })
        trainer.strategy.barrier("SavePretrainedCallback")
        if name == "last":
            self._last_saved_step = trainer.global_step
        return target


def save_folder_atomically(module: LightningIRModule, target: Path, state: dict[str, Any]) -> None:
    """Write ``module.save_pretrained`` plus ``trainer_state.json`` into ``target``.

    The folder is staged beside ``target``; a previous ``target`` is removed only once the
    new folder is complete, just before the rename.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        module.save_pretrained(staging)
        (staging / STATE_NAME).write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class KeepBestWeights(Callback):
    """Keep a copy of the weights with the best ``monitor`` value and restore them when training ends.

    Unlike :class:`SavePretrainedCallback` it writes nothing: the module leaves ``fit`` holding
    its best validated weights, ready to be saved once. Each validation's value is recorded in
    ``history`` (e.g. for a validation curve beside the loss curve).

    Args:
        monitor: Logged metric to select on (e.g. ``val/nDCG@10``).
        mode: "max" if higher values are better, "min" otherwise.

    Attributes:
        history: ``(global_step, value)`` of every validation.
        best_step: Step of the best value (None before the first validation).
        best_score: The best value (None before the first validation).
    """

    def __init__(self, monitor: str, mode: Literal["max", "min"] = "max") -> None:
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        self.monitor, self.mode = monitor, mode
        self.history: list[tuple[int, float]] = []
        self.best_step: int | None = None
        self.best_score: float | None = None
        self._best_state: dict[str, Any] | None = None

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Record the monitored value; copy the weights when it improved.

        Raises:
            KeyError: If ``monitor`` was not logged during validation.
        """
        if trainer.sanity_checking:
            return
        if self.monitor not in trainer.callback_metrics:
            raise KeyError(f"KeepBestWeights monitors {self.monitor!r}, which was not logged; logged: "
                           f"{sorted(trainer.callback_metrics)}")
        score = float(trainer.callback_metrics[self.monitor])
        self.history.append((trainer.global_step, score))
        best = self.best_score
        if best is None or (score > best if self.mode == "max" else score < best):
            self.best_score, self.best_step = score, trainer.global_step
            self._best_state = {name: tensor.detach().clone() for name, tensor in pl_module.state_dict().items()}

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Load the best weights back into the module (a no-op when nothing was validated)."""
        if self._best_state is not None:
            pl_module.load_state_dict(self._best_state)
