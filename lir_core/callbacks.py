"""Lightning callbacks that index, search and re-rank over the test loop.

The module's ``test_step`` encodes or scores each batch (``inference_step``); these callbacks
receive its outputs in ``on_test_batch_end``:

- :class:`IndexCallback`: document embeddings of ``IndexBatch`` -> Parquet shards -> an index.
- :class:`SearchCallback`: query embeddings of ``SearchBatch`` -> top-k from an index -> a run.
- :class:`ReRankCallback`: scores of ``RankBatch`` documents -> a re-ranked run.

Runs are written as Parquet and TREC files; when the batches carry qrels and the module has
``evaluation_metrics``, each dataset's run is evaluated, logged and saved as JSON. The
callbacks run in a single process (one device).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback

from lir_core.artifacts import atomic_path, config_hash, write_text_atomic
from lir_core.base.module import LightningIRModule
from lir_core.bi_encoder.model import BiEncoderEmbedding
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.data.samples import IndexBatch, RankBatch, SearchBatch
from lir_core.evaluate import evaluate_run, write_per_query
from lir_core.progress import ProgressBar, progress_bar, progress_bars
from lir_core.retrieve.base import IndexConfig, SearchConfig, Searcher, SearchResult, indexer_for
from lir_core.retrieve.runs import RunFiles, write_run
from lir_core.retrieve.search import Retriever
from lir_core.retrieve.shards import ShardStream, embedding_kind, embedding_table, shard_producer

logger = logging.getLogger(__name__)


def _single_process(trainer: L.Trainer, callback: Callback) -> None:
    if trainer.world_size > 1:
        raise ValueError(f"{type(callback).__name__} runs in a single process, the trainer has {trainer.world_size}")


# --------------------------------------------------------------------------- indexing
def _batch_texts(batch: IndexBatch) -> tuple[list[str], list[str]]:
    return batch.doc_ids, batch.docs


class BatchCallback(Callback):
    """A callback that handles the test batches of one type (``batch_type``) in :meth:`on_batch`;
    Lightning's hook, with the arguments no callback here uses, is implemented once."""

    batch_type: ClassVar[type]

    def on_test_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any,
                          batch_idx: int, dataloader_idx: int = 0) -> None:
        if isinstance(batch, self.batch_type):
            self.on_batch(pl_module, outputs, batch, dataloader_idx)

    def on_batch(self, pl_module: L.LightningModule, outputs: Any, batch: Any, dataloader_idx: int) -> None:
        """Handle one batch of ``batch_type`` and the module's ``outputs`` for it."""
        raise NotImplementedError


