"""lir_core: fine-tune, index, search, re-rank and evaluate transformer retrieval models.

The public names follow the Lightning IR paper (with ``lir_core`` in place of
``lightning_ir``).
"""

from lir_core.base.config import LightningIRConfig
from lir_core.base.model import LightningIRModel
from lir_core.base.module import LightningIRModule
from lir_core.bi_encoder.config import BiEncoderConfig
from lir_core.bi_encoder.model import BiEncoderEmbedding, BiEncoderModel, BiEncoderOutput
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.bi_encoder.tokenizer import BiEncoderTokenizer
from lir_core.cross_encoder.config import CrossEncoderConfig
from lir_core.cross_encoder.model import CrossEncoderModel, CrossEncoderOutput
from lir_core.cross_encoder.module import CrossEncoderModule
from lir_core.cross_encoder.tokenizer import CrossEncoderTokenizer
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

__all__ = [
    "BiEncoderConfig", "BiEncoderEmbedding", "BiEncoderModel", "BiEncoderModule", "BiEncoderOutput",
    "BiEncoderTokenizer", "ColConfig", "ColModel", "CrossEncoderConfig", "CrossEncoderModel",
    "CrossEncoderModule", "CrossEncoderOutput", "CrossEncoderTokenizer", "DprConfig", "DprModel",
    "LightningIRConfig", "LightningIRModel", "LightningIRModule", "MonoConfig", "MonoModel",
    "MonoT5Config", "MonoT5Model", "SetEncoderConfig", "SetEncoderModel", "SpladeConfig", "SpladeModel",
]

from lir_core.callbacks import IndexCallback, ReRankCallback, SearchCallback
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
from lir_core.trainer import LightningIRTrainer

__all__ += [
    "FaissFlatIndexConfig", "FaissHNSWIndexConfig", "FaissIVFIndexConfig", "FaissIVFPQIndexConfig",
    "FaissPQIndexConfig", "FaissSearchConfig", "IndexCallback", "LightningIRTrainer", "ReRankCallback",
    "Retriever", "SearchCallback", "encode_collection", "exhaustive_search", "search",
]
