"""Compare systems against a baseline over datasets and measures, as in a paper's table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import pandas as pd

from lir_core.evaluate.evaluation import EvaluationResult
from lir_core.evaluate.per_query import aggregate
from lir_core.evaluate.significance import (
    Correction,
    Test,
    correct_pvalues,
    paired_significance,
)

TABLE_COLUMNS = ("system", "dataset", "query_id", "measure", "value")
TEST_NAMES = {"t": "paired t-test", "wilcoxon": "Wilcoxon signed-rank test"}
DAGGER = "†"


@dataclass(frozen=True)
class ExperimentTable:
    """Systems' effectiveness per dataset and measure, tested against a baseline.

    Every other system is compared with ``baseline`` (or with its own entry in
    ``references``, e.g. a fine-tuned model with its zero-shot model, as the paper's Table 3
    compares each reproduction with the original) on each (dataset, measure) by a paired
    test over the dataset's queries (a query one side lacks counts as 0). The p-values of
    one (dataset, measure) column form a family corrected with ``correction``; a value is
    marked † when its corrected p-value is below ``alpha``.

    Attributes:
        per_query: Columns system, dataset, query_id, measure, value; measure names in
            ir_measures' canonical spelling (as :func:`evaluate_run` writes them).
            Systems, datasets and measures appear in the table in first-seen order.
        baseline: Name of the system the others are tested against.
        test: ``"t"`` or ``"wilcoxon"``.
        correction: ``"bonferroni"``, ``"holm"``, ``"bh"`` or ``"none"``.
        alpha: Significance level.
        references: System -> the system it is tested against instead of ``baseline``.
    """

    per_query: pd.DataFrame
    baseline: str
    test: Test = "t"
    correction: Correction = "bonferroni"
    alpha: float = 0.05
    references: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [c for c in TABLE_COLUMNS if c not in self.per_query.columns]
        if missing:
            raise ValueError(f"per_query lacks columns {missing}")
        if self.baseline not in set(self.per_query["system"]):
            raise ValueError(f"baseline {self.baseline!r} has no per-query values")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must lie in (0, 1), got {self.alpha}")
        systems = set(self.per_query["system"])
        unknown = sorted({name for pair in self.references.items() for name in pair} - systems)
        if unknown:
            raise ValueError(f"references name systems without per-query values: {unknown}")

    def reference_of(self, system: str) -> str:
        """The system that ``system`` is tested against."""
        return self.references.get(system, self.baseline)

    @classmethod
    def from_results(
        cls,
        results: Mapping[str, Mapping[str, EvaluationResult]],
        baseline: str,
        test: Test = "t",
        correction: Correction = "bonferroni",
        alpha: float = 0.05,
        references: Mapping[str, str] | None = None,
    ) -> ExperimentTable:
        """Build a table from ``results[system][dataset]`` evaluation results."""
        frames = [
            result.per_query.assign(system=system, dataset=dataset)
            for system, by_dataset in results.items()
            for dataset, result in by_dataset.items()
        ]
        per_query = pd.concat(frames, ignore_index=True)[list(TABLE_COLUMNS)]
        return cls(per_query, baseline, test=test, correction=correction, alpha=alpha, references=references or {})

    def comparisons(self) -> pd.DataFrame:
        """Return one row per (system, dataset, measure) the per-query frame holds.

        Columns: system, dataset, measure, value (aggregated over queries), reference (the
        system it is tested against, :meth:`reference_of`), and, for systems other than the
        baseline, mean_difference (system - reference), statistic, pvalue, corrected_pvalue
        and significant. Baseline rows hold NaN and False there.

        Raises:
            ValueError: If a system has a (dataset, measure) that its reference lacks.
        """
        rows = []
        for (dataset, measure), cell in self.per_query.groupby(["dataset", "measure"], sort=False):
            by_system = {system: frame for system, frame in cell.groupby("system", sort=False)}
            if self.baseline not in by_system:
                raise ValueError(f"baseline {self.baseline!r} lacks {measure} on {dataset!r}")
            family = []
            for system, frame in by_system.items():
                reference = self.reference_of(system)
                row = {
                    "system": system,
                    "dataset": dataset,
                    "measure": measure,
                    "value": aggregate(frame)[measure],
                    "reference": reference,
                    "mean_difference": float("nan"),
                    "statistic": float("nan"),
                    "pvalue": float("nan"),
                    "corrected_pvalue": float("nan"),
                    "significant": False,
                }
                if system != self.baseline:
                    if reference not in by_system:
                        raise ValueError(f"reference {reference!r} of {system!r} lacks {measure} on {dataset!r}")
                    result = paired_significance(frame, by_system[reference], measure, self.test)
                    row.update(
                        mean_difference=result.mean_difference,
                        statistic=result.statistic,
                        pvalue=result.pvalue,
                    )
                    family.append(row)
                rows.append(row)
            corrected = correct_pvalues([row["pvalue"] for row in family], self.correction)
            for row, pvalue in zip(family, corrected):
                row.update(corrected_pvalue=pvalue, significant=pvalue < self.alpha)
        return pd.DataFrame(rows)

    def to_markdown(self, decimals: int = 3) -> str:
        """Render rows = systems, columns = dataset x measure, values with a † mark.

        A cell a system lacks shows ``–``. A footnote names the test, correction and alpha.
        """
        comparisons = self.comparisons()
        systems = list(pd.unique(self.per_query["system"]))
        columns = list(dict.fromkeys(zip(self.per_query["dataset"], self.per_query["measure"])))
        cells = {
            (row.system, row.dataset, row.measure): f"{row.value:.{decimals}f}"
            + (DAGGER if row.significant else "")
            for row in comparisons.itertuples()
        }
        header = " | ".join(f"{dataset} {measure}" for dataset, measure in columns)
        lines = [
            f"| System | {header} |",
            "|---|" + "---:|" * len(columns),
        ]
        for system in systems:
            values = [cells.get((system, dataset, measure), "–") for dataset, measure in columns]
            lines.append(f"| {system} | " + " | ".join(values) + " |")
        correction = "no" if self.correction == "none" else self.correction
        own = "; ".join(f"{system} vs. {reference}" for system, reference in self.references.items())
        lines += [
            "",
            f"{DAGGER} p < {self.alpha} vs. {self.baseline}{f' ({own})' if own else ''} ({TEST_NAMES[self.test]}, "
            f"{correction} correction per column).",
        ]
        return "\n".join(lines) + "\n"

    def write_csv(self, path: str | PathLike[str]) -> None:
        """Write :meth:`comparisons` as CSV with full precision."""
        self.comparisons().to_csv(path, index=False)

    def write_markdown(self, path: str | PathLike[str], decimals: int = 3) -> None:
        """Write :meth:`to_markdown` to ``path``."""
        Path(path).write_text(self.to_markdown(decimals), encoding="utf-8")
