"""Learned-sparse (SPLADE) retrieval: an exact impact-ordered inverted index and Seismic."""

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
