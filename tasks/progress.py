"""Progress of long tasks: a Prefect progress artifact (in a run) and log lines."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import lightning as L
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.context import TaskRunContext

from tasks.logs import run_logger


class Progress:
    """Report ``done / total`` to a progress artifact (only inside a Prefect run) and the log."""

    def __init__(self, key: str, total: int, description: str) -> None:
        self.total, self.logger, self.last_log = max(total, 1), run_logger(), 0.0
        self.artifact = None
        if TaskRunContext.get() is not None:
            self.artifact = create_progress_artifact(0.0, key=key, description=description)

    def update(self, done: int, message: str = "") -> None:
        if self.artifact is not None:
            update_progress_artifact(self.artifact, min(100.0, 100.0 * done / self.total))
        if time.monotonic() - self.last_log > 10 or done >= self.total:
            self.last_log = time.monotonic()
            self.logger.info("%d/%d %s", done, self.total, message)


class TrainingProgress(L.Callback):
    """Lightning callback: training progress per optimizer step, losses kept for a CSV curve."""

    def __init__(self, key: str, max_steps: int) -> None:
        self.progress = Progress(key, max_steps, f"fine-tuning, {max_steps} steps")
        self.losses: list[tuple[int, float]] = []

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        loss = float(outputs["loss"]) if isinstance(outputs, dict) else float(outputs)
        self.losses.append((trainer.global_step, loss))
        self.progress.update(trainer.global_step, f"steps, loss {loss:.4f}")

    def write_csv(self, path: Path) -> None:
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["step", "loss"])
            writer.writerows(self.losses)
