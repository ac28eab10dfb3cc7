"""Dense single-vector retrieval with faiss: flat, IVF, PQ, IVF-PQ and HNSW indexes."""

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

__all__ = [
    "FaissFlatIndexConfig", "FaissFlatIndexer", "FaissFlatSearcher", "FaissHNSWIndexConfig", "FaissHNSWIndexer",
    "FaissHNSWSearcher", "FaissIVFIndexConfig", "FaissIVFIndexer", "FaissIVFPQIndexConfig", "FaissIVFPQIndexer",
    "FaissIVFPQSearcher", "FaissIVFSearcher", "FaissIndexConfig", "FaissIndexer", "FaissPQIndexConfig",
    "FaissPQIndexer", "FaissPQSearcher", "FaissSearchConfig", "FaissSearcher", "FaissTrainedIndexConfig",
]