class IndexCallback(BatchCallback):
    """Writes document embeddings to shards during the test loop, then builds an index.

    The shards, their sidecars and the resume test are those of the library's
    :func:`~lir_core.retrieve.shards.encode_collection` and of the workflow's
    ``encode_shard`` task (see :class:`~lir_core.retrieve.shards.ShardStream`): shard ``k``
    holds documents ``[k * shard_size, (k + 1) * shard_size)``, whatever the batch size. Through
    ``LightningIRTrainer.index`` indexing resumes: batches whose shards are already finished
    (same documents, same encoder, intact), by this callback or by the workflow's tasks, are
    not encoded again; and the workflow resumes a folder this callback left unfinished.

    Args:
        index_dir: Folder of the index (and, by default, of the shards).
        index_config: Which index to build, e.g. ``FaissFlatIndexConfig()``.
        shard_size: Documents per shard.
        shards_dir: Folder of the shards; default ``index_dir / "shards"``. Keeping the
            shards lets other index types be built without encoding again.
        show_progress_bar: Show a bar counting the documents encoded, and the index build's
            own, on stderr; None: in a terminal only (see :mod:`lir_core.progress`).

    Example:
        >>> callback = IndexCallback(index_dir="index", index_config=FaissFlatIndexConfig())  # doctest: +SKIP
        >>> LightningIRTrainer(callbacks=[callback]).index(module, data_module)  # doctest: +SKIP
    """

    batch_type = IndexBatch

    def __init__(
        self,
        index_dir: str | Path,
        index_config: IndexConfig,
        shard_size: int = 10_000,
        shards_dir: str | Path | None = None,
        show_progress_bar: bool | None = None,
    ) -> None:
        super().__init__()
        if shard_size < 1:
            raise ValueError(f"shard_size must be >= 1, got {shard_size}")
        self.index_dir = Path(index_dir)
        self.index_config = index_config
        self.shard_size = shard_size
        self.shards_dir = Path(shards_dir) if shards_dir is not None else self.index_dir / "shards"
        self.show_progress_bar = show_progress_bar
        self._stream: ShardStream[IndexBatch] | None = None
        self._bar: ProgressBar | None = None

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        """Check the module and world size and fingerprint the encoder (test stage only).

        Raises:
            TypeError: If the module is not a bi-encoder.
            ValueError: If the trainer runs more than one process.
        """
        if stage != "test":
            return
        if not isinstance(pl_module, BiEncoderModule):
            raise TypeError(f"IndexCallback needs a BiEncoderModule, got {type(pl_module).__name__}")
        _single_process(trainer, self)
        self._stream = ShardStream(self.shards_dir, self.shard_size, shard_producer(pl_module), _batch_texts)
        self._bar = _close(self._bar)

    def skip_finished(self, batches: Iterable[IndexBatch]) -> Iterator[IndexBatch]:
        """Yield only the batches that hold documents of shards still to encode.

        Batches are held until their shards are complete, so that their documents can be
        compared with the finished shards' sidecars
        (:meth:`~lir_core.retrieve.shards.ShardStream.pending`); ``LightningIRTrainer.index``
        wraps the test dataloader with this.

        Raises:
            TypeError: If a batch is not an ``IndexBatch``.
        """
        if self._stream is None:
            raise RuntimeError("IndexCallback.skip_finished runs inside the test loop (see LightningIRTrainer.index)")
        yield from self._stream.pending(_index_batches(batches))

    def on_batch(self, pl_module: L.LightningModule, outputs: Any, batch: IndexBatch, dataloader_idx: int) -> None:
        """Add the batch's document embeddings to the shards; write shards as they fill."""
        if dataloader_idx > 0:
            raise ValueError("IndexCallback indexes one document dataset; give each collection its own index")
        if not isinstance(outputs, BiEncoderEmbedding):
            raise TypeError(f"IndexCallback expects document embeddings from test_step, got {type(outputs).__name__}")
        assert self._stream is not None  # set up for the test stage
        config = pl_module.config
        self._stream.add(batch, embedding_table(batch.doc_ids, outputs, embedding_kind(config), config))
        if self._bar is None:
            self._bar = progress_bar(None, "encoding docs", "doc", self.show_progress_bar)
        self._bar.update(len(batch.doc_ids))

    def on_test_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Write the last shard and the shard manifest, then build the index.

        Raises:
            ValueError: If no documents were seen.
        """
        assert self._stream is not None  # set up for the test stage
        self._bar = _close(self._bar)
        if self._stream.num_docs == 0:
            raise ValueError("IndexCallback saw no documents to index")
        self._stream.finish()
        with progress_bars(self.show_progress_bar):
            indexer_for(self.index_config).build(self.shards_dir, self.index_dir, self.index_config)

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException) -> None:
        """Close the progress bar."""
        self._bar = _close(self._bar)


def _close(bar: ProgressBar | None) -> None:
    """Close ``bar`` (when there is one); returns None, for ``self._bar = _close(self._bar)``."""
    if bar is not None:
        bar.close()


def _index_batches(batches: Iterable[Any]) -> Iterator[IndexBatch]:
    for batch in batches:
        if not isinstance(batch, IndexBatch):
            raise TypeError(f"indexing needs document batches (IndexBatch), got {type(batch).__name__}")
        yield batch


# --------------------------------------------------------------------------- runs
@dataclass
class RunOutcome:
    """The run of one dataset, where it was written, and its evaluation.

    Attributes:
        name: Dataset name (file-name safe), e.g. ``beir-scifact-test``.
        result: Ranked documents per query.
        metrics: Aggregated measures (empty when not evaluated).
        files: Run files (None when no ``save_dir`` was given).
    """

    name: str
    result: SearchResult
    metrics: dict[str, float] = field(default_factory=dict)
    files: RunFiles | None = None


@dataclass
class _RunAccumulator:
    result: SearchResult = field(default_factory=lambda: SearchResult([], [], []))
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(
        self,
        query_ids: Sequence[str],
        doc_ids: Sequence[Sequence[str]],
        scores: Sequence[Sequence[float]],
        qrels: Sequence[dict[str, int] | None],
    ) -> None:
        self.result.query_ids.extend(query_ids)
        self.result.doc_ids.extend(list(ids) for ids in doc_ids)
        self.result.scores.extend(list(values) for values in scores)
        for query_id, judgements in zip(query_ids, qrels):
            if judgements:  # unjudged queries (None or no judgements) are not evaluated
                self.qrels[query_id] = judgements


def dataset_name(dataset: Any, dataloader_idx: int) -> str:
    """A file-name-safe name for an inference dataset: its ``ir_datasets`` id with "/" -> "-",
    its file's stem, or ``dataset-{idx}`` for datasets without a source."""
    source = getattr(dataset, "query_dataset", None) or getattr(dataset, "run_path_or_id", None)
    if not isinstance(source, str):
        return f"dataset-{dataloader_idx}"
    path = Path(source)
    return path.stem if path.is_file() else source.replace("/", "-")


