"""Score interpolation of two runs."""

from __future__ import annotations

import pytest

from lir_core.retrieve.fusion import interpolate, min_max


def test_min_max_scales_each_query_to_unit_range() -> None:
    assert min_max({"a": 3.0, "b": 1.0, "c": 2.0}) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert min_max({"a": 7.0, "b": 7.0}) == {"a": 1.0, "b": 1.0}
    assert min_max({}) == {}


def test_interpolation_by_hand() -> None:
    re_ranked = {"q": {"a": 10.0, "b": 0.0, "c": 5.0}}
    first_stage = {"q": {"a": 1.0, "b": 3.0, "c": 2.0, "z": 9.0}}  # z is not re-ranked: it stays out
    # normalised: re-ranked a 1, b 0, c .5; first stage over {a,b,c,z}: a 0, b .25, c .125
    fused = interpolate(re_ranked, first_stage, weight=0.75)
    assert fused["q"] == pytest.approx({"a": 0.75, "b": 0.0625, "c": 0.40625})
    assert interpolate(re_ranked, first_stage, 1.0)["q"] == pytest.approx(min_max(re_ranked["q"]))
    # A document the other run lacks gets its lowest normalised score, 0.
    assert interpolate({"q": {"new": 1.0, "a": 0.0}}, first_stage, 0.5)["q"]["new"] == pytest.approx(0.5)
    assert interpolate(re_ranked, {}, 0.5)["q"] == pytest.approx({"a": 0.5, "b": 0.0, "c": 0.25})


def test_weight_outside_unit_interval_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        interpolate({}, {}, 1.5)
