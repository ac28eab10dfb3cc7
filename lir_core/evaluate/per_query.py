"""Per-query metric frames: their columns, aggregation, pairing and Parquet storage.

A per-query frame has one row per (query, measure) with columns ``query_id`` (str),
``measure`` (ir_measures' canonical name, str) and ``value`` (float).
"""

from __future__ import annotations

from os import PathLike

import pandas as pd

from lir_core.evaluate.measures import canonical_name, parse_measure

PER_QUERY_COLUMNS = ("query_id", "measure", "value")


def check_per_query(frame: pd.DataFrame) -> None:
    """Raise a ValueError unless ``frame`` has the per-query columns."""
    missing = [column for column in PER_QUERY_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"per-query frame lacks columns {missing} (has {list(frame.columns)})")


def aggregate(per_query: pd.DataFrame) -> dict[str, float]:
    """Aggregate a per-query frame per measure with each measure's ir_measures aggregator.

    Most measures are averaged over queries; counts such as ``NumRel`` are summed.
    """
    check_per_query(per_query)
    aggregated = {}
    for measure_name, values in per_query.groupby("measure", sort=False)["value"]:
        aggregator = parse_measure(measure_name).aggregator()
        for value in values:
            aggregator.add(value)
        aggregated[measure_name] = float(aggregator.result())
    return aggregated


def paired_values(
    per_query_a: pd.DataFrame, per_query_b: pd.DataFrame, measure: str
) -> pd.DataFrame:
    """Align two systems' values of one measure on query id.

    A query that only one side has counts as 0 on the other side.

    Returns:
        Frame indexed by ``query_id`` (sorted) with float columns ``a`` and ``b``.

    Raises:
        ValueError: If neither frame holds the measure, or one holds a query twice.
    """
    name = canonical_name(measure)
    sides = {}
    for side, frame in (("a", per_query_a), ("b", per_query_b)):
        check_per_query(frame)
        rows = frame[frame["measure"] == name]
        if rows["query_id"].duplicated().any():
            raise ValueError(f"a per-query frame holds some query twice for {name!r}")
        sides[side] = rows.set_index("query_id")["value"].astype(float)
    paired = pd.DataFrame(sides).fillna(0.0).sort_index()
    if paired.empty:
        raise ValueError(f"no per-query values for measure {name!r}")
    return paired


def write_per_query(per_query: pd.DataFrame, path: str | PathLike[str]) -> None:
    """Write a per-query frame (and any extra columns such as system, dataset) as Parquet."""
    check_per_query(per_query)
    per_query.to_parquet(path, index=False)


def read_per_query(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a per-query frame written by :func:`write_per_query`."""
    frame = pd.read_parquet(path)
    check_per_query(frame)
    return frame
