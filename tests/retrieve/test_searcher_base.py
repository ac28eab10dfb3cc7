"""Shared pieces of search: ``SearchResult.from_run`` and the ``Searcher`` constructor that the
array-backed searchers (PLAID, exhaustive MaxSim, inverted index, Seismic) share."""

from __future__ import annotations

import pytest

from lir_core.retrieve import FaissSearchConfig, SearchResult
from lir_core.retrieve.base import SearchConfig, Searcher, searcher_class_for
from lir_core.retrieve.plaid import PlaidSearcher
from lir_core.retrieve.plaid.config import ExhaustiveMaxSimSearchConfig, PlaidSearchConfig
from lir_core.retrieve.plaid.exhaustive import ExhaustiveMaxSimSearcher
from lir_core.retrieve.sparse import SeismicSearchConfig, SparseSearchConfig
from lir_core.retrieve.sparse.searcher import SparseSearcher
from lir_core.retrieve.sparse.seismic import SeismicSearcher

RUN = {"q2": {"d1": 0.5, "d2": 2.0, "d3": 0.5}, "q1": {"d9": 1}}


def test_from_run_keeps_the_given_order_and_is_the_inverse_of_to_run() -> None:
    result = SearchResult.from_run(RUN)
    assert result == SearchResult(["q2", "q1"], [["d1", "d2", "d3"], ["d9"]], [[0.5, 2.0, 0.5], [1.0]])
    assert result.to_run() == RUN and SearchResult.from_run(result.to_run()) == result
    assert all(type(score) is float for scores in result.scores for score in scores)


def test_from_run_sorts_best_first_keeping_ties_in_order_and_cuts_at_depth() -> None:
    assert SearchResult.from_run(RUN, sort=True).doc_ids == [["d2", "d1", "d3"], ["d9"]]
    assert SearchResult.from_run(RUN, depth=2) == SearchResult(["q2", "q1"], [["d1", "d2"], ["d9"]],
                                                               [[0.5, 2.0], [1.0]])
    assert SearchResult.from_run(RUN, depth=2, sort=True).doc_ids == [["d2", "d1"], ["d9"]]
    assert SearchResult.from_run({}) == SearchResult([], [], [])


def test_from_run_takes_pairs_and_keeps_them_all() -> None:
    result = SearchResult.from_run({"q": [("d1", 1.0), ("d2", 3.0), ("d1", 2.0)]}, sort=True)
    assert result.doc_ids == [["d2", "d1", "d1"]] and result.scores == [[3.0, 2.0, 1.0]]


ARRAY_SEARCHERS = [(PlaidSearcher, PlaidSearchConfig), (ExhaustiveMaxSimSearcher, ExhaustiveMaxSimSearchConfig),
                   (SparseSearcher, SparseSearchConfig), (SeismicSearcher, SeismicSearchConfig)]


@pytest.mark.parametrize("searcher,config", ARRAY_SEARCHERS, ids=[s.__name__ for s, _ in ARRAY_SEARCHERS])
def test_array_searchers_share_the_constructor(searcher: type[Searcher], config: type[SearchConfig]) -> None:
    assert searcher_class_for(searcher.index_type) is searcher and searcher.search_config_class is config
    if searcher is not SeismicSearcher:  # Seismic imports its optional package first, then the same
        assert searcher.__init__ is Searcher.__init__
    assert searcher.checked_search_config(None) == config()
    assert searcher.checked_search_config(config(k=3)) == config(k=3)
    article = "an" if config.__name__[0] in "AEIOU" else "a"
    with pytest.raises(TypeError, match=f"^{searcher.__name__} needs {article} {config.__name__}, "
                                        "got FaissSearchConfig$"):
        searcher.checked_search_config(FaissSearchConfig())


def test_a_wrong_config_is_refused_before_the_folder_is_read(tmp_path) -> None:
    with pytest.raises(TypeError, match="SparseSearcher needs a SparseSearchConfig, got PlaidSearchConfig"):
        SparseSearcher(tmp_path / "missing", PlaidSearchConfig())
    with pytest.raises(FileNotFoundError, match="no manifest.json"):
        SparseSearcher(tmp_path / "missing")
