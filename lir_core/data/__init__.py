"""Data layer: datasets over ir_datasets ids or local files, typed samples and batches, the
datamodule, file readers, offline cache seeding and hard-negative mining."""

from typing import TYPE_CHECKING

from lir_core._lazy import lazy_exports

if TYPE_CHECKING:  # the same names, eagerly, for type checkers and IDEs
    from .collate import collate
    from .datamodule import LightningIRDataModule
    from .doc_dataset import DocDataset
    from .doc_lookup import DictDocLookup, DocLookup, IrdsDocLookup, doc_lookup
    from .hard_negatives import MiningStats, mine_hard_negatives
    from .query_dataset import QueryDataset
    from .readers import Qrels, Run, TupleRecord, read_docs, read_qrels, read_queries, read_run, read_tuples
    from .run_dataset import RunDataset
    from .samples import DocSample, IndexBatch, QuerySample, RankBatch, RankSample, SearchBatch
    from .seed import seed_ir_datasets_cache
    from .sources import load_docs, load_qrels, load_queries, load_run
    from .tuple_dataset import TupleDataset

# Each exported name -> the module it is imported from on first use.
_EXPORTS = {
    "collate": "lir_core.data.collate",
    "LightningIRDataModule": "lir_core.data.datamodule",
    "DocDataset": "lir_core.data.doc_dataset",
    "DictDocLookup": "lir_core.data.doc_lookup",
    "DocLookup": "lir_core.data.doc_lookup",
    "IrdsDocLookup": "lir_core.data.doc_lookup",
    "doc_lookup": "lir_core.data.doc_lookup",
    "MiningStats": "lir_core.data.hard_negatives",
    "mine_hard_negatives": "lir_core.data.hard_negatives",
    "QueryDataset": "lir_core.data.query_dataset",
    "Qrels": "lir_core.data.readers",
    "Run": "lir_core.data.readers",
    "TupleRecord": "lir_core.data.readers",
    "read_docs": "lir_core.data.readers",
    "read_qrels": "lir_core.data.readers",
    "read_queries": "lir_core.data.readers",
    "read_run": "lir_core.data.readers",
    "read_tuples": "lir_core.data.readers",
    "RunDataset": "lir_core.data.run_dataset",
    "DocSample": "lir_core.data.samples",
    "IndexBatch": "lir_core.data.samples",
    "QuerySample": "lir_core.data.samples",
    "RankBatch": "lir_core.data.samples",
    "RankSample": "lir_core.data.samples",
    "SearchBatch": "lir_core.data.samples",
    "seed_ir_datasets_cache": "lir_core.data.seed",
    "load_docs": "lir_core.data.sources",
    "load_qrels": "lir_core.data.sources",
    "load_queries": "lir_core.data.sources",
    "load_run": "lir_core.data.sources",
    "TupleDataset": "lir_core.data.tuple_dataset",
}

__all__ = [
    "DictDocLookup",
    "DocDataset",
    "DocLookup",
    "DocSample",
    "IndexBatch",
    "IrdsDocLookup",
    "LightningIRDataModule",
    "MiningStats",
    "Qrels",
    "QueryDataset",
    "QuerySample",
    "RankBatch",
    "RankSample",
    "Run",
    "RunDataset",
    "SearchBatch",
    "TupleDataset",
    "TupleRecord",
    "collate",
    "doc_lookup",
    "load_docs",
    "load_qrels",
    "load_queries",
    "load_run",
    "mine_hard_negatives",
    "read_docs",
    "read_qrels",
    "read_queries",
    "read_run",
    "read_tuples",
    "seed_ir_datasets_cache",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
