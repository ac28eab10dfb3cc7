"""Lazy re-exports for packages (PEP 562): a name is imported from its module on first use.

``import lir_core`` (and ``lir_core.data``, ``lir_core.evaluate``, ``lir_core.retrieve``) then
costs milliseconds instead of importing torch, transformers and Lightning, so that ``lir
--help`` and the flows that need none of them (load, BM25, evaluate) start quickly. A package
uses it as::

    from typing import TYPE_CHECKING
    from lir_core._lazy import lazy_exports

    if TYPE_CHECKING:  # the same names, for type checkers and IDEs
        from lir_core.data.readers import read_run

    _EXPORTS = {"read_run": "lir_core.data.readers"}
    __all__ = ["read_run"]  # a literal list, as static tools expect; tests check it equals _EXPORTS
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


class _LazyPackage(ModuleType):
    """A package whose exported names win over its same-named submodules.

    Importing a submodule binds it on its package (``lir_core.data.collate`` becomes the
    module). An eager ``from .collate import collate`` in ``__init__`` rebinds the name to the
    function afterwards; a lazy package keeps that meaning by binding the exported object
    instead whenever the import system binds a submodule of the same name.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        exports = self.__dict__.get("_lazy_exports", {})
        if (isinstance(value, ModuleType) and name in exports
                and value.__name__ == f"{self.__name__}.{name}" and hasattr(value, name)):
            value = getattr(value, name)
        super().__setattr__(name, value)


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package`` for ``exports``.

    Args:
        package: The package's ``__name__``.
        exports: Exported name -> the module that defines it (absolute name).

    Returns:
        ``(__getattr__, __dir__)`` to assign at the package's top level. The first access of a
        name imports its module and caches the object in the package's namespace.
    """
    module = sys.modules[package]
    namespace = module.__dict__
    namespace["_lazy_exports"] = dict(exports)
    module.__class__ = _LazyPackage

    def __getattr__(name: str) -> Any:
        source = exports.get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__


__all__ = ["lazy_exports"]
