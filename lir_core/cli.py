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

This module is the light half: ``lir --help`` and ``lir data`` run without torch, Lightning or
transformers; the subcommands build :class:`~lir_core.lightning_cli.LightningIRCLI`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lir_core._lazy import lazy_exports

if TYPE_CHECKING:
    from lir_core.lightning_cli import LightningIRCLI, build_cli, print_metrics

DESCRIPTION = ("Fine-tune, index, search and re-rank with Lightning IR models. "
               "Also: `lir data seed DIR` fills the ir_datasets cache from staged files.")

# ``lir --help``: the subcommands of LightningIRCLI.subcommands() (Lightning's four, then the
# retrieval ones) and ``data``, described without importing Lightning (tests/test_cli.py checks
# that the names match).
SUBCOMMANDS = {
    "fit": "Runs the full optimization routine.",
    "validate": "Perform one evaluation epoch over the validation set.",
    "test": "Perform one evaluation epoch over the test set.",
    "predict": "Run inference on your data.",
    "index": "Encode a document collection into shards and build the IndexCallback's index.",
    "search": "Retrieve documents for the queries of every query dataset with the SearchCallback's index.",
    "re_rank": "Re-rank the documents of every run dataset with a bi- or cross-encoder.",
    "data": "Manage local dataset files (`lir data seed DIR`).",
}


def help_parser() -> argparse.ArgumentParser:
    """The parser of ``lir --help``: the global options and the subcommands, without Lightning."""
    parser = argparse.ArgumentParser(prog="lir", description=DESCRIPTION)
    parser.add_argument("-c", "--config", metavar="CONFIG",
                        help="Path to a configuration file in json or yaml format.")
    parser.add_argument("--print_config", metavar="=flags", nargs="?",
                        help="Print the configuration after applying all other arguments and exit.")
    commands = parser.add_subparsers(title="subcommands", metavar="{" + ",".join(SUBCOMMANDS) + "}",
                                     description="For more details of each subcommand, add it as an "
                                                 "argument followed by --help.")
    for name, summary in SUBCOMMANDS.items():
        commands.add_parser(name, help=summary)
    return parser


def data_main(args: Sequence[str]) -> None:
    """``lir data seed DIR``: copy staged dataset files into the ``ir_datasets`` cache."""
    parser = argparse.ArgumentParser(prog="lir data", description="Manage local dataset files.")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="Seed the ir_datasets cache from a folder of downloaded files.")
    seed.add_argument("source_dir", type=Path, help="Folder holding the dataset files.")
    seed.add_argument("--irds-home", type=Path, default=None,
                      help="ir_datasets home (default: $IR_DATASETS_HOME or ~/.ir_datasets).")
    parsed = parser.parse_args(list(args))
    from lir_core.data.seed import seed_ir_datasets_cache  # ir_datasets: only when seeding

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
    if argv in (["-h"], ["--help"]):
        help_parser().parse_args(argv)  # prints the help and exits with status 0
    from lir_core.lightning_cli import build_cli

    build_cli(args)


__all__ = ["LightningIRCLI", "build_cli", "data_main", "help_parser", "main", "print_metrics"]
__getattr__, __dir__ = lazy_exports(__name__, {name: "lir_core.lightning_cli"
                                               for name in ("LightningIRCLI", "build_cli", "print_metrics")})

if __name__ == "__main__":
    main()
