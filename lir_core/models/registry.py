"""Known hub checkpoints and the Lightning IR config each one needs.

On a connected machine ``BiEncoderModule("naver/splade-v3")`` downloads the checkpoint
through HuggingFace and, thanks to this registry, builds a SPLADE model rather than a
default bi-encoder. Patterns are shell-style (``fnmatch``) and matched case-insensitively
against the hub id; the first match wins.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lir_core.base.checkpoint import ResolvedCheckpoint, register_resolver
from lir_core.base.config import LightningIRConfig
from lir_core.models.col import ColConfig
from lir_core.models.mono import MonoConfig
from lir_core.models.mono_t5 import MonoT5Config
from lir_core.models.sentence_transformers import resolve_sentence_transformers
from lir_core.models.splade import SpladeConfig


@dataclass(frozen=True)
class RegistryEntry:
    """How to load one family of hub checkpoints.

    Attributes:
        pattern: fnmatch pattern over hub ids.
        make_config: Builds the config from the concrete hub id.
        head_weight_map: Checkpoint parameter -> our head parameter, for checkpoints whose
            heads were trained elsewhere (ColBERT's ``linear``, a classifier layer).
        sentence_transformers: Download the snapshot and read its sentence-transformers
            module stack (pooling, normalisation, length) instead of a fixed config.
    """

    pattern: str
    make_config: Callable[[str], LightningIRConfig] | None = None
    head_weight_map: dict[str, str] = field(default_factory=dict)
    sentence_transformers: bool = False


REGISTRY: tuple[RegistryEntry, ...] = (
    RegistryEntry("naver/splade*", lambda _: SpladeConfig(query_length=32, doc_length=256)),
    RegistryEntry(
        "colbert-ir/colbertv2.0",
        lambda _: ColConfig(query_length=32, doc_length=180, embedding_dim=128),
        head_weight_map={"linear.weight": "projection.weight"},
    ),
    RegistryEntry("castorini/monot5-*-msmarco*", lambda _: MonoT5Config()),
    RegistryEntry("castorini/rankt5-*", lambda _: MonoT5Config(scoring_strategy="rank", true_token_id=32089)),
    RegistryEntry("sentence-transformers/msmarco-*", sentence_transformers=True),
    RegistryEntry(
        "cross-encoder/ms-marco-*",
        lambda _: MonoConfig(query_length=32, doc_length=480, scoring_strategy="rank"),
        head_weight_map={"classifier.weight": "linear.weight", "classifier.bias": "linear.bias"},
    ),
)


def lookup(hub_id: str) -> RegistryEntry | None:
    """The registry entry matching a hub id, or None."""
    lowered = hub_id.lower()
    for entry in REGISTRY:
        if fnmatch.fnmatchcase(lowered, entry.pattern.lower()):
            return entry
    return None


@register_resolver
def resolve_registered(name_or_path: str) -> ResolvedCheckpoint | None:
    """Resolve a registered hub id (local folders are never matched)."""
    if Path(name_or_path).exists():
        return None
    entry = lookup(name_or_path)
    if entry is None:
        return None
    if entry.sentence_transformers:
        from huggingface_hub import snapshot_download

        return resolve_sentence_transformers(snapshot_download(name_or_path))
    assert entry.make_config is not None
    return ResolvedCheckpoint(entry.make_config(name_or_path), name_or_path,
                              head_weight_map=dict(entry.head_weight_map))
