"""lir_core: fine-tune, index, search, re-rank and evaluate transformer retrieval models.

The public names follow the Lightning IR paper (with ``lir_core`` in place of
``lightning_ir``): models and their configs, datasets and the datamodule, the trainer and
its callbacks, index/search configs, losses and evaluation.

The names are imported on first use (:mod:`lir_core._lazy`): ``import lir_core`` loads
neither torch nor transformers, Lightning, faiss or Prefect.
"""

from typing import TYPE_CHECKING

from lir_core._lazy import lazy_exports

if TYPE_CHECKING:  # the same names, eagerly, for type checkers and IDEs
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
    from lir_core.model_configs import ColConfig, DprConfig, MonoConfig, MonoT5Config, SetEncoderConfig, SpladeConfig
    from lir_core.models import (
        ColModel,
        DprModel,
        MonoModel,
        MonoT5Model,
        SetEncoderModel,
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

# Each exported name -> the module it is imported from on first use.
_EXPORTS = {
    "LightningIRConfig": "lir_core.base.config",
    "LightningIRModel": "lir_core.base.model",
    "LightningIRModule": "lir_core.base.module",
    "BiEncoderConfig": "lir_core.bi_encoder.config",
    "BiEncoderEmbedding": "lir_core.bi_encoder.model",
    "BiEncoderModel": "lir_core.bi_encoder.model",
    "BiEncoderOutput": "lir_core.bi_encoder.model",
    "BiEncoderModule": "lir_core.bi_encoder.module",
    "BiEncoderTokenizer": "lir_core.bi_encoder.tokenizer",
    "IndexCallback": "lir_core.callbacks",
    "ReRankCallback": "lir_core.callbacks",
    "SearchCallback": "lir_core.callbacks",
    "CrossEncoderConfig": "lir_core.cross_encoder.config",
    "CrossEncoderModel": "lir_core.cross_encoder.model",
    "CrossEncoderOutput": "lir_core.cross_encoder.model",
    "CrossEncoderModule": "lir_core.cross_encoder.module",
    "CrossEncoderTokenizer": "lir_core.cross_encoder.tokenizer",
    "DocDataset": "lir_core.data",
    "DocSample": "lir_core.data",
    "LightningIRDataModule": "lir_core.data",
    "QueryDataset": "lir_core.data",
    "QuerySample": "lir_core.data",
    "RankSample": "lir_core.data",
    "RunDataset": "lir_core.data",
    "TupleDataset": "lir_core.data",
    "EvaluationResult": "lir_core.evaluate",
    "ExperimentTable": "lir_core.evaluate",
    "evaluate_run": "lir_core.evaluate",
    "paired_significance": "lir_core.evaluate",
    "ApproxNDCG": "lir_core.loss",
    "ConstantMarginMSE": "lir_core.loss",
    "FLOPSRegularization": "lir_core.loss",
    "InBatchCrossEntropy": "lir_core.loss",
    "KLDivergence": "lir_core.loss",
    "L1Regularization": "lir_core.loss",
    "LocalizedContrastiveEstimation": "lir_core.loss",
    "RankNet": "lir_core.loss",
    "SupervisedMarginMSE": "lir_core.loss",
    "ColConfig": "lir_core.model_configs",
    "ColModel": "lir_core.models",
    "DprConfig": "lir_core.model_configs",
    "DprModel": "lir_core.models",
    "MonoConfig": "lir_core.model_configs",
    "MonoModel": "lir_core.models",
    "MonoT5Config": "lir_core.model_configs",
    "MonoT5Model": "lir_core.models",
    "SetEncoderConfig": "lir_core.model_configs",
    "SetEncoderModel": "lir_core.models",
    "SpladeConfig": "lir_core.model_configs",
    "SpladeModel": "lir_core.models",
    "FaissFlatIndexConfig": "lir_core.retrieve",
    "FaissHNSWIndexConfig": "lir_core.retrieve",
    "FaissIVFIndexConfig": "lir_core.retrieve",
    "FaissIVFPQIndexConfig": "lir_core.retrieve",
    "FaissPQIndexConfig": "lir_core.retrieve",
    "FaissSearchConfig": "lir_core.retrieve",
    "Retriever": "lir_core.retrieve",
    "encode_collection": "lir_core.retrieve",
    "exhaustive_search": "lir_core.retrieve",
    "search": "lir_core.retrieve",
    "FaissFlatIndexer": "lir_core.retrieve.faiss",
    "ExhaustiveMaxSimIndexConfig": "lir_core.retrieve.plaid",
    "ExhaustiveMaxSimSearchConfig": "lir_core.retrieve.plaid",
    "PlaidIndexConfig": "lir_core.retrieve.plaid",
    "PlaidSearchConfig": "lir_core.retrieve.plaid",
    "SparseIndexConfig": "lir_core.retrieve.sparse",
    "SparseSearchConfig": "lir_core.retrieve.sparse",
    "LightningIRTrainer": "lir_core.trainer",
}

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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