class RunCallback(BatchCallback):
    """Collects a run per test dataloader; writes, evaluates and logs it at the end of the test epoch.

    Args:
        save_dir: Folder for ``{dataset}.parquet``, ``{dataset}.run`` (TREC),
            ``{dataset}.metrics.json`` and ``{dataset}.per_query.parquet``; None writes nothing.
        run_tag: Tag of the TREC run lines.
        show_progress_bar: Show a bar counting the queries done on stderr; None: in a terminal
            only (see :mod:`lir_core.progress`).

    Attributes:
        outcomes: Dataset name -> :class:`RunOutcome` of the last test run.
    """

    progress_description = "queries"

    def __init__(
        self, save_dir: str | Path | None = None, run_tag: str = "lir_core", show_progress_bar: bool | None = None
    ) -> None:
        super().__init__()
        self.save_dir = Path(save_dir) if save_dir is not None else None
        self.run_tag = run_tag
        self.show_progress_bar = show_progress_bar
        self.outcomes: dict[str, RunOutcome] = {}
        self._runs: dict[int, _RunAccumulator] = {}
        self._bar: ProgressBar | None = None

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        """Start collecting (test stage only).

        Raises:
            ValueError: If the trainer runs more than one process.
        """
        if stage != "test":
            return
        _single_process(trainer, self)
        self.outcomes, self._runs = {}, {}
        self._bar = _close(self._bar)

    def _accumulator(self, dataloader_idx: int) -> _RunAccumulator:
        return self._runs.setdefault(dataloader_idx, _RunAccumulator())

    def _add(
        self,
        dataloader_idx: int,
        query_ids: Sequence[str],
        doc_ids: Sequence[Sequence[str]],
        scores: Sequence[Sequence[float]],
        qrels: Sequence[dict[str, int] | None],
    ) -> None:
        """Add a batch's ranked queries to the dataset's run and count them on the progress bar."""
        self._accumulator(dataloader_idx).add(query_ids, doc_ids, scores, qrels)
        if self._bar is None:
            self._bar = progress_bar(None, self.progress_description, "query", self.show_progress_bar)
        self._bar.update(len(query_ids))

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException) -> None:
        """Close the progress bar."""
        self._bar = _close(self._bar)

    def producer(self, pl_module: LightningIRModule) -> dict[str, Any]:
        """What produced the runs, for the run folder's manifest."""
        return {
            "model": pl_module.model.source_path,
            "model_type": pl_module.config.model_type,
            "config_hash": config_hash(pl_module.config.to_dict()),
        }

    def on_test_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Write, evaluate and log every dataset's run."""
        self._bar = _close(self._bar)
        loaders = trainer.test_dataloaders
        loaders = loaders if isinstance(loaders, Sequence) else [loaders]
        for dataloader_idx, accumulator in sorted(self._runs.items()):
            name = dataset_name(getattr(loaders[dataloader_idx], "dataset", None), dataloader_idx)
            if name in self.outcomes:
                name = f"{name}-{dataloader_idx}"
            outcome = RunOutcome(name, accumulator.result)
            if self.save_dir is not None:
                outcome.files = write_run(
                    accumulator.result, self.save_dir / name, self.run_tag, self.producer(pl_module)
                )
            outcome.metrics = self._evaluate(pl_module, name, accumulator)
            self.outcomes[name] = outcome

    def _evaluate(self, pl_module: L.LightningModule, name: str, accumulator: _RunAccumulator) -> dict[str, float]:
        measures = list(getattr(pl_module, "evaluation_metrics", None) or [])
        if not measures:
            return {}
        if not accumulator.qrels:
            logger.warning("%s: no qrels; evaluation_metrics %s are not computed", name, measures)
            return {}
        evaluation = evaluate_run(accumulator.result.to_run(), accumulator.qrels, measures)
        for measure, value in evaluation.aggregated.items():
            logger.info("%s %s = %.4f", name, measure, value)
            pl_module.log(f"{name}/{measure}", value, add_dataloader_idx=False)
        if self.save_dir is not None:
            report = {"dataset": name, "num_judged_queries": len(accumulator.qrels), "metrics": evaluation.aggregated}
            write_text_atomic(self.save_dir / f"{name}.metrics.json", json.dumps(report, indent=2) + "\n")
            with atomic_path(self.save_dir / f"{name}.per_query.parquet") as tmp:
                write_per_query(evaluation.per_query, tmp)
        return evaluation.aggregated


