"""Concrete architectures, the sentence-transformers loader and the hub-id registry.

Importing this package registers the checkpoint resolvers with the base loader.
"""

from lir_core.models.col import ColConfig, ColModel
from lir_core.models.dpr import DprConfig, DprModel
from lir_core.models.mono import MonoConfig, MonoModel
from lir_core.models.mono_t5 import MonoT5Config, MonoT5Model
from lir_core.models.registry import REGISTRY, RegistryEntry, lookup
from lir_core.models.sentence_transformers import resolve_sentence_transformers
from lir_core.models.set_encoder import SetEncoderConfig, SetEncoderModel
from lir_core.models.splade import SparseVector, SpladeConfig, SpladeModel, prune_sparse

__all__ = [
    "ColConfig", "ColModel", "DprConfig", "DprModel", "MonoConfig", "MonoModel",
    "MonoT5Config", "MonoT5Model", "REGISTRY", "RegistryEntry", "SetEncoderConfig",
    "SetEncoderModel", "SparseVector", "SpladeConfig", "SpladeModel", "lookup",
    "prune_sparse", "resolve_sentence_transformers",
]
