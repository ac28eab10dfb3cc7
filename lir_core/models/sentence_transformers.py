"""Load sentence-transformers folders as single-vector bi-encoders.

Reads ``modules.json`` (the module stack), the pooling module's ``config.json``, whether a
``Normalize`` module follows, and ``max_seq_length`` from ``sentence_bert_config.json``.
Stacks with modules we cannot reproduce exactly (e.g. ``Dense``) are refused, not
approximated.
"""

from __future__ import annotations

import json
from pathlib import Path

from lir_core.base.checkpoint import ResolvedCheckpoint, register_resolver
from lir_core.models.dpr import DprConfig

_POOLING_MODES = {
    "pooling_mode_cls_token": "first",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
}
_SUPPORTED_MODULES = ("Transformer", "Pooling", "Normalize")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from error


@register_resolver
def resolve_sentence_transformers(name_or_path: str) -> ResolvedCheckpoint | None:
    """Recognise a local sentence-transformers folder; None for anything else."""
    folder = Path(name_or_path)
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return None
    modules = _read_json(modules_file)
    kinds = {m["type"].rsplit(".", 1)[-1]: m for m in modules}
    unsupported = sorted(set(kinds) - set(_SUPPORTED_MODULES))
    if unsupported:
        raise ValueError(f"{modules_file}: sentence-transformers modules {unsupported} are not supported")
    if "Transformer" not in kinds or "Pooling" not in kinds:
        raise ValueError(f"{modules_file}: needs a Transformer and a Pooling module")
    transformer_dir = folder / kinds["Transformer"].get("path", "")
    pooling_file = folder / kinds["Pooling"]["path"] / "config.json"
    if not pooling_file.is_file():
        raise FileNotFoundError(f"{pooling_file}: pooling config missing")
    pooling_config = _read_json(pooling_file)
    active = [mode for key, mode in _POOLING_MODES.items() if pooling_config.get(key)]
    other = [k for k, v in pooling_config.items() if k.startswith("pooling_mode") and v and k not in _POOLING_MODES]
    if len(active) != 1 or other:
        raise ValueError(f"{pooling_file}: only one of cls/mean/max pooling is supported, found {active + other}")
    max_length = 512
    for config_name in ("sentence_bert_config.json", "sentence_xlnet_config.json"):
        config_file = transformer_dir / config_name
        if config_file.is_file():
            max_length = int(_read_json(config_file).get("max_seq_length") or max_length)
            break
    normalize = "Normalize" in kinds
    config = DprConfig(
        query_length=max_length,
        doc_length=max_length,
        query_pooling_strategy=active[0],
        doc_pooling_strategy=active[0],
        similarity_function="dot" if normalize else "cosine",
        normalize=normalize,
    )
    return ResolvedCheckpoint(config, str(transformer_dir))
