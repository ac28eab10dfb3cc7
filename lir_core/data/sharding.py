"""Split an iterable dataset across distributed ranks and DataLoader workers.

Shard ``rank * num_workers + worker_id`` of ``world_size * num_workers`` takes every
``num_shards``-th record starting at its index, so each record is read by exactly one worker
of one rank.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TypeVar

import torch.distributed as dist
from torch.utils.data import IterableDataset, get_worker_info

T = TypeVar("T")


def distributed_rank_and_world_size() -> tuple[int, int]:
    """Return ``(rank, world_size)`` from ``torch.distributed``, or ``(0, 1)`` when not initialized."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard_of(rank: int, world_size: int) -> tuple[int, int]:
    """Return ``(shard_index, num_shards)`` of this process and DataLoader worker."""
    worker = get_worker_info()
    worker_id, num_workers = (worker.id, worker.num_workers) if worker is not None else (0, 1)
    return rank * num_workers + worker_id, world_size * num_workers


class ShardedIterableDataset(IterableDataset[T], ABC):
    """An iterable dataset whose records are split across ranks and workers.

    The rank and world size come from :meth:`set_rank`, which the datamodule calls in the
    main process (so spawned workers get them too); when not set, from ``torch.distributed``
    at iteration time.
    """

    def __init__(self) -> None:
        super().__init__()
        self._rank_and_world_size: tuple[int, int] | None = None

    def set_rank(self, rank: int, world_size: int) -> None:
        """Fix the rank and world size used to shard this dataset.

        Raises:
            ValueError: If ``rank`` is not in ``[0, world_size)``.
        """
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
        self._rank_and_world_size = (rank, world_size)

    @abstractmethod
    def shard(self, shard_index: int, num_shards: int) -> Iterator[T]:
        """Yield every ``num_shards``-th record, in a fixed order, starting at ``shard_index``."""

    def __iter__(self) -> Iterator[T]:
        rank, world_size = self._rank_and_world_size or distributed_rank_and_world_size()
        return self.shard(*shard_of(rank, world_size))
