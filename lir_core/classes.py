"""Classes found by a short name: one registry per family, filled as the classes are defined.

A params file, a saved ``lir_config.json`` or an index manifest names a class by a short name:
a model config by its class name (``SpladeConfig``) or model type (``splade``), an index config
by its index type (``faiss-flat``) or class name, a search config by the index type it searches.
Each family's base class registers its subclasses here (``__init_subclass__``), and every
lookup goes through :meth:`ClassRegistry.get`, which first imports the modules that define the
family's concrete classes, so that a lookup never depends on what happened to be imported.

    >>> from lir_core.classes import INDEX_CONFIGS
    >>> INDEX_CONFIGS.get("faiss-flat").__name__
    'FaissFlatIndexConfig'
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ClassRegistry(Generic[T]):
    """The classes of one family by name.

    Args:
        kind: What a name names, for error messages (e.g. "model type").
        modules: Modules defining the family's classes, imported before the first lookup.
        by_class_name: Also find each class by its ``__name__``.
    """

    def __init__(self, kind: str, modules: tuple[str, ...] = (), by_class_name: bool = True) -> None:
        self.kind = kind
        self.modules = modules
        self.by_class_name = by_class_name
        self._classes: dict[str, type[T]] = {}
        self._keys: dict[str, type[T]] = {}

    def register(self, cls: type[T], key: str | None = None) -> None:
        """Register ``cls`` under ``key`` (its family's short name, e.g. an index type) and,
        with ``by_class_name``, under its class name."""
        if key is not None:
            self._keys[key] = cls
        if self.by_class_name:
            self._classes[cls.__name__] = cls

    def _load(self) -> None:
        for module in self.modules:
            importlib.import_module(module)

    def get(self, name: str, kind: str | None = None) -> type[T]:
        """The class registered under ``name`` (a key, else a class name).

        Args:
            name: The short name.
            kind: What the name names in the error message (default: the registry's kind).

        Raises:
            ValueError: If nothing is registered under ``name``, listing what is.
        """
        if name not in self._keys and name not in self._classes:
            self._load()
        found = self._keys.get(name) or self._classes.get(name)
        if found is None or inspect.isabstract(found):
            raise ValueError(f"Unknown {kind or self.kind} {name!r}; known: {self.names()}")
        return found

    def key_of(self, cls: type[T]) -> str | None:
        """The key ``cls`` is registered under (None if only by class name)."""
        return next((key for key, value in self._keys.items() if value is cls), None)

    def names(self) -> list[str]:
        """Every registered key, then every class name, sorted."""
        self._load()
        classes = {name for name, cls in self._classes.items() if not inspect.isabstract(cls)}
        return sorted(self._keys) + sorted(classes)

    def __contains__(self, name: Any) -> bool:
        try:
            self.get(name)
        except ValueError:
            return False
        return True


# Model configs (``LightningIRConfig`` subclasses) by model type and class name.
MODEL_CONFIGS: ClassRegistry[Any] = ClassRegistry("model type", ("lir_core.model_configs",))
# The index families (packages whose names are imported on first use).
INDEX_FAMILIES = ("lir_core.retrieve.faiss", "lir_core.retrieve.plaid", "lir_core.retrieve.sparse")
# Index configs (``IndexConfig`` subclasses) by index type and class name: their modules need
# neither torch nor faiss, so that a params file is checked in a fraction of a second.
INDEX_CONFIGS: ClassRegistry[Any] = ClassRegistry("index type", tuple(f"{family}.config" for family in INDEX_FAMILIES))
# Indexers and searchers by the index type they build or read.
_INDEX_CODE = tuple(f"lir_core.retrieve.{module}" for module in (
    "faiss.indexer", "faiss.searcher", "plaid.indexer", "plaid.exhaustive", "plaid.searcher", "sparse.indexer",
    "sparse.searcher", "sparse.seismic"))
INDEXERS: ClassRegistry[Any] = ClassRegistry("index type", _INDEX_CODE, by_class_name=False)
SEARCHERS: ClassRegistry[Any] = ClassRegistry("index type", _INDEX_CODE, by_class_name=False)
