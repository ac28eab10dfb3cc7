"""The ``lir_core`` modules whose source is part of a task's code version (``ArtifactCache(code=...)``).

Kept apart from the tasks so that a task can name the model code without importing it: the
BM25 search path (``tasks.search``) then loads neither torch nor transformers.
"""

from __future__ import annotations

# The code that turns a checkpoint into a bi- or cross-encoder and encodes with it.
MODEL_CODE = ("lir_core.base", "lir_core.bi_encoder", "lir_core.models")

__all__ = ["MODEL_CODE"]
