"""Evaluate runs with ir_measures, test significance, and build experiment tables and plots."""

from typing import TYPE_CHECKING

from lir_core._lazy import lazy_exports

if TYPE_CHECKING:  # the same names, eagerly, for type checkers and IDEs
    from lir_core.evaluate.evaluation import EvaluationResult, evaluate_run
    from lir_core.evaluate.measures import canonical_name, parse_measure, parse_measures
    from lir_core.evaluate.per_query import aggregate, paired_values, read_per_query, write_per_query
    from lir_core.evaluate.plots import plot_loss_curve, plot_per_query_differences
    from lir_core.evaluate.significance import SignificanceResult, correct_pvalues, paired_significance
    from lir_core.evaluate.table import ExperimentTable

# Each exported name -> the module it is imported from on first use.
_EXPORTS = {
    "EvaluationResult": "lir_core.evaluate.evaluation",
    "evaluate_run": "lir_core.evaluate.evaluation",
    "canonical_name": "lir_core.evaluate.measures",
    "parse_measure": "lir_core.evaluate.measures",
    "parse_measures": "lir_core.evaluate.measures",
    "aggregate": "lir_core.evaluate.per_query",
    "paired_values": "lir_core.evaluate.per_query",
    "read_per_query": "lir_core.evaluate.per_query",
    "write_per_query": "lir_core.evaluate.per_query",
    "plot_loss_curve": "lir_core.evaluate.plots",
    "plot_per_query_differences": "lir_core.evaluate.plots",
    "SignificanceResult": "lir_core.evaluate.significance",
    "correct_pvalues": "lir_core.evaluate.significance",
    "paired_significance": "lir_core.evaluate.significance",
    "ExperimentTable": "lir_core.evaluate.table",
}

__all__ = [
    "EvaluationResult",
    "ExperimentTable",
    "SignificanceResult",
    "aggregate",
    "canonical_name",
    "correct_pvalues",
    "evaluate_run",
    "paired_significance",
    "paired_values",
    "parse_measure",
    "parse_measures",
    "plot_loss_curve",
    "plot_per_query_differences",
    "read_per_query",
    "write_per_query",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
