"""Plots are written as valid, non-empty PNG files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lir_core.evaluate import plot_loss_curve, plot_per_query_differences

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) > len(PNG_SIGNATURE)
    assert data.startswith(PNG_SIGNATURE)


def per_query(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"query_id": list(values), "measure": "nDCG@10", "value": list(values.values())}
    )


def test_per_query_difference_plot(tmp_path) -> None:
    path = tmp_path / "diff.png"
    plot_per_query_differences(
        per_query({"q1": 0.5, "q2": 0.1, "q3": 0.9}),
        per_query({"q1": 0.4, "q2": 0.3, "q4": 0.2}),
        "nDCG@10",
        path,
        label_a="ours",
        label_b="original",
    )
    assert_png(path)


def test_loss_curve_from_points(tmp_path) -> None:
    path = tmp_path / "loss.png"
    plot_loss_curve([(0, 1.2), (10, 0.8), (20, 0.5)], path)
    assert_png(path)


def test_loss_curve_from_csv(tmp_path) -> None:
    csv = tmp_path / "loss.csv"
    csv.write_text("step,loss\n20,0.5\n0,1.2\n10,0.8\n")
    plot_loss_curve(csv, tmp_path / "loss.png")
    assert_png(tmp_path / "loss.png")


def test_loss_curve_rejects_bad_input(tmp_path) -> None:
    with pytest.raises(ValueError, match="no"):
        plot_loss_curve([], tmp_path / "empty.png")
    csv = tmp_path / "bad.csv"
    csv.write_text("epoch,value\n0,1.0\n")
    with pytest.raises(ValueError, match="step, loss"):
        plot_loss_curve(csv, tmp_path / "bad.png")
