"""RunDataset: ranked documents per query, for re-ranking or for sampling training tuples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from torch.utils.data import Dataset

from .doc_lookup import doc_lookup
from .readers import Qrels, Run, is_qrels_file
from .samples import RankSample
from .sampling import SamplingStrategy, TargetKind, make_targets, sample_positions
from .sources import check_qrels_queries, load_qrels, load_queries, load_run, resolve


@dataclass(frozen=True)
class RankedList:
    """The candidates of one query in rank order, with their scores and relevance labels."""

    query_id: str
    doc_ids: tuple[str, ...]
    scores: tuple[float, ...]
    relevance: tuple[int, ...]


class RunDataset(Dataset[RankSample]):
    """Ranked documents per query: ``dataset[i]`` is the i-th query of the run as a RankSample.

    Args:
        run_path_or_id: A run file (TREC ``qid Q0 docid rank score tag``, MS MARCO TSV
            ``qid docid rank``, JSONL or Parquet with ``query_id, doc_id, score|rank``), a qrels
            file (its judged documents become the run), or an ``ir_datasets`` id (its scoreddocs
            when it has them, else its qrels; see ``run_from``).
        depth: Keep the ``depth`` best ranked documents per query; -1 keeps all.
        sample_size: Documents per sample, picked by ``sampling_strategy``; -1 for all.
        sampling_strategy: ``"top"``, ``"random"``, ``"top_and_random"`` or
            ``"single_relevant"`` (see :func:`~lir_core.data.sampling.sample_positions`);
            queries whose candidates hold no relevant document are left out with
            ``"single_relevant"``.
        targets: Per-document targets: qrels ``"relevance"`` (0 when unjudged), ``"rank"``
            (1 = best) or run ``"score"``; None for no targets.
        normalize_targets: Min-max scale each sample's targets to [0, 1].
        docs: Collection file or ``ir_datasets`` id for document texts; defaults to the run's
            dataset when ``run_path_or_id`` is an id.
        queries: Query file or ``ir_datasets`` id for query texts; defaults likewise.
        qrels: Qrels file or ``ir_datasets`` id; defaults to the run's dataset's qrels, or to
            ``run_path_or_id`` itself when that is a qrels file.
        run_from: For an ``ir_datasets`` id, force ``"scoreddocs"`` or ``"qrels"`` as the run
            (e.g. ``"qrels"`` when the scoreddocs cannot be downloaded).

    Raises:
        ValueError: On invalid settings, an empty run, run queries without text, settings
            that need qrels when there are none, or qrels none of whose queries is known.
    """

    def __init__(
        self,
        run_path_or_id: str,
        depth: int = -1,
        sample_size: int = -1,
        sampling_strategy: SamplingStrategy = "top",
        targets: TargetKind | None = None,
        normalize_targets: bool = False,
        docs: str | None = None,
        queries: str | None = None,
        qrels: str | None = None,
        run_from: Literal["scoreddocs", "qrels"] | None = None,
    ) -> None:
        super().__init__()
        if depth == 0 or depth < -1 or sample_size == 0 or sample_size < -1:
            raise ValueError(f"depth and sample_size must be -1 or >= 1, got {depth} and {sample_size}")
        self.run_path_or_id = run_path_or_id
        self.depth = depth
        self.sample_size = sample_size
        self.sampling_strategy = sampling_strategy
        self.targets = targets
        self.normalize_targets = normalize_targets
        resolved = resolve(run_path_or_id)
        dataset_id = None if isinstance(resolved, Path) else run_path_or_id
        own_qrels = dataset_id or (run_path_or_id if is_qrels_file(resolved) else None)
        self._queries = load_queries(_required(queries or dataset_id, "queries", run_path_or_id))
        self._docs = doc_lookup(_required(docs or dataset_id, "docs", run_path_or_id))
        self._qrels = self._load_qrels(qrels or own_qrels)
        if self._qrels is None and (targets == "relevance" or sampling_strategy == "single_relevant"):
            setting = "targets='relevance'" if targets == "relevance" else "sampling_strategy='single_relevant'"
            raise ValueError(f"{run_path_or_id}: {setting} needs qrels; pass qrels=...")
        self._lists = self._ranked_lists(load_run(run_path_or_id, run_from))

    def _load_qrels(self, source: str | None) -> Qrels | None:
        if source is None:
            return None
        qrels = load_qrels(source)
        if qrels is not None:
            check_qrels_queries(qrels, self._queries, source)
        return qrels

    def _ranked_lists(self, run: Run) -> list[RankedList]:
        missing = [query_id for query_id in run if query_id not in self._queries]
        if missing:
            examples = ", ".join(repr(query_id) for query_id in missing[:5])
            raise ValueError(f"{self.run_path_or_id}: {len(missing)} run queries have no text (e.g. {examples})")
        lists = []
        for query_id, ranking in run.items():
            doc_ids = list(ranking)[: None if self.depth == -1 else self.depth]
            judged = (self._qrels or {}).get(query_id, {})
            relevance = tuple(judged.get(doc_id, 0) for doc_id in doc_ids)
            if self.sampling_strategy == "single_relevant" and not any(label > 0 for label in relevance):
                continue
            lists.append(RankedList(query_id, tuple(doc_ids), tuple(ranking[d] for d in doc_ids), relevance))
        if not lists:
            raise ValueError(f"{self.run_path_or_id}: no query has a relevant document among its candidates")
        return lists

    @property
    def has_qrels(self) -> bool:
        """Whether the queries come with relevance judgements."""
        return self._qrels is not None

    def __len__(self) -> int:
        return len(self._lists)

    def __getitem__(self, index: int) -> RankSample:
        ranked = self._lists[index]
        positions = sample_positions(ranked.relevance, self.sample_size, self.sampling_strategy)
        doc_ids = tuple(ranked.doc_ids[position] for position in positions)
        return RankSample(
            query_id=ranked.query_id,
            query=self._queries[ranked.query_id],
            doc_ids=doc_ids,
            docs=tuple(self._docs.texts(doc_ids)),
            targets=make_targets(self.targets, positions, ranked.scores, ranked.relevance, self.normalize_targets),
            qrels=None if self._qrels is None else self._qrels.get(ranked.query_id, {}),
        )


def _required(source: str | None, what: str, run_path_or_id: str) -> str:
    if source is None:
        raise ValueError(f"{run_path_or_id}: a run file needs {what}=... (a file or an ir_datasets id)")
    return source
