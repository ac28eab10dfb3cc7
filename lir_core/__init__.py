"""lir_core: fine-tune, index, search, re-rank and evaluate transformer retrieval models.

The public names follow the Lightning IR paper (with ``lir_core`` in place of
``lightning_ir``): models and their configs, datasets and the datamodule, the trainer and
its callbacks, index/search configs, losses and evaluation.
"""

from lir_core.base.config import LightningIRConfig
from lir_core.base.model import LightningIRModel
from lir_core.base.module import LightningIRModule
from lir_core.bi_encoder.config import BiEncoderConfig
from lir_core.bi_encoder.model import BiEncoderEmbedding, BiEncoderModel, BiEncoderOutput
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.bi_encoder.tokenizer import BiEncoderTokenizer
from lir_core.callbacks import IndexCallback, ReRankCallback, SearchCallback
from lir_core.cross_encoder.config import CrossEncoderConfig
from lir_core.cross_encoder.model import CrossEncoderModel, CrossEncoderOutput
from lir_core.cross_encoder.module import CrossEncoderModule
from lir_core.cross_encoder.tokenizer import CrossEncoderTokenizer
from lir_core.data import (
    DocDataset,
    DocSample,
    LightningIRDataModule,
    QueryDataset,
    QuerySample,
    RankSample,
    RunDataset,
    TupleDataset,
)
from lir_core.evaluate import EvaluationResult, ExperimentTable, evaluate_run, paired_significance
from lir_core.loss import (
    ApproxNDCG,
    ConstantMarginMSE,
    FLOPSRegularization,
    InBatchCrossEntropy,
    KLDivergence,
    L1Regularization,
    LocalizedContrastiveEstimation,
    RankNet,
    SupervisedMarginMSE,
)
from lir_core.models import (
    ColConfig,
    ColModel,
    DprConfig,
    DprModel,
    MonoConfig,
    MonoModel,
    MonoT5Config,
    MonoT5Model,
    SetEncoderConfig,
    SetEncoderModel,
    SpladeConfig,
    SpladeModel,
)
from lir_core.retrieve import (
    FaissFlatIndexConfig,
    FaissHNSWIndexConfig,
    FaissIVFIndexConfig,
    FaissIVFPQIndexConfig,
    FaissPQIndexConfig,
    FaissSearchConfig,
    Retriever,
    encode_collection,
    exhaustive_search,
    search,
)
from lir_core.retrieve.faiss import FaissFlatIndexer
from lir_core.retrieve.plaid import (
    ExhaustiveMaxSimIndexConfig,
    ExhaustiveMaxSimSearchConfig,
    PlaidIndexConfig,
    PlaidSearchConfig,
)
from lir_core.retrieve.sparse import SparseIndexConfig, SparseSearchConfig
from lir_core.trainer import LightningIRTrainer

__all__ = [
    "ApproxNDCG", "BiEncoderConfig", "BiEncoderEmbedding", "BiEncoderModel", "BiEncoderModule",
    "BiEncoderOutput", "BiEncoderTokenizer", "ColConfig", "ColModel", "ConstantMarginMSE",
    "CrossEncoderConfig", "CrossEncoderModel", "CrossEncoderModule", "CrossEncoderOutput",
    "CrossEncoderTokenizer", "DocDataset", "DocSample", "DprConfig", "DprModel", "EvaluationResult",
    "ExhaustiveMaxSimIndexConfig", "ExhaustiveMaxSimSearchConfig", "ExperimentTable", "FLOPSRegularization",
    "FaissFlatIndexConfig", "FaissFlatIndexer", "FaissHNSWIndexConfig", "FaissIVFIndexConfig",
    "FaissIVFPQIndexConfig", "FaissPQIndexConfig", "FaissSearchConfig", "InBatchCrossEntropy",
    "IndexCallback", "KLDivergence", "L1Regularization", "LightningIRConfig", "LightningIRDataModule",
    "LightningIRModel", "LightningIRModule", "LightningIRTrainer", "LocalizedContrastiveEstimation",
    "MonoConfig", "MonoModel", "MonoT5Config", "MonoT5Model", "PlaidIndexConfig", "PlaidSearchConfig",
    "QueryDataset", "QuerySample", "RankNet", "RankSample", "ReRankCallback", "Retriever", "RunDataset",
    "SearchCallback", "SetEncoderConfig", "SetEncoderModel", "SparseIndexConfig", "SparseSearchConfig",
    "SpladeConfig", "SpladeModel", "SupervisedMarginMSE", "TupleDataset", "encode_collection",
    "evaluate_run", "exhaustive_search", "paired_significance", "search",
]
