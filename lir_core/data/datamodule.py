"""LightningIRDataModule: training and inference dataloaders that yield typed batches."""

from __future__ import annotations

from collections.abc import Sequence

from lightning import LightningDataModule, LightningModule
from torch.utils.data import DataLoader

from .collate import collate, collate_rank_samples
from .doc_dataset import DocDataset
from .query_dataset import QueryDataset
from .run_dataset import RunDataset
from .sharding import ShardedIterableDataset, distributed_rank_and_world_size
from .tuple_dataset import TupleDataset

InferenceDataset = DocDataset | QueryDataset | RunDataset | TupleDataset


class LightningIRDataModule(LightningDataModule):
    """Batches a training dataset and any number of inference datasets.

    Training batches are RankBatch records (targets concatenated in document order). Each
    inference dataset gets its own dataloader, yielding IndexBatch (DocDataset), SearchBatch
    (QueryDataset) or RankBatch (RunDataset, TupleDataset). Doc and query datasets are
    sharded across the trainer's ranks and the dataloader workers.

    Args:
        module: The module the data feeds. When it declares ``evaluation_metrics`` (a non-empty
            attribute), :meth:`setup` checks that every query and run dataset used for
            validation or testing carries qrels to evaluate with.
        train_dataset: Dataset for fitting.
        train_batch_size: Queries per training batch.
        inference_datasets: Datasets for validation, testing and prediction (indexing,
            searching, re-ranking).
        inference_batch_size: Records per inference batch.
        num_workers: DataLoader worker processes.
        shuffle_train: Shuffle the training dataset each epoch.

    Raises:
        ValueError: If a batch size or ``num_workers`` is out of range.
    """

    def __init__(
        self,
        module: LightningModule | None = None,
        train_dataset: RunDataset | TupleDataset | None = None,
        train_batch_size: int = 32,
        inference_datasets: Sequence[InferenceDataset] | None = None,
        inference_batch_size: int = 64,
        num_workers: int = 0,
        shuffle_train: bool = True,
    ) -> None:
        super().__init__()
        if train_batch_size < 1 or inference_batch_size < 1 or num_workers < 0:
            raise ValueError(
                "batch sizes must be >= 1 and num_workers >= 0, got "
                f"{train_batch_size}, {inference_batch_size} and {num_workers}"
            )
        self.module = module
        self.train_dataset = train_dataset
        self.train_batch_size = train_batch_size
        self.inference_datasets = list(inference_datasets or [])
        self.inference_batch_size = inference_batch_size
        self.num_workers = num_workers
        self.shuffle_train = shuffle_train

    def setup(self, stage: str) -> None:
        """Check that the datasets suit ``stage`` (``fit``, ``validate``, ``test`` or ``predict``).

        Raises:
            ValueError: If fitting without a training dataset, testing or predicting without
                inference datasets, an inference RunDataset uses ``single_relevant`` sampling
                (it drops documents and queries), or the module's evaluation metrics cannot be
                computed on a dataset without qrels.
        """
        if stage == "fit" and self.train_dataset is None:
            raise ValueError("fitting needs a train_dataset")
        if stage in ("test", "predict") and not self.inference_datasets:
            raise ValueError(f"stage {stage!r} needs inference_datasets")
        for dataset in self.inference_datasets:
            if isinstance(dataset, RunDataset) and dataset.sampling_strategy == "single_relevant":
                raise ValueError("an inference RunDataset cannot use sampling_strategy='single_relevant'")
        if stage in ("fit", "validate", "test") and getattr(self.module, "evaluation_metrics", None):
            unjudged = [
                type(dataset).__name__
                for dataset in self.inference_datasets
                if isinstance(dataset, (QueryDataset, RunDataset)) and not dataset.has_qrels
            ]
            if unjudged:
                raise ValueError(
                    f"the module has evaluation_metrics but inference datasets {unjudged} have no qrels"
                )

    def train_dataloader(self) -> DataLoader:
        """Return the training dataloader (RankBatch batches).

        Raises:
            ValueError: If there is no training dataset.
        """
        if self.train_dataset is None:
            raise ValueError("no train_dataset was given")
        return DataLoader(
            self.train_dataset,
            batch_size=self.train_batch_size,
            shuffle=self.shuffle_train,
            num_workers=self.num_workers,
            collate_fn=collate_rank_samples,
        )

    def _rank_and_world_size(self) -> tuple[int, int]:
        if self.trainer is not None:
            return self.trainer.global_rank, self.trainer.world_size
        return distributed_rank_and_world_size()

    def _inference_dataloaders(self) -> list[DataLoader]:
        rank, world_size = self._rank_and_world_size()
        for dataset in self.inference_datasets:
            if isinstance(dataset, ShardedIterableDataset):
                dataset.set_rank(rank, world_size)
        return [
            DataLoader(dataset, batch_size=self.inference_batch_size, num_workers=self.num_workers, collate_fn=collate)
            for dataset in self.inference_datasets
        ]

    def val_dataloader(self) -> list[DataLoader]:
        """Return one dataloader per inference dataset."""
        return self._inference_dataloaders()

    def test_dataloader(self) -> list[DataLoader]:
        """Return one dataloader per inference dataset."""
        return self._inference_dataloaders()

    def predict_dataloader(self) -> list[DataLoader]:
        """Return one dataloader per inference dataset."""
        return self._inference_dataloaders()
