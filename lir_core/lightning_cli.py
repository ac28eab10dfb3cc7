"""``LightningIRCLI``: Lightning's ``LightningCLI`` with the retrieval subcommands.

The heavy half of the ``lir`` command (torch, Lightning, transformers): :mod:`lir_core.cli`
imports it only for a subcommand, so that ``lir --help`` and ``lir data`` start without it.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from typing import Any

from jsonargparse import set_parsing_settings
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI, LRSchedulerTypeUnion, ReduceLROnPlateau
from torch.optim import Optimizer

import lir_core
import lir_core.loss  # noqa: F401  (registers loss short names)
import lir_core.schedulers  # noqa: F401  (registers LinearWarmupScheduler, ConstantWarmup)
from lir_core.base.config import LightningIRConfig
from lir_core.base.module import LightningIRModule
from lir_core.callbacks import ReRankCallback, RunOutcome
from lir_core.checkpointing import SavePretrainedCallback
from lir_core.cli import DESCRIPTION
from lir_core.classes import INDEX_FAMILIES
from lir_core.data import LightningIRDataModule
from lir_core.retrieve.base import IndexConfig, SearchConfig
from lir_core.trainer import LightningIRTrainer

# A config names classes by their short names (ColConfig, TupleDataset, FaissFlatIndexConfig,
# IndexCallback, ...); jsonargparse finds them among the imported subclasses. Import every
# public class of lir_core and every index family, as an eager ``import lir_core`` used to.
for _name in lir_core.__all__:
    getattr(lir_core, _name)
for _family in map(importlib.import_module, INDEX_FAMILIES):
    for _name in _family.__all__:
        getattr(_family, _name)

# Arguments of the trainer's index/search/re_rank methods that the CLI fills itself.
INFERENCE_SKIP = {"module", "datamodule", "dataloaders"}

set_parsing_settings(subclasses_enabled=[LightningIRConfig, IndexConfig, SearchConfig])


class LightningIRCLI(LightningCLI):
    """``LightningCLI`` with the ``index``, ``search`` and ``re_rank`` subcommands, per-step
    learning-rate schedules and a default ``SavePretrainedCallback`` for ``fit``."""

    @staticmethod
    def subcommands() -> dict[str, set[str]]:
        """Lightning's subcommands plus the retrieval ones, each with the trainer method
        arguments that the CLI fills itself."""
        return {
            **LightningCLI.subcommands(),
            "index": INFERENCE_SKIP,
            "search": INFERENCE_SKIP,
            "re_rank": INFERENCE_SKIP,
        }

    @staticmethod
    def configure_optimizers(
        lightning_module: Any, optimizer: Optimizer, lr_scheduler: LRSchedulerTypeUnion | None = None
    ) -> Any:
        """The configured optimizer, with its schedule stepped every optimizer step
        (Lightning's default steps it every epoch)."""
        if lr_scheduler is None:
            return optimizer
        scheduler: dict[str, Any] = {"scheduler": lr_scheduler, "interval": "step"}
        if isinstance(lr_scheduler, ReduceLROnPlateau):
            scheduler["monitor"] = lr_scheduler.monitor
        return {"optimizer": optimizer, "lr_scheduler": scheduler}

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        """Give the datamodule the model, so it can check that validation sets have qrels."""
        parser.link_arguments("model", "data.init_args.module", apply_on="instantiate")

    def before_fit(self) -> None:
        """Save the fine-tuned model as a ``save_pretrained`` folder even when the config
        names no ``SavePretrainedCallback``."""
        if not any(isinstance(callback, SavePretrainedCallback) for callback in self.trainer.callbacks):
            self.trainer.callbacks.append(SavePretrainedCallback())

    def index(self, model: LightningIRModule, datamodule: LightningIRDataModule) -> None:
        """Encode the ``data`` documents and build the index of the configured ``IndexCallback``."""
        self.trainer.index(model, datamodule)

    def search(self, model: LightningIRModule, datamodule: LightningIRDataModule) -> None:
        """Search the ``SearchCallback``'s index for the queries of every ``data`` query dataset."""
        print_metrics(self.trainer.search(model, datamodule))

    def re_rank(self, model: LightningIRModule, datamodule: LightningIRDataModule) -> None:
        """Re-rank every ``data`` run dataset; without a configured ``ReRankCallback``, one
        with default settings is added (as in the paper's ``re-rank.yaml``)."""
        if not any(isinstance(callback, ReRankCallback) for callback in self.trainer.callbacks):
            self.trainer.callbacks.append(ReRankCallback())
        print_metrics(self.trainer.re_rank(model, datamodule))


def print_metrics(outcomes: dict[str, RunOutcome]) -> None:
    """Print each dataset's aggregated metrics as JSON (empty without qrels or metrics)."""
    print(json.dumps({name: outcome.metrics for name, outcome in outcomes.items()}, indent=2, sort_keys=True))


def build_cli(args: Sequence[str] | None = None, run: bool = True) -> LightningIRCLI:
    """Parse ``args`` (None: ``sys.argv``) and, with ``run``, execute the subcommand."""
    return LightningIRCLI(
        LightningIRModule,
        LightningIRDataModule,
        trainer_class=LightningIRTrainer,
        subclass_mode_model=True,
        subclass_mode_data=True,
        save_config_kwargs={"overwrite": True},
        parser_kwargs={"prog": "lir", "description": DESCRIPTION},
        args=None if args is None else list(args),
        run=run,
    )


__all__ = ["INFERENCE_SKIP", "LightningIRCLI", "build_cli", "print_metrics"]
