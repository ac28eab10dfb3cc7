"""Dense single-vector retrieval with faiss: flat, IVF, PQ, IVF-PQ and HNSW indexes."""

from typing import TYPE_CHECKING

from lir_core._lazy import lazy_exports

if TYPE_CHECKING:  # the same names, for type checkers and IDEs
    from lir_core.retrieve.faiss.config import (
        FaissFlatIndexConfig,
        FaissHNSWIndexConfig,
        FaissIndexConfig,
        FaissIVFIndexConfig,
        FaissIVFPQIndexConfig,
        FaissPQIndexConfig,
        FaissSearchConfig,
        FaissTrainedIndexConfig,
    )
    from lir_core.retrieve.faiss.indexer import (
        FaissFlatIndexer,
        FaissHNSWIndexer,
        FaissIndexer,
        FaissIVFIndexer,
        FaissIVFPQIndexer,
        FaissPQIndexer,
    )
    from lir_core.retrieve.faiss.searcher import (
        FaissFlatSearcher,
        FaissHNSWSearcher,
        FaissIVFPQSearcher,
        FaissIVFSearcher,
        FaissPQSearcher,
        FaissSearcher,
    )

# Each exported name -> its module, imported on first use: a params check that needs only the
# configs (and `lir --help`) does not load the indexers and searchers, nor torch and faiss.
_EXPORTS = {
    "FaissFlatIndexConfig": "lir_core.retrieve.faiss.config",
    "FaissFlatIndexer": "lir_core.retrieve.faiss.indexer",
    "FaissFlatSearcher": "lir_core.retrieve.faiss.searcher",
    "FaissHNSWIndexConfig": "lir_core.retrieve.faiss.config",
    "FaissHNSWIndexer": "lir_core.retrieve.faiss.indexer",
    "FaissHNSWSearcher": "lir_core.retrieve.faiss.searcher",
    "FaissIVFIndexConfig": "lir_core.retrieve.faiss.config",
    "FaissIVFIndexer": "lir_core.retrieve.faiss.indexer",
    "FaissIVFPQIndexConfig": "lir_core.retrieve.faiss.config",
    "FaissIVFPQIndexer": "lir_core.retrieve.faiss.indexer",
    "FaissIVFPQSearcher": "lir_core.retrieve.faiss.searcher",
    "FaissIVFSearcher": "lir_core.retrieve.faiss.searcher",
    "FaissIndexConfig": "lir_core.retrieve.faiss.config",
    "FaissIndexer": "lir_core.retrieve.faiss.indexer",
    "FaissPQIndexConfig": "lir_core.retrieve.faiss.config",
    "FaissPQIndexer": "lir_core.retrieve.faiss.indexer",
    "FaissPQSearcher": "lir_core.retrieve.faiss.searcher",
    "FaissSearchConfig": "lir_core.retrieve.faiss.config",
    "FaissSearcher": "lir_core.retrieve.faiss.searcher",
    "FaissTrainedIndexConfig": "lir_core.retrieve.faiss.config",
}

__all__ = [
    "FaissFlatIndexConfig", "FaissFlatIndexer", "FaissFlatSearcher", "FaissHNSWIndexConfig", "FaissHNSWIndexer",
    "FaissHNSWSearcher", "FaissIVFIndexConfig", "FaissIVFIndexer", "FaissIVFPQIndexConfig", "FaissIVFPQIndexer",
    "FaissIVFPQSearcher", "FaissIVFSearcher", "FaissIndexConfig", "FaissIndexer", "FaissPQIndexConfig",
    "FaissPQIndexer", "FaissPQSearcher", "FaissSearchConfig", "FaissSearcher", "FaissTrainedIndexConfig",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