class SearchCallback(RunCallback):
    """Retrieves the top-k documents for the queries of each ``SearchBatch`` from an index.

    Args:
        index_dir: Folder of an index built by ``IndexCallback`` (any index family).
        search_config: How to search, e.g. ``FaissSearchConfig(k=10)``.
        save_dir: Where to write runs and evaluations (see :class:`RunCallback`).
        run_tag: Tag of the TREC run lines.
        show_progress_bar: A bar counting the queries searched (see :class:`RunCallback`).

    Example:
        >>> callback = SearchCallback("index", FaissSearchConfig(k=10), save_dir="runs")  # doctest: +SKIP
        >>> LightningIRTrainer(callbacks=[callback]).search(module, data_module)  # doctest: +SKIP
    """

    progress_description = "searching"
    batch_type = SearchBatch

    def __init__(
        self,
        index_dir: str | Path,
        search_config: SearchConfig,
        save_dir: str | Path | None = None,
        run_tag: str = "lir_core",
        show_progress_bar: bool | None = None,
    ) -> None:
        super().__init__(save_dir, run_tag, show_progress_bar)
        self.index_dir = Path(index_dir)
        self.search_config = search_config
        self._searcher: Searcher | None = None

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        """Start collecting; the index is opened at the first query batch.

        Raises:
            TypeError: If the module is not a bi-encoder.
        """
        super().setup(trainer, pl_module, stage)
        if stage == "test":
            if not isinstance(pl_module, BiEncoderModule):
                raise TypeError(f"SearchCallback needs a BiEncoderModule, got {type(pl_module).__name__}")
            self._searcher = None

    def producer(self, pl_module: LightningIRModule) -> dict[str, Any]:
        return {
            **super().producer(pl_module),
            "index_dir": str(self.index_dir),
            "search_config": asdict(self.search_config),
        }

    def on_batch(self, pl_module: L.LightningModule, outputs: Any, batch: SearchBatch, dataloader_idx: int) -> None:
        """Search the index with the batch's query embeddings."""
        if self._searcher is None:
            self._searcher = Retriever.open(pl_module, self.index_dir, self.search_config).searcher
        k = self.search_config.k
        doc_ids, scores = self._searcher.search_embeddings(outputs.embeddings, outputs.scoring_mask, k)
        qrels = batch.qrels or [None] * len(batch.query_ids)
        self._add(dataloader_idx, batch.query_ids, doc_ids, scores, qrels)


class ReRankCallback(RunCallback):
    """Re-ranks the documents of each ``RankBatch`` by the module's scores (bi- or cross-encoder).

    Args:
        save_dir: Where to write runs and evaluations (see :class:`RunCallback`).
        run_tag: Tag of the TREC run lines.
        show_progress_bar: A bar counting the queries re-ranked (see :class:`RunCallback`).
    """

    progress_description = "re-ranking"
    batch_type = RankBatch

    def on_batch(self, pl_module: L.LightningModule, outputs: Any, batch: RankBatch, dataloader_idx: int) -> None:
        """Sort each query's documents by score."""
        scores = outputs.scores.detach().float().cpu()
        doc_ids, doc_scores = [], []
        for ids, query_scores in zip(batch.doc_ids, torch.split(scores, batch.num_docs)):
            order = torch.argsort(query_scores, descending=True, stable=True).tolist()
            doc_ids.append([ids[i] for i in order])
            doc_scores.append(query_scores[order].tolist())
        self._add(dataloader_idx, batch.query_ids, doc_ids, doc_scores, batch.qrels or [None] * len(batch.query_ids))
