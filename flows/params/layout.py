"""Where the artifacts of a params file go: one folder per artifact under ``artifacts`` (queries,
runs, evaluations) or ``shared`` (what does not depend on the queries: tuples, fine-tuned models,
shards, indexes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING


class ArtifactLayout:
    """The artifact paths of :class:`flows.params.Params` (a mixin: it reads the params' fields)."""

    if TYPE_CHECKING:
        from flows.params.sections import FineTuneParams, ReRankParams, TuplesParams

        artifacts: str
        shared: str | None
        fine_tune: dict[str, FineTuneParams]
        tuples: dict[str, TuplesParams]
        re_rank: dict[str, ReRankParams]

    @property
    def root(self) -> Path:
        return Path(self.artifacts)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def docs_file(self) -> str:
        return str(self.data_dir / "docs.parquet")

    def queries_file(self) -> str:
        return str(self.data_dir / "queries.parquet")

    def qrels_file(self) -> str:
        return str(self.data_dir / "qrels.parquet")

    @property
    def shared_root(self) -> Path:
        """Where artifacts that do not depend on the queries go (fine-tuned models, shards, indexes)."""
        return Path(self.shared) if self.shared else self.root

    def tuples_dir(self, key: str) -> Path:
        return self.shared_root / "tuples" / key

    def training_tuples(self, key: str) -> str:
        """The tuples a ``fine_tune`` entry trains on: a mined set's Parquet file, else the source as given."""
        tuples = self.fine_tune[key].train.tuples
        return str(self.tuples_dir(tuples) / "tuples.parquet") if tuples in self.tuples else tuples

    def validation_dir(self, key: str) -> str | None:
        """The folder of the validation set a ``fine_tune`` entry selects its best weights on: that
        of its mined tuples when they hold out queries, else None."""
        tuples = self.fine_tune[key].train.tuples
        if tuples in self.tuples and self.tuples[tuples].validation_fraction > 0:
            return str(self.tuples_dir(tuples))
        return None

    def teacher_run(self, key: str) -> str | None:
        """The run folder of teacher scores a ``fine_tune`` entry distils (None without a teacher):
        the teacher's scores, or their interpolation with BM25 when it has a ``bm25_weight``."""
        tuples = self.fine_tune[key].train.tuples
        teacher = self.tuples[tuples].teacher if tuples in self.tuples else None
        if teacher is None:
            return None
        return str(self.shared_root / "teachers" / tuples / ("fused" if teacher.bm25_weight > 0 else "scores"))

    def model_dir(self, key: str) -> Path:
        return self.shared_root / "models" / key

    def shards_dir(self, key: str) -> Path:
        return self.shared_root / "shards" / key

    def index_dir(self, key: str) -> Path:
        return self.shared_root / "index" / key

    def run_dir(self, system: str) -> Path:
        return self.root / ("reranked" if system in self.re_rank else "runs") / system

    def eval_dir(self, system: str) -> Path:
        return self.root / "eval" / system
