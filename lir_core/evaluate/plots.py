"""PNG plots for experiments: per-query differences and training loss curves.

Figures are drawn on matplotlib's Agg canvas directly, so no pyplot state or display
backend is involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lir_core.evaluate.measures import canonical_name
from lir_core.evaluate.per_query import paired_values


def _save(figure: Figure, path: str | PathLike[str]) -> None:
    FigureCanvasAgg(figure)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=150)


def plot_per_query_differences(
    per_query_a: pd.DataFrame,
    per_query_b: pd.DataFrame,
    measure: str,
    path: str | PathLike[str],
    label_a: str = "A",
    label_b: str = "B",
) -> None:
    """Write a PNG bar chart of ``A - B`` per query on ``measure``, sorted descending.

    Queries are aligned as in :func:`paired_significance` (a missing query counts as 0).
    Bars where A wins are blue, where B wins orange.
    """
    name = canonical_name(measure)
    paired = paired_values(per_query_a, per_query_b, name)
    differences = (paired["a"] - paired["b"]).sort_values(ascending=False)
    colors = ["tab:blue" if d >= 0 else "tab:orange" for d in differences]
    figure = Figure(figsize=(8, 4))
    axes = figure.add_subplot()
    axes.bar(range(len(differences)), differences.to_numpy(), color=colors, width=1.0)
    axes.axhline(0.0, color="black", linewidth=0.8)
    axes.set_xlabel(f"queries, sorted by difference (n = {len(differences)})")
    axes.set_ylabel(f"{name}: {label_a} − {label_b}")
    axes.set_xticks([])
    axes.set_title(f"Per-query {name} difference, mean {differences.mean():+.3f}")
    _save(figure, path)


def plot_loss_curve(
    points: str | PathLike[str] | Sequence[tuple[int, float]],
    path: str | PathLike[str],
    title: str = "Training loss",
    validation: tuple[str, Sequence[tuple[int, float]]] | None = None,
) -> None:
    """Write a PNG line plot of training loss over steps.

    Args:
        points: ``(step, loss)`` pairs, or the path of a CSV file with columns step, loss.
        path: Output PNG path.
        title: Plot title.
        validation: ``(metric name, [(step, value), ...])`` drawn as a second curve on its own
            axis (right), e.g. the validation nDCG@10 that chose the checkpoint.

    Raises:
        ValueError: If there are no points or the CSV lacks the step/loss columns.
    """
    if isinstance(points, (str, PathLike)):
        curve = pd.read_csv(points)
        if not {"step", "loss"} <= set(curve.columns):
            raise ValueError(f"loss CSV needs columns step, loss (has {list(curve.columns)})")
    else:
        curve = pd.DataFrame(list(points), columns=["step", "loss"])
    if curve.empty:
        raise ValueError("no (step, loss) points to plot")
    curve = curve.sort_values("step")
    figure = Figure(figsize=(6, 4))
    axes = figure.add_subplot()
    axes.plot(curve["step"], curve["loss"], linewidth=1.2)
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    if validation is not None and validation[1]:
        metric, values = validation
        steps, scores = zip(*values)
        right = axes.twinx()
        right.plot(steps, scores, color="tab:orange", marker="o", linewidth=1.2, label=f"validation {metric}")
        best = max(range(len(scores)), key=scores.__getitem__)
        right.scatter([steps[best]], [scores[best]], s=80, facecolors="none", edgecolors="tab:red", label="kept")
        right.set_ylabel(f"validation {metric}")
        right.legend(loc="lower right")
    _save(figure, path)
