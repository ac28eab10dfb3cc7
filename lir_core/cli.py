"""The ``lir`` command: fine-tune, index, search and re-rank from YAML configs.

Built on Lightning's ``LightningCLI``::

    lir fit --config train.yaml
    lir index --config index.yaml
    lir search --config search.yaml
    lir re_rank --config re-rank.yaml
    lir data seed DIR [--irds-home PATH]

``index``/``search``/``re_rank`` call the ``LightningIRTrainer`` methods of the same name
with the callbacks of ``trainer.callbacks`` (``IndexCallback``, ``SearchCallback``,
``ReRankCallback``; ``re_rank`` adds a default ``ReRankCallback`` when none is given);
``search`` and ``re_rank`` print each dataset's metrics as JSON.

A config has the sections ``trainer``, ``model``, ``data`` and, for ``fit``, ``optimizer``
and ``lr_scheduler``. Classes of ``lir_core`` are named by their short names
(``class_path: BiEncoderModule``, ``ColConfig``, ``TupleDataset``, ``IndexCallback``,
``FaissFlatIndexConfig``, ``LinearWarmupScheduler``, ...). Model, index and search configs
are dataclasses; they are enabled as subclass types so that ``class_path`` picks one.
Unknown keys are errors: jsonargparse names them and the command exits with status 2.

``fit`` always saves the fine-tuned model with ``save_pretrained``: to the folders of the
configured :class:`~lir_core.checkpointing.SavePretrainedCallback`, or, when there is none,
to ``<log_dir>/pretrained/last``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jsonargparse import set_parsing_settings
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI, LRSchedulerTypeUnion, ReduceLROnPlateau
from torch.optim import Optimizer

import lir_core.loss  # noqa: F401  (registers loss short names)
import lir_core.retrieve  # noqa: F401  (registers FaissFlatIndexConfig, FaissSearchConfig, ... short names)
import lir_core.schedulers  # noqa: F401  (registers LinearWarmupScheduler, ConstantWarmup)
from lir_core.base.config import LightningIRConfig
from lir_core.base.module import LightningIRModule
from lir_core.callbacks import ReRankCallback, RunOutcome
from lir_core.checkpointing import SavePretrainedCallback
from lir_core.data import LightningIRDataModule, seed_ir_datasets_cache
from lir_core.retrieve.base import IndexConfig, SearchConfig
from lir_core.trainer import LightningIRTrainer

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
        parser_kwargs={"prog": "lir", "description": "Fine-tune, index, search and re-rank with Lightning IR models. "
                                      "Also: `lir data seed DIR` fills the ir_datasets cache from staged files."},
        args=None if args is None else list(args),
        run=run,
    )


def data_main(args: Sequence[str]) -> None:
    """``lir data seed DIR``: copy staged dataset files into the ``ir_datasets`` cache."""
    parser = argparse.ArgumentParser(prog="lir data", description="Manage local dataset files.")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="Seed the ir_datasets cache from a folder of downloaded files.")
    seed.add_argument("source_dir", type=Path, help="Folder holding the dataset files.")
    seed.add_argument("--irds-home", type=Path, default=None,
                      help="ir_datasets home (default: $IR_DATASETS_HOME or ~/.ir_datasets).")
    parsed = parser.parse_args(list(args))
    for dataset_id in seed_ir_datasets_cache(parsed.source_dir, parsed.irds_home):
        print(dataset_id)


def main(args: Sequence[str] | None = None) -> None:
    """Entry point of the ``lir`` console script.

    Args:
        args: Command-line arguments without the program name; None reads ``sys.argv``.
    """
    argv = sys.argv[1:] if args is None else list(args)
    if argv[:1] == ["data"]:
        data_main(argv[1:])
        return
    build_cli(args)


__all__ = ["LightningIRCLI", "build_cli", "data_main", "main"]

if __name__ == "__main__":
    main()
