"""Data layer: datasets over ir_datasets ids or local files, typed samples and batches, the
datamodule, file readers, offline cache seeding and hard-negative mining."""

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
