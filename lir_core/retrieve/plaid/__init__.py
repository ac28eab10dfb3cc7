"""Multi-vector (ColBERT) retrieval: exact exhaustive MaxSim and PLAID (centroids + residuals)."""

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
