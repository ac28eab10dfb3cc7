"""Multi-vector (ColBERT) retrieval: exact exhaustive MaxSim and PLAID (centroids + residuals)."""

from typing import TYPE_CHECKING

from lir_core._lazy import lazy_exports

if TYPE_CHECKING:  # the same names, for type checkers and IDEs
    from lir_core.retrieve.plaid.codec import ResidualCodec
    from lir_core.retrieve.plaid.config import (
        ExhaustiveMaxSimIndexConfig,
        ExhaustiveMaxSimSearchConfig,
        PlaidIndexConfig,
        PlaidSearchConfig,
        default_num_centroids,
    )
    from lir_core.retrieve.plaid.exhaustive import ExhaustiveMaxSimIndexer, ExhaustiveMaxSimSearcher
    from lir_core.retrieve.plaid.indexer import PlaidIndexer
    from lir_core.retrieve.plaid.plaid_index import PlaidIndex
    from lir_core.retrieve.plaid.records import MultiVectorDocs, QueryTokens, TokenCollection
    from lir_core.retrieve.plaid.searcher import PlaidSearcher

# Each exported name -> its module, imported on first use: a params check that needs only the
# configs (and `lir --help`) does not load the indexers and searchers, nor torch and faiss.
_EXPORTS = {
    "ExhaustiveMaxSimIndexConfig": "lir_core.retrieve.plaid.config",
    "ExhaustiveMaxSimIndexer": "lir_core.retrieve.plaid.exhaustive",
    "ExhaustiveMaxSimSearchConfig": "lir_core.retrieve.plaid.config",
    "ExhaustiveMaxSimSearcher": "lir_core.retrieve.plaid.exhaustive",
    "MultiVectorDocs": "lir_core.retrieve.plaid.records",
    "PlaidIndex": "lir_core.retrieve.plaid.plaid_index",
    "PlaidIndexConfig": "lir_core.retrieve.plaid.config",
    "PlaidIndexer": "lir_core.retrieve.plaid.indexer",
    "PlaidSearchConfig": "lir_core.retrieve.plaid.config",
    "PlaidSearcher": "lir_core.retrieve.plaid.searcher",
    "QueryTokens": "lir_core.retrieve.plaid.records",
    "ResidualCodec": "lir_core.retrieve.plaid.codec",
    "TokenCollection": "lir_core.retrieve.plaid.records",
    "default_num_centroids": "lir_core.retrieve.plaid.config",
}

__all__ = [
    "ExhaustiveMaxSimIndexConfig",
    "ExhaustiveMaxSimIndexer",
    "ExhaustiveMaxSimSearchConfig",
    "ExhaustiveMaxSimSearcher",
    "MultiVectorDocs",
    "PlaidIndex",
    "PlaidIndexConfig",
    "PlaidIndexer",
    "PlaidSearchConfig",
    "PlaidSearcher",
    "QueryTokens",
    "ResidualCodec",
    "TokenCollection",
    "default_num_centroids",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
