"""Index and search encoded collections: shards, index families (faiss, ...), search and runs.

Importing this package registers the indexers and searchers of every index family (faiss,
sparse, PLAID), so that ``indexer_for`` and ``searcher_class_for`` find them.
"""

from lir_core.retrieve import plaid, sparse  # noqa: F401  (register their indexers and searchers)

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

__all__ = [
    "DenseShard", "FaissFlatIndexConfig", "FaissHNSWIndexConfig", "FaissIVFIndexConfig", "FaissIVFPQIndexConfig",
    "FaissPQIndexConfig", "FaissSearchConfig", "FaissSearcher", "IndexConfig", "Indexer", "MultiVectorShard",
    "Retriever", "RunFiles", "SearchConfig", "SearchResult", "Searcher", "ShardInfo", "ShardSet", "ShardSpec",
    "SparseShard", "encode_collection", "encode_shard", "ensure_shard", "exhaustive_search", "indexer_for",
    "plan_shards", "read_run", "search", "searcher_class_for", "validate_run_doc_ids", "write_run",
    "write_shard_manifest",
]
