"""Learned-sparse (SPLADE) retrieval: an exact impact-ordered inverted index and Seismic."""

from typing import TYPE_CHECKING

from lir_core._lazy import lazy_exports

if TYPE_CHECKING:  # the same names, for type checkers and IDEs
    from lir_core.retrieve.sparse.config import (
        SeismicIndexConfig,
        SeismicSearchConfig,
        SparseIndexConfig,
        SparseSearchConfig,
    )
    from lir_core.retrieve.sparse.indexer import SparseIndexer
    from lir_core.retrieve.sparse.inverted_index import InvertedIndex
    from lir_core.retrieve.sparse.records import SparseDocs, SparseQueries
    from lir_core.retrieve.sparse.searcher import SparseSearcher
    from lir_core.retrieve.sparse.seismic import SeismicIndexer, SeismicSearcher

# Each exported name -> its module, imported on first use: a params check that needs only the
# configs (and `lir --help`) does not load the indexers and searchers, nor torch and faiss.
_EXPORTS = {
    "InvertedIndex": "lir_core.retrieve.sparse.inverted_index",
    "SeismicIndexConfig": "lir_core.retrieve.sparse.config",
    "SeismicIndexer": "lir_core.retrieve.sparse.seismic",
    "SeismicSearchConfig": "lir_core.retrieve.sparse.config",
    "SeismicSearcher": "lir_core.retrieve.sparse.seismic",
    "SparseDocs": "lir_core.retrieve.sparse.records",
    "SparseIndexConfig": "lir_core.retrieve.sparse.config",
    "SparseIndexer": "lir_core.retrieve.sparse.indexer",
    "SparseQueries": "lir_core.retrieve.sparse.records",
    "SparseSearchConfig": "lir_core.retrieve.sparse.config",
    "SparseSearcher": "lir_core.retrieve.sparse.searcher",
}

__all__ = [
    "InvertedIndex",
    "SeismicIndexConfig",
    "SeismicIndexer",
    "SeismicSearchConfig",
    "SeismicSearcher",
    "SparseDocs",
    "SparseIndexConfig",
    "SparseIndexer",
    "SparseQueries",
    "SparseSearchConfig",
    "SparseSearcher",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
