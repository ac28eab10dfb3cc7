"""Evaluate runs with ir_measures, test significance, and build experiment tables and plots."""

from lir_core.evaluate.evaluation import EvaluationResult, evaluate_run
from lir_core.evaluate.measures import canonical_name, parse_measure, parse_measures
from lir_core.evaluate.per_query import aggregate, paired_values, read_per_query, write_per_query
from lir_core.evaluate.plots import plot_loss_curve, plot_per_query_differences
from lir_core.evaluate.significance import SignificanceResult, correct_pvalues, paired_significance
from lir_core.evaluate.table import ExperimentTable

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
