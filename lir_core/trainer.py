"""LightningIRTrainer: Lightning's trainer plus indexing, searching and re-ranking.

``index``, ``search`` and ``re_rank`` run Lightning's test loop, in which the module
encodes or scores each batch and the matching callback (:mod:`lir_core.callbacks`) turns
the outputs into shards and an index, or into runs.

Example (the Lightning IR paper, section 3.3):
    >>> index_callback = IndexCallback(index_dir="index", index_config=FaissFlatIndexConfig())  # doctest: +SKIP
    >>> LightningIRTrainer(callbacks=[index_callback]).index(module, data_module)  # doctest: +SKIP
    >>> search_callback = SearchCallback("index", FaissSearchConfig(k=10))  # doctest: +SKIP
    >>> LightningIRTrainer(callbacks=[search_callback]).search(module, data_module)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import lightning as L
from lightning.pytorch.loggers import Logger

from lir_core.base.module import LightningIRModule
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.callbacks import IndexCallback, ReRankCallback, RunCallback, RunOutcome, SearchCallback

CallbackT = TypeVar("CallbackT")


class LightningIRTrainer(L.Trainer):
    """A Lightning trainer with inference defaults and ``index`` / ``search`` / ``re_rank``.

    The defaults differ from Lightning's for inference: no logger (metrics are logged by
    the callbacks and returned), no checkpointing, no model summary and no progress bar.
    Pass them explicitly when fitting.

    Args:
        *args: Passed to ``lightning.Trainer``.
        logger: Lightning logger(s); False by default.
        enable_checkpointing: False by default.
        enable_progress_bar: False by default.
        enable_model_summary: False by default.
        **kwargs: Passed to ``lightning.Trainer`` (e.g. ``callbacks``, ``accelerator``).
    """

    def __init__(
        self,
        *args: Any,
        logger: Logger | Iterable[Logger] | bool | None = False,
        enable_checkpointing: bool | None = False,
        enable_progress_bar: bool | None = False,
        enable_model_summary: bool | None = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            *args,
            logger=logger,
            enable_checkpointing=enable_checkpointing,
            enable_progress_bar=enable_progress_bar,
            enable_model_summary=enable_model_summary,
            **kwargs,
        )

    def _callback(self, callback_type: type[CallbackT], verb: str) -> CallbackT:
        found = [c for c in self.callbacks if isinstance(c, callback_type)]
        if len(found) != 1:
            raise ValueError(
                f"trainer.{verb} needs exactly one {callback_type.__name__} in callbacks=[...], found {len(found)}"
            )
        return found[0]

    def index(
        self,
        module: BiEncoderModule,
        datamodule: L.LightningDataModule | None = None,
        dataloaders: Any = None,
    ) -> None:
        """Encode a document collection into shards and build the IndexCallback's index.

        Resumes: batches of shards already finished by an earlier run are not encoded again.

        Args:
            module: The bi-encoder that encodes the documents.
            datamodule: A datamodule with one document dataset (``inference_datasets=[DocDataset(...)]``).
            dataloaders: Instead of a datamodule: one iterable of ``IndexBatch``.

        Raises:
            ValueError: Without an IndexCallback, with both or neither data source, or with
                more than one document dataloader.
            TypeError: If the module is not a bi-encoder.
        """
        callback = self._callback(IndexCallback, "index")
        if not isinstance(module, BiEncoderModule):
            raise TypeError(f"trainer.index needs a BiEncoderModule, got {type(module).__name__}")
        if (datamodule is None) == (dataloaders is None):
            raise ValueError("trainer.index needs either a datamodule or dataloaders")
        if datamodule is not None:
            datamodule.trainer = self
            datamodule.setup("test")
            dataloaders = datamodule.test_dataloader()
        loaders = dataloaders if isinstance(dataloaders, (list, tuple)) else [dataloaders]
        if len(loaders) != 1:
            raise ValueError(f"trainer.index indexes one document dataset per index, got {len(loaders)} dataloaders")
        self.test(module, dataloaders=[callback.skip_finished(loaders[0])], verbose=False)
        if datamodule is not None:
            datamodule.teardown("test")

    def _run_callback(
        self,
        callback_type: type[RunCallback],
        verb: str,
        module: LightningIRModule,
        datamodule: L.LightningDataModule | None,
        dataloaders: Any,
    ) -> dict[str, RunOutcome]:
        callback = self._callback(callback_type, verb)
        self.test(module, dataloaders=dataloaders, datamodule=datamodule, verbose=False)
        return callback.outcomes

    def search(
        self,
        module: BiEncoderModule,
        datamodule: L.LightningDataModule | None = None,
        dataloaders: Any = None,
    ) -> dict[str, RunOutcome]:
        """Retrieve documents for the queries of every query dataset with the SearchCallback's index.

        Args:
            module: The bi-encoder that built the index.
            datamodule: A datamodule with query datasets (``QueryDataset(...)``).
            dataloaders: Instead of a datamodule: iterables of ``SearchBatch``.

        Returns:
            Dataset name -> run, run files and metrics (when qrels and ``evaluation_metrics`` exist).

        Raises:
            ValueError: Without a SearchCallback.
            TypeError: If the module is not a bi-encoder.
        """
        if not isinstance(module, BiEncoderModule):
            raise TypeError(f"trainer.search needs a BiEncoderModule, got {type(module).__name__}")
        return self._run_callback(SearchCallback, "search", module, datamodule, dataloaders)

    def re_rank(
        self,
        module: LightningIRModule,
        datamodule: L.LightningDataModule | None = None,
        dataloaders: Any = None,
    ) -> dict[str, RunOutcome]:
        """Re-rank the documents of every run dataset with a bi- or cross-encoder.

        Args:
            module: Scores each query's documents.
            datamodule: A datamodule with run datasets (``RunDataset(...)``).
            dataloaders: Instead of a datamodule: iterables of ``RankBatch``.

        Returns:
            Dataset name -> re-ranked run, run files and metrics.

        Raises:
            ValueError: Without a ReRankCallback.
        """
        return self._run_callback(ReRankCallback, "re_rank", module, datamodule, dataloaders)
