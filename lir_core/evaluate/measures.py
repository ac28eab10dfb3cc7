"""Parse measure names such as ``"nDCG@10"`` into ir_measures measures."""

from __future__ import annotations

from collections.abc import Iterable

import ir_measures
from ir_measures.measures import Measure


def parse_measure(name: str) -> Measure:
    """Parse one measure name with ir_measures' syntax (``nDCG@10``, ``RR(rel=2)@10``).

    A cutoff must be an integer of at least 1: the evaluation library aborts the whole
    process (SIGABRT) on ``P@0``, so such names are rejected here, before it sees them.

    Raises:
        ValueError: If ir_measures does not know the measure or cannot parse the name, or the
            cutoff is not an integer of at least 1.
    """
    try:
        measure = ir_measures.parse_measure(name)
    except (NameError, ValueError) as error:
        raise ValueError(f"unknown or malformed measure {name!r}: {error}") from error
    cutoff = measure.params.get("cutoff")
    if cutoff is not None and (type(cutoff) is not int or cutoff < 1):
        raise ValueError(f"measure {name!r}: the cutoff must be an integer of at least 1, got {cutoff!r}")
    return measure


def parse_measures(names: Iterable[str]) -> list[Measure]:
    """Parse measure names, dropping duplicates and keeping the first-seen order."""
    return list(dict.fromkeys(parse_measure(name) for name in names))


def canonical_name(name: str) -> str:
    """Return ir_measures' canonical spelling of a measure (``"NDCG@10"`` -> ``"nDCG@10"``)."""
    return str(parse_measure(name))
