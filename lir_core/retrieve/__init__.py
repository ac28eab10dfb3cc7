"""Index and search encoded collections: shards, index families (faiss, ...), search and runs.

Each index family (faiss, sparse, PLAID) registers its configs, indexer and searcher when it
is imported; the registries of :mod:`lir_core.classes` import every family before a lookup, so
``indexer_for`` and ``searcher_class_for`` find them. The names below are imported on first
use (:mod:`lir_core._lazy`): ``lir_core.retrieve.base`` and ``.runs`` load without torch or faiss.
"""

from typing import TYPE_CHECKING

from lir_core._lazy import lazy_exports

if TYPE_CHECKING:  # the same names, eagerly, for type checkers and IDEs
    from lir_core.retrieve.base import (
        IndexConfig,
        Indexer,
        SearchConfig,
        Searcher,
        SearchResult,
        indexer_for,
        searcher_class_for,
    )
    from lir_core.retrieve.faiss import (
        FaissFlatIndexConfig,
        FaissHNSWIndexConfig,
        FaissIVFIndexConfig,
        FaissIVFPQIndexConfig,
        FaissPQIndexConfig,
        FaissSearchConfig,
        FaissSearcher,
    )
    from lir_core.retrieve.runs import RunFiles, read_run, validate_run_doc_ids, write_run
    from lir_core.retrieve.search import Retriever, exhaustive_search, search
    from lir_core.retrieve.shards import (
        DenseShard,
        MultiVectorShard,
        ShardInfo,
        ShardSet,
        ShardSpec,
        SparseShard,
        encode_collection,
        encode_shard,
        ensure_shard,
        plan_shards,
        write_shard_manifest,
    )

# Each exported name -> the module it is imported from on first use.
_EXPORTS = {
    "IndexConfig": "lir_core.retrieve.base",
    "Indexer": "lir_core.retrieve.base",
    "SearchConfig": "lir_core.retrieve.base",
    "Searcher": "lir_core.retrieve.base",
    "SearchResult": "lir_core.retrieve.base",
    "indexer_for": "lir_core.retrieve.base",
    "searcher_class_for": "lir_core.retrieve.base",
    "FaissFlatIndexConfig": "lir_core.retrieve.faiss",
    "FaissHNSWIndexConfig": "lir_core.retrieve.faiss",
    "FaissIVFIndexConfig": "lir_core.retrieve.faiss",
    "FaissIVFPQIndexConfig": "lir_core.retrieve.faiss",
    "FaissPQIndexConfig": "lir_core.retrieve.faiss",
    "FaissSearchConfig": "lir_core.retrieve.faiss",
    "FaissSearcher": "lir_core.retrieve.faiss",
    "RunFiles": "lir_core.retrieve.runs",
    "read_run": "lir_core.retrieve.runs",
    "validate_run_doc_ids": "lir_core.retrieve.runs",
    "write_run": "lir_core.retrieve.runs",
    "Retriever": "lir_core.retrieve.search",
    "exhaustive_search": "lir_core.retrieve.search",
    "search": "lir_core.retrieve.search",
    "DenseShard": "lir_core.retrieve.shards",
    "MultiVectorShard": "lir_core.retrieve.shards",
    "ShardInfo": "lir_core.retrieve.shards",
    "ShardSet": "lir_core.retrieve.shards",
    "ShardSpec": "lir_core.retrieve.shards",
    "SparseShard": "lir_core.retrieve.shards",
    "encode_collection": "lir_core.retrieve.shards",
    "encode_shard": "lir_core.retrieve.shards",
    "ensure_shard": "lir_core.retrieve.shards",
    "plan_shards": "lir_core.retrieve.shards",
    "write_shard_manifest": "lir_core.retrieve.shards",
}

__all__ = [
    "DenseShard", "FaissFlatIndexConfig", "FaissHNSWIndexConfig", "FaissIVFIndexConfig", "FaissIVFPQIndexConfig",
    "FaissPQIndexConfig", "FaissSearchConfig", "FaissSearcher", "IndexConfig", "Indexer", "MultiVectorShard",
    "Retriever", "RunFiles", "SearchConfig", "SearchResult", "Searcher", "ShardInfo", "ShardSet", "ShardSpec",
    "SparseShard", "encode_collection", "encode_shard", "ensure_shard", "exhaustive_search", "indexer_for",
    "plan_shards", "read_run", "search", "searcher_class_for", "validate_run_doc_ids", "write_run",
    "write_shard_manifest",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
