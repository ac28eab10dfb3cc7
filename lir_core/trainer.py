"""The Lightning IR trainer: Lightning's trainer, extended with indexing, search and re-ranking."""

from __future__ import annotations

import lightning as L


class LightningIRTrainer(L.Trainer):
    """A ``lightning.Trainer``; ``fit`` fine-tunes a Lightning IR module on a
    ``LightningIRDataModule`` exactly as Lightning does."""
